using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>Writes a finished search's result and the baseline's measurement into the exploration's state, as the report shows them.</summary>
internal static class ExplorationOutcome
{
    public static void Apply(ExplorationGrainState state, ExplorationResult result, MeasurementTable table, MeasureReply? baseline)
    {
        state.BaselineLatencyMs = baseline?.EndToEnd?.MedianMs;
        state.BaselinePeakBytes = baseline?.Memory?.PeakBytes;
        state.ParetoFront = [.. result.ParetoFront.Select(p => new ParetoPoint(p.LatencyMs, p.PeakBytes, p.UsesInt8))];
        (state.TableHits, state.BoardMeasurements, state.Failures) = (result.TableHits, result.BoardMeasurements, result.Failures);
        if (result.Best is not { } best)
        {
            state.Error = "no plan could be confirmed end-to-end (every measurement failed or was rejected by the accuracy guard)";
            return;
        }

        state.BestLatencyMs = best.LatencyMs;
        state.BestPeakBytes = best.PeakBytes;
        state.AccuracyVerdict = result.BestVerdict?.Reason;
        state.BestPlan = [.. table.Space.Layers.Select(l => new PlanLayer(l.Name, l.Op.ToString(), l.Choices[best.Plan[l.Index]].ToString()))];
        state.BestPlanJson = PlanJson.Write(table.Space.ToWirePlan(best.Plan));
    }
}
