using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>
/// Writes a search's state into the exploration's, as the report and the pages show them: while it runs, after every
/// step (the best plan so far and the Pareto front of the plans confirmed so far), and at the end with the baseline.
/// </summary>
internal static class ExplorationOutcome
{
    /// <summary>The best confirmed plan so far, and the front of what is confirmed (guard-rejected plans left out).</summary>
    public static void ApplyProgress(ExplorationGrainState state, ExplorationCheckpoint checkpoint, ConfirmedPlan? best, MeasurementTable table)
    {
        state.ParetoFront = [.. checkpoint.ParetoFront()
            .Select(c => new ParetoPoint(c.LatencyMs, c.PeakBytes, table.Space.UsesInt8(CandidatePlan.Parse(c.Plan))))];
        if (best is not null)
        {
            state.BestPeakBytes = best.PeakBytes;
            state.BestPlan = Layers(table, best.Plan);
        }
    }

    public static void Apply(ExplorationGrainState state, ExplorationResult result, MeasurementTable table, MeasureReply? baseline)
    {
        state.BaselineLatencyMs = baseline?.EndToEnd?.MedianMs;
        state.BaselinePeakBytes = baseline?.Memory?.PeakBytes;
        state.LayerNames = [.. table.Space.Layers.Select(l => l.Name)];
        state.BaselineLayerMs = BaselineLayerMs(table.Space, baseline);
        state.ParetoFront = [.. result.ParetoFront.Select(p => new ParetoPoint(p.LatencyMs, p.PeakBytes, p.UsesInt8))];
        (state.TableHits, state.BoardMeasurements, state.Failures) = (result.TableHits, result.BoardMeasurements, result.Failures);
        if (result.Best is not { } best)
        {
            state.BestPlan = [];
            state.Error = "no plan could be confirmed end-to-end (every measurement failed or was rejected by the accuracy guard)";
            return;
        }

        state.BestLatencyMs = best.LatencyMs;
        state.BestPeakBytes = best.PeakBytes;
        state.AccuracyVerdict = result.BestVerdict?.Reason;
        state.BestPlan = Layers(table, best.Plan);
        state.BestPlanJson = PlanJson.Write(table.Space.ToWirePlan(best.Plan));
        state.BestLayerMs = [.. state.BestPlan.Select(l => l.Ms)];
    }

    /// <summary>
    /// A plan's layers with the table's medians (compute plus the conversion this plan makes) rather than one reply's: they
    /// pool every measurement of each choice, so one noisy confirmation run does not skew a layer's figures.
    /// </summary>
    private static List<PlanLayer> Layers(MeasurementTable table, CandidatePlan plan)
    {
        var estimates = new AdditiveCostModel(table).Breakdown(plan);
        return [.. table.Space.Layers.Select(l => new PlanLayer(
            l.Name, l.Op.ToString(), l.Choices[plan[l.Index]].ToString(), estimates[l.Index].TotalMs, estimates[l.Index].ConversionMs,
            estimates[l.Index].MemoryBytes))];
    }

    /// <summary>The baseline's per-layer median (compute plus conversion), matched to the table's layers by name.</summary>
    private static List<double?> BaselineLayerMs(SearchSpace space, MeasureReply? baseline)
    {
        if (baseline is null)
        {
            return [];
        }

        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var layer in baseline.Layers)
        {
            // The executor's per-run total is the truer median of compute plus conversion; older replies lack it.
            if (layer.Total is { } total)
            {
                byName[layer.Name] = total.MedianMs;
            }
            else if (layer.Compute is { } compute)
            {
                byName[layer.Name] = compute.MedianMs + (layer.Conversion?.MedianMs ?? 0);
            }
        }

        return [.. space.Layers.Select(l => byName.TryGetValue(l.Name, out var ms) ? ms : (double?)null)];
    }
}
