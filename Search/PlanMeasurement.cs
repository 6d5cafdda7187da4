using System.Diagnostics.CodeAnalysis;
using Dsx.Wire;

namespace Dsx.Search;

/// <summary>One whole-network measurement of a plan on a board: per-layer timings and memory plus end-to-end, or why it failed.</summary>
public sealed record PlanMeasurement
{
    private PlanMeasurement(MeasureReply? reply, PlanFailure? failure)
    {
        Reply = reply;
        Failure = failure;
    }

    public MeasureReply? Reply { get; }

    public PlanFailure? Failure { get; }

    /// <summary>An answer kept from an earlier request under the same key: already recorded in the measurement table.</summary>
    public bool Replayed { get; init; }

    [MemberNotNullWhen(true, nameof(Reply))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Reply is not null;

    public static PlanMeasurement Success(MeasureReply reply) => new(reply ?? throw new ArgumentNullException(nameof(reply)), null);

    public static PlanMeasurement Failed(PlanFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));
}
