namespace Dsx.Search;

/// <summary>Uniform random search: every layer's choice drawn independently. The baseline every learner must beat.</summary>
public sealed class RandomSearch(SearchSpace space, ulong seed) : ISearchStrategy
{
    private readonly SplitMix64 _random = new(seed);

    public string Name => "random";

    public IReadOnlyList<CandidatePlan> Propose(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new CandidatePlan(space.Layers.Select(l => _random.Next(l.Choices.Count))))];

    public void Observe(IReadOnlyList<EpisodeResult> results)
    {
        // Random search learns nothing.
    }

    public byte[] SaveState() => BitConverter.GetBytes(_random.State);

    public void RestoreState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != sizeof(ulong))
        {
            throw new ArgumentException("not a random-search state", nameof(state));
        }

        _random.State = BitConverter.ToUInt64(state);
    }
}
