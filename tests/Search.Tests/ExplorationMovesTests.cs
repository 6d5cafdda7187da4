using Dsx.Search.Tests.Evaluation;

namespace Dsx.Search.Tests;

public sealed class ExplorationMovesTests
{
    private static readonly SearchSpace Space = SyntheticTables.Build(20, seed: 4).Space;

    private static int[] All(int layer) => [.. Enumerable.Range(0, Space.Layers[layer].Choices.Count)];

    // A fixed greedy policy: the layer's last candidate, so any other choice was made by a move.
    private static int Last(int layer, int[] chosen, int[] candidates) => candidates[^1];

    private static TensorFormat Format(int layer, int choice) => Space.Layers[layer].Choices[choice].Format;

    [Fact]
    public void Without_moves_or_epsilon_the_walk_is_the_greedy_plan()
    {
        var plan = ExplorationMoves.None.Walk(Space, new SplitMix64(1), 0, All, Last);

        Assert.Equal(Enumerable.Range(0, Space.Layers.Count).Select(i => All(i)[^1]), plan);
    }

    [Fact]
    public void A_block_move_switches_one_run_of_at_most_its_length_to_one_format_and_leaves_the_rest_greedy()
    {
        var moves = new ExplorationMoves(BlockMoveRate: 1, BlockMoveLength: 5, StickyExploration: 0);
        var greedy = ExplorationMoves.None.Walk(Space, new SplitMix64(1), 0, All, Last);
        var random = new SplitMix64(2);
        var switched = 0;
        for (var n = 0; n < 200; n++)
        {
            var plan = moves.Walk(Space, random, epsilon: 1, All, Last);
            var changed = Enumerable.Range(0, plan.Length).Where(i => plan[i] != greedy[i]).ToArray();
            if (changed.Length == 0)
            {
                continue;
            }

            switched++;
            Assert.True(changed[^1] - changed[0] < 5, $"layers {changed[0]}..{changed[^1]} switched by one move");
            Assert.Single(changed.Select(i => Format(i, plan[i])).Distinct());
        }

        Assert.True(switched > 100, $"only {switched} of 200 block moves switched anything");
    }

    [Fact]
    public void A_block_move_around_an_incumbent_keeps_every_layer_of_it_outside_the_block()
    {
        var moves = new ExplorationMoves(BlockMoveRate: 1, BlockMoveLength: 3, StickyExploration: 0);
        var incumbent = Enumerable.Range(0, Space.Layers.Count).Select(i => i % 2).ToArray();
        var random = new SplitMix64(3);
        for (var n = 0; n < 100; n++)
        {
            var plan = moves.Walk(Space, random, epsilon: 1, All, Last, incumbent);
            var changed = Enumerable.Range(0, plan.Length).Where(i => plan[i] != incumbent[i]).ToArray();
            Assert.True(changed.Length == 0 || changed[^1] - changed[0] < 3, $"layers {string.Join(',', changed)} differ from the incumbent");
        }
    }

    [Fact]
    public void Sticky_exploration_keeps_the_previous_layers_format_and_plain_exploration_does_not()
    {
        static double Kept(ExplorationMoves moves)
        {
            var random = new SplitMix64(5);
            var (kept, total) = (0, 0);
            for (var n = 0; n < 50; n++)
            {
                var plan = moves.Walk(Space, random, epsilon: 1, All, Last);
                kept += Enumerable.Range(1, plan.Length - 1).Count(i => Format(i, plan[i]) == Format(i - 1, plan[i - 1]));
                total += plan.Length - 1;
            }

            return (double)kept / total;
        }

        Assert.Equal(1.0, Kept(new ExplorationMoves(BlockMoveRate: 0, StickyExploration: 1)));
        Assert.InRange(Kept(ExplorationMoves.None), 0.1, 0.5);
    }

    [Fact]
    public void Only_allowed_choices_are_proposed()
    {
        var moves = new ExplorationMoves();
        var random = new SplitMix64(6);
        int[] NotFirst(int layer) => [.. All(layer).Skip(1)];
        for (var n = 0; n < 100; n++)
        {
            Assert.DoesNotContain(0, moves.Walk(Space, random, epsilon: 0.5, NotFirst, Last));
        }
    }

    [Fact]
    public void The_same_seed_walks_the_same_plans()
    {
        var moves = new ExplorationMoves();
        var (a, b) = (new SplitMix64(7), new SplitMix64(7));
        for (var n = 0; n < 20; n++)
        {
            Assert.Equal(moves.Walk(Space, a, 0.3, All, Last), moves.Walk(Space, b, 0.3, All, Last));
        }
    }
}
