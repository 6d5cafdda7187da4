using Dsx.Model;
using Google.Protobuf;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>The silo's board grains share one parsed copy of a model.</summary>
public sealed class ModelGraphCacheTests
{
    [Fact]
    public async Task A_graph_held_by_one_board_is_not_loaded_or_parsed_again_for_another()
    {
        var cache = new ModelGraphCache();
        var bytes = ModelZoo.Build("tiny_cnn").ToByteArray();
        var loads = 0;
        Task<byte[]> Load()
        {
            loads++;
            return Task.FromResult(bytes);
        }

        var first = await cache.GetAsync("h", Load);
        var second = await cache.GetAsync("h", Load);
        var other = await cache.GetAsync("other", Load);

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Equal(2, loads);
    }
}
