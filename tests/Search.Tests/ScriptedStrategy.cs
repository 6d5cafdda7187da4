namespace Dsx.Search.Tests;

/// <summary>A strategy that proposes a fixed list of plans in turn (cycling) and keeps everything it observed.</summary>
internal sealed class ScriptedStrategy(params CandidatePlan[] plans) : ISearchStrategy
{
    private int _next;

    public List<EpisodeResult> Observed { get; } = [];

    public List<int> ProposalSizes { get; } = [];

    public string Name => "scripted";

    public IReadOnlyList<CandidatePlan> Propose(int count)
    {
        ProposalSizes.Add(count);
        return [.. Enumerable.Range(0, count).Select(_ => plans[_next++ % plans.Length])];
    }

    public void Observe(IReadOnlyList<EpisodeResult> results) => Observed.AddRange(results);

    public byte[] SaveState() => BitConverter.GetBytes(_next);

    public void RestoreState(byte[] state) => _next = BitConverter.ToInt32(state);
}
