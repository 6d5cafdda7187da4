using System.Diagnostics.CodeAnalysis;

namespace Dsx.Search;

/// <summary>A plan's outputs on the calibration set as example rows (see <see cref="AccuracyGuard"/>), or why it could not run.</summary>
public sealed record PlanOutputs
{
    private PlanOutputs(IReadOnlyList<float[]>? rows, PlanFailure? failure)
    {
        Rows = rows;
        Failure = failure;
    }

    public IReadOnlyList<float[]>? Rows { get; }

    public PlanFailure? Failure { get; }

    [MemberNotNullWhen(true, nameof(Rows))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Rows is not null;

    public static PlanOutputs Success(IReadOnlyList<float[]> rows) => new(rows ?? throw new ArgumentNullException(nameof(rows)), null);

    public static PlanOutputs Failed(PlanFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));
}
