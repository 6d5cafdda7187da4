using Dsx.Model;

namespace Dsx.BoardHost.Tests;

/// <summary>The design space of real zoo networks on the local executor: what the search will explore.</summary>
public sealed class DesignSpaceIntegrationTests
{
    [ExecutorFact]
    public async Task EveryLayerHasChoicesAndTheBaselineIsInTheSpace()
    {
        await using var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Local(ExecutorLocator.Locate()));
        var graph = ModelZoo.Build("mobilenet_v2");
        var loaded = await executor.LoadModelAsync(graph);
        var space = DesignSpace.From(await executor.DescribeSpaceAsync(loaded.Hash), executor.Capabilities!);

        Assert.Equal(graph.Nodes.Count, space.Layers.Count);
        Assert.All(space.Layers, layer => Assert.NotEmpty(layer.Choices));
        Assert.True(space.Admits(PlanFactory.Baseline(graph)));
        // A depthwise layer admits direct_neon; a pointwise one does not admit winograd.
        Assert.Contains(space.Layers.Single(l => l.Name == "block1_dw").Choices, c => c.Primitive == "direct_neon");
        Assert.DoesNotContain(space.Layers.Single(l => l.Name == "block1_project").Choices, c => c.Primitive == "winograd_neon");
        // Far beyond exhaustive search: the reason for a learned search.
        Assert.True(space.Log10Size > 50, $"design space is only 10^{space.Log10Size:0.0}");
    }
}
