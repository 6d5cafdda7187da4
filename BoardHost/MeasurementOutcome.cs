using System.Diagnostics.CodeAnalysis;
using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>What one measurement on a <see cref="BoardSession"/> produced: a reply, or a typed failure.</summary>
public sealed record MeasurementOutcome
{
    private MeasurementOutcome(MeasureReply? reply, MeasurementFailure? failure)
    {
        Reply = reply;
        Failure = failure;
    }

    public MeasureReply? Reply { get; }

    public MeasurementFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Reply))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Reply is not null;

    public static MeasurementOutcome Success(MeasureReply reply) => new(reply ?? throw new ArgumentNullException(nameof(reply)), null);

    public static MeasurementOutcome Failed(MeasurementFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));
}
