namespace Dsx.Search.Tests.Evaluation;

/// <summary>Test code: plays a plan against the additive model of a table, without noise, as a board would report it.</summary>
internal static class NoiseFreeEpisodes
{
    public static EpisodeResult Play(AdditiveCostModel model, CandidatePlan plan)
    {
        var costs = new double[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            costs[i] = model.LayerCost(i, plan[i], model.Space.InputFormats(plan, i));
        }

        return new EpisodeResult(plan, costs, costs.Sum());
    }
}
