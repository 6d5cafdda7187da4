namespace Dsx.Search;

/// <summary>
/// The plans that fill a measurement table: first coverage plans, which together run every (layer, choice) at least
/// once, then plans whose layers draw a format uniformly and a choice within it, so conversions between every pair
/// of formats get measured. Deterministic under the seed, so an interrupted recording resumes with the next plan.
/// </summary>
public static class RecordingPlans
{
    public static IEnumerable<CandidatePlan> Sequence(SearchSpace space, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        var random = new SplitMix64(seed);
        var widest = space.Layers.Max(l => l.Choices.Count);
        for (var k = 0; k < widest; k++)
        {
            // Plan k gives each layer its k-th choice; a layer with fewer choices takes a random one (more conversion pairs).
            yield return new CandidatePlan(space.Layers.Select(l => k < l.Choices.Count ? k : random.Next(l.Choices.Count)));
        }

        while (true)
        {
            yield return FormatUniform(space, random);
        }
    }

    /// <summary>How many plans of <see cref="Sequence"/> are coverage plans.</summary>
    public static int CoverageCount(SearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return space.Layers.Max(l => l.Choices.Count);
    }

    public static CandidatePlan FormatUniform(SearchSpace space, SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(random);
        return new CandidatePlan(space.Layers.Select(layer =>
        {
            var formats = layer.Choices.Select(c => c.Format).Distinct().ToArray();
            var format = formats[random.Next(formats.Length)];
            var inFormat = layer.Choices.Select((c, i) => (c, i)).Where(x => x.c.Format == format).ToArray();
            return inFormat[random.Next(inFormat.Length)].i;
        }));
    }
}
