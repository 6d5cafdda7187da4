namespace Dsx.Search;

/// <summary>
/// What one episode observed of its plan: per layer, the cost under the search's objective (compute + input
/// conversion, and memory where the objective counts it), and the whole-plan cost (including any plan penalty).
/// A failed episode names the layer whose choice failed; its costs are empty.
/// </summary>
public sealed record EpisodeResult(CandidatePlan Plan, IReadOnlyList<double> LayerCosts, double TotalCost, int? FailedLayer = null)
{
    public bool Failed => FailedLayer is not null;
}
