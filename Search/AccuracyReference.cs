using Dsx.Wire;

namespace Dsx.Search;

/// <summary>The FP32 plan the accuracy guard compares quantised plans against.</summary>
public static class AccuracyReference
{
    /// <summary>
    /// The baseline's choice where the layer admits it (BLAS for convs and FC), elsewhere the layer's first FP32 choice,
    /// NCHW preferred (the executor's home layout).
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer admits no FP32 choice; the message names it.</exception>
    public static CandidatePlan For(SearchSpace space, Graph graph)
    {
        ArgumentNullException.ThrowIfNull(space);
        var baseline = PlanFactory.Baseline(graph);
        return new CandidatePlan(space.Layers.Select(layer =>
        {
            if (baseline.Layers.TryGetValue(layer.Name, out var wire) && space.IndexOf(layer.Index, LayerChoice.FromWire(wire)) is >= 0 and var index)
            {
                return index;
            }

            var fp32 = layer.Choices.Select((c, i) => (c, i)).Where(x => x.c.Precision == Precision.Fp32).ToList();
            if (fp32.Count == 0)
            {
                throw new InvalidOperationException(
                    $"layer '{layer.Name}' admits no FP32 choice, so quantised plans have no FP32 reference to be checked against");
            }

            return fp32.OrderBy(x => x.c.Layout == Layout.Nchw ? 0 : 1).First().i;
        }));
    }
}
