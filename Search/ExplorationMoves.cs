namespace Dsx.Search;

/// <summary>
/// How a value-based strategy (<see cref="QLearningStrategy"/>, <see cref="DqnStrategy"/>) draws one episode's plan
/// around its greedy policy: per-layer epsilon-greedy, plus two moves of ours (docs/search.md, "Third round").
/// A block move (<paramref name="BlockMoveRate"/> of episodes) is the greedy plan with a run of up to
/// <paramref name="BlockMoveLength"/> consecutive layers switched together to one format: per-layer exploration almost
/// never switches a whole block (an inverted residual's expand, depthwise and project) to INT8 or back at once, and no
/// single-layer switch pays for its conversions. Sticky exploration: an exploring layer draws among its choices in the
/// previous layer's format with chance <paramref name="StickyExploration"/>, as random formats pay conversions at every layer.
/// </summary>
/// <param name="BlockMoveRate">Share of episodes that are block moves; 0 for none.</param>
/// <param name="BlockMoveLength">The longest block a block move switches.</param>
/// <param name="StickyExploration">Chance that an exploring layer keeps to the previous layer's format (when it has a choice in it); 0 for none.</param>
public sealed record ExplorationMoves(double BlockMoveRate = 0.2, int BlockMoveLength = 8, double StickyExploration = 0.7)
{
    /// <summary>Plain per-layer epsilon-greedy: uniform exploring choices, no block moves.</summary>
    public static ExplorationMoves None { get; } = new(0, 1, 0);

    /// <summary>
    /// Draws one plan, layer by layer in topological order, every draw from <paramref name="random"/> (so a strategy
    /// stays deterministic under its seed). <paramref name="allowed"/> gives a layer's choices that may be proposed;
    /// <paramref name="greedy"/> picks among the candidates it is given (a subset of the allowed ones) at a layer, given
    /// the choices made so far for the earlier layers (later entries are not yet set). With an
    /// <paramref name="incumbent"/> plan, a block move switches a run of that plan's layers instead of the greedy plan's:
    /// a local search around it, for a learner whose greedy plan is not yet its best.
    /// </summary>
    public int[] Walk(SearchSpace space, SplitMix64 random, double epsilon, Func<int, int[]> allowed, Func<int, int[], int[], int> greedy, IReadOnlyList<int>? incumbent = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(greedy);
        var block = BlockMoveRate > 0 && random.NextDouble() < BlockMoveRate ? BlockMove(space, random, allowed) : ((int Start, int End, TensorFormat Format)?)null;
        var choices = new int[space.Layers.Count];
        for (var i = 0; i < choices.Length; i++)
        {
            var candidates = allowed(i);
            if (block is var (start, end, format))
            {
                var inBlock = i >= start && i < end;
                var inFormat = inBlock ? InFormat(space, i, candidates, format) : [];
                choices[i] = incumbent is not null && !inBlock && candidates.Contains(incumbent[i])
                    ? incumbent[i]
                    : greedy(i, choices, inFormat.Length > 0 ? inFormat : candidates);
            }
            else
            {
                choices[i] = random.NextDouble() < epsilon ? Explore(space, random, i, choices, candidates) : greedy(i, choices, candidates);
            }
        }

        return choices;
    }

    private int Explore(SearchSpace space, SplitMix64 random, int layer, int[] choices, int[] candidates)
    {
        if (layer > 0 && StickyExploration > 0 && random.NextDouble() < StickyExploration)
        {
            var same = InFormat(space, layer, candidates, space.Layers[layer - 1].Choices[choices[layer - 1]].Format);
            if (same.Length > 0)
            {
                return same[random.Next(same.Length)];
            }
        }

        return candidates[random.Next(candidates.Length)];
    }

    /// <summary>Layers [start, end) and a format drawn among the first layer's allowed formats.</summary>
    private (int Start, int End, TensorFormat Format) BlockMove(SearchSpace space, SplitMix64 random, Func<int, int[]> allowed)
    {
        var start = random.Next(space.Layers.Count);
        var end = Math.Min(space.Layers.Count, start + 1 + random.Next(BlockMoveLength));
        var formats = allowed(start).Select(a => space.Layers[start].Choices[a].Format).Distinct().ToArray();
        return (start, end, formats[random.Next(formats.Length)]);
    }

    private static int[] InFormat(SearchSpace space, int layer, int[] candidates, TensorFormat format) =>
        [.. candidates.Where(a => space.Layers[layer].Choices[a].Format == format)];
}
