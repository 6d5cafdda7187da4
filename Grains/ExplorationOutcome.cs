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
        state.LayerNames = [.. table.Space.Layers.Select(l => l.Name)];
        state.BaselineLayerMs = BaselineLayerMs(table.Space, baseline);
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
        // The table's medians (compute plus the conversion this plan makes) rather than one reply: they pool every
        // measurement of each choice, so one noisy confirmation run does not skew a layer's bar.
        var predicted = new AdditiveCostModel(table).Predict(best.Plan).LayerMs;
        state.BestLayerMs = [.. predicted.Select(ms => double.IsFinite(ms) ? ms : (double?)null)];
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
