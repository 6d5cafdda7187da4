using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class DesignSpaceTests
{
    private static HelloReply Board(int cores) => new()
    {
        Cores = cores,
        Primitives =
        {
            new PrimitiveInfo { Name = "ref", Threaded = true },
            new PrimitiveInfo { Name = "winograd_neon", Threaded = true },
            new PrimitiveInfo { Name = "neon", Threaded = false },
        },
    };

    private static DesignSpaceReply TwoLayers() => new()
    {
        Layers =
        {
            new LayerSpace { Name = "conv1", Op = OpType.Conv, Flops = 10, Choices = { new Choice { Primitive = "ref" }, new Choice { Primitive = "winograd_neon" } } },
            new LayerSpace { Name = "relu1", Op = OpType.Relu, Choices = { new Choice { Primitive = "neon" }, new Choice { Primitive = "neon", Layout = Layout.Nhwc } } },
        },
    };

    [Fact]
    public void ThreadCountsExpandOnlyForThreadedPrimitives()
    {
        var space = DesignSpace.From(TwoLayers(), Board(cores: 4));
        Assert.Equal(8, space.Layers[0].Choices.Count);  // 2 primitives x 4 thread counts
        Assert.Equal(2, space.Layers[1].Choices.Count);  // neon is single-threaded
        Assert.Equal(Math.Log10(16), space.Log10Size, 10);
    }

    [Fact]
    public void AdmitsOnlyChoicesThatAreInTheSpace()
    {
        var space = DesignSpace.From(TwoLayers(), Board(cores: 2));
        var good = new Plan { DefaultThreads = 2 };
        good.Layers["conv1"] = new Choice { Primitive = "winograd_neon" };
        Assert.True(space.Admits(good));

        var tooManyThreads = new Plan();
        tooManyThreads.Layers["conv1"] = new Choice { Primitive = "ref", Threads = 3 };
        Assert.False(space.Admits(tooManyThreads));

        var unknownLayer = new Plan();
        unknownLayer.Layers["conv9"] = new Choice { Primitive = "ref" };
        Assert.False(space.Admits(unknownLayer));

        var wrongLayout = new Plan();
        wrongLayout.Layers["conv1"] = new Choice { Primitive = "ref", Layout = Layout.Nhwc };
        Assert.False(space.Admits(wrongLayout));
    }
}
