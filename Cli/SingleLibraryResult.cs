using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>One single-library plan of a comparison: measured (<see cref="Outcome"/>) or skipped (<see cref="SkipReason"/>).</summary>
internal sealed record SingleLibraryResult(string Label, SingleLibraryOption Library, Plan Plan, MeasurementOutcome? Outcome, string? SkipReason)
{
    public bool IsBaseline => Library == PlanFactory.Blas;

    public MeasureReply? Reply => Outcome?.Reply;
}
