using Dsx.Wire;

namespace Dsx.Model;

/// <summary>Built-in networks with seeded weights (BN assumed folded into the convs), for demos, tests and benchmarks.</summary>
public static class ModelZoo
{
    private static readonly Dictionary<string, Func<ulong, Graph>> Builders = new(StringComparer.Ordinal)
    {
        ["mobilenet_v2"] = MobileNetV2,
        ["resnet18"] = ResNet18,
        ["tiny_cnn"] = TinyCnn,
    };

    public static IReadOnlyList<string> Names { get; } = [.. Builders.Keys];

    public static Graph Build(string name, ulong seed = 42)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Builders.TryGetValue(name, out var build)
            ? build(seed)
            : throw new ArgumentException($"Unknown model '{name}'. Known models: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>MobileNetV2 (Sandler et al. 2018), width 1.0, 224x224: 52 convs, ReLU6 fused, residual ADDs, FC 1000.</summary>
    private static Graph MobileNetV2(ulong seed)
    {
        var b = new NetworkBuilder("mobilenet_v2", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 32, kernel: 3, stride: 2, padding: 1, activation: Activation.Relu6);

        // (expansion t, output channels c, repeats n, first stride s), as in the paper's Table 2.
        (int T, int C, int N, int S)[] stages = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
        var block = 0;
        foreach (var (t, c, n, s) in stages)
        {
            for (var i = 0; i < n; i++)
            {
                x = InvertedResidual(b, x, $"block{block++}", t, c, i == 0 ? s : 1);
            }
        }

        x = b.Conv(x, "conv_last", 1280, kernel: 1, activation: Activation.Relu6);
        return Head(b, x, classes: 1000);
    }

    private static string InvertedResidual(NetworkBuilder b, string input, string name, int expansion, int outChannels, int stride)
    {
        var inChannels = (int)b.ShapeOf(input)[1];
        var hidden = inChannels * expansion;
        var x = input;
        if (expansion != 1)
        {
            x = b.Conv(x, $"{name}_expand", hidden, kernel: 1, activation: Activation.Relu6);
        }

        x = b.Conv(x, $"{name}_dw", hidden, kernel: 3, stride: stride, padding: 1, groups: hidden, activation: Activation.Relu6);
        x = b.Conv(x, $"{name}_project", outChannels, kernel: 1);
        return stride == 1 && inChannels == outChannels ? b.Add(input, x, $"{name}_add") : x;
    }

    /// <summary>ResNet-18 (He et al. 2016): 20 convs (3 of them 1x1 stride-2 downsamples), ADD then RELU per block, FC 1000.</summary>
    private static Graph ResNet18(ulong seed)
    {
        var b = new NetworkBuilder("resnet18", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 64, kernel: 7, stride: 2, padding: 3, activation: Activation.Relu);
        x = b.MaxPool(x, "maxpool", Window2d.Square(3, stride: 2, padding: 1));

        int[] widths = [64, 128, 256, 512];
        for (var stage = 0; stage < widths.Length; stage++)
        {
            for (var i = 0; i < 2; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                x = BasicBlock(b, x, $"layer{stage + 1}_{i}", widths[stage], stride);
            }
        }

        return Head(b, x, classes: 1000);
    }

    private static string BasicBlock(NetworkBuilder b, string input, string name, int channels, int stride)
    {
        var x = b.Conv(input, $"{name}_conv1", channels, kernel: 3, stride: stride, padding: 1, activation: Activation.Relu);
        x = b.Conv(x, $"{name}_conv2", channels, kernel: 3, padding: 1);
        var shortcut = stride != 1 || b.ShapeOf(input)[1] != channels
            ? b.Conv(input, $"{name}_downsample", channels, kernel: 1, stride: stride)
            : input;
        x = b.Add(x, shortcut, $"{name}_add");
        return b.Relu(x, $"{name}_relu");
    }

    /// <summary>A 1x3x32x32 network touching every op kind the executor must handle, small enough for unit tests.</summary>
    private static Graph TinyCnn(ulong seed)
    {
        var b = new NetworkBuilder("tiny_cnn", seed);
        var x = b.Input("input", 1, 3, 32, 32);
        var stem = b.Conv(x, "conv1", 16, kernel: 3, padding: 1, activation: Activation.Relu);
        x = b.Conv(stem, "dw2", 16, kernel: 3, padding: 1, groups: 16, activation: Activation.Relu6);
        x = b.Conv(x, "pw3", 16, kernel: 1);
        x = b.Add(stem, x, "add");
        x = b.MaxPool(x, "pool", Window2d.Square(2, stride: 2));
        x = b.Conv(x, "conv4", 32, kernel: 3, stride: 2, padding: 1, activation: Activation.Relu);
        return Head(b, x, classes: 10);
    }

    private static Graph Head(NetworkBuilder b, string features, int classes)
    {
        var x = b.GlobalAveragePool(features, "gap");
        x = b.Flatten(x, "flatten");
        x = b.FullyConnected(x, "fc", classes);
        b.Output(x);
        return b.Build();
    }
}
