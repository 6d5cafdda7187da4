using Dsx.Wire;

namespace Dsx.Model;

/// <summary>Built-in networks with seeded weights (BN assumed folded into the convs), for demos, tests and benchmarks.</summary>
public static class ModelZoo
{
    private static readonly Dictionary<string, Func<ulong, Graph>> Builders = new(StringComparer.Ordinal)
    {
        ["googlenet"] = GoogLeNet,
        ["mobilenet_v1"] = MobileNetV1,
        ["mobilenet_v2"] = MobileNetV2,
        ["resnet18"] = ResNet18,
        ["resnet50"] = ResNet50,
        ["squeezenet1_1"] = SqueezeNet11,
        ["tiny_cnn"] = TinyCnn,
        ["vgg16"] = Vgg16,
    };

    /// <summary>The zoo's model names in alphabetical order (the order of 'dsx models list').</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Builders.Keys.Order(StringComparer.Ordinal)];

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
        return ResidualJoin(b, input, x, name, channels, stride);
    }

    /// <summary>Adds the block's shortcut (a strided 1x1 conv where the shape changes) to its output, then ReLU.</summary>
    private static string ResidualJoin(NetworkBuilder b, string input, string x, string name, int channels, int stride)
    {
        var shortcut = stride != 1 || b.ShapeOf(input)[1] != channels
            ? b.Conv(input, $"{name}_downsample", channels, kernel: 1, stride: stride)
            : input;
        x = b.Add(x, shortcut, $"{name}_add");
        return b.Relu(x, $"{name}_relu");
    }

    /// <summary>MobileNetV1 (Howard et al. 2017), width 1.0, 224x224: 27 convs (13 depthwise-separable blocks), ReLU fused, FC 1000.</summary>
    private static Graph MobileNetV1(ulong seed)
    {
        var b = new NetworkBuilder("mobilenet_v1", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 32, kernel: 3, stride: 2, padding: 1, activation: Activation.Relu);

        // (pointwise output channels, depthwise stride), as in the paper's Table 1.
        (int C, int S)[] blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)];
        for (var i = 0; i < blocks.Length; i++)
        {
            var (c, s) = blocks[i];
            var channels = (int)b.ShapeOf(x)[1];
            x = b.Conv(x, $"block{i}_dw", channels, kernel: 3, stride: s, padding: 1, groups: channels, activation: Activation.Relu);
            x = b.Conv(x, $"block{i}_pw", c, kernel: 1, activation: Activation.Relu);
        }

        return Head(b, x, classes: 1000);
    }

    /// <summary>
    /// SqueezeNet 1.1 (Iandola et al. 2016, torchvision's squeezenet1_1): 26 convs in 8 fire modules (squeeze 1x1, expand 1x1 and
    /// 3x3 concatenated on channels), ReLU fused, 3x3 stride-2 max pools with ceil_mode, a 1x1 conv to 1000 classes + ReLU, GAP; no FC.
    /// </summary>
    private static Graph SqueezeNet11(ulong seed)
    {
        var b = new NetworkBuilder("squeezenet1_1", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 64, kernel: 3, stride: 2, activation: Activation.Relu);
        x = CeilMaxPool(b, x, "pool1", kernel: 3, stride: 2);
        x = Fire(b, x, "fire2", squeeze: 16, expand: 64);
        x = Fire(b, x, "fire3", squeeze: 16, expand: 64);
        x = CeilMaxPool(b, x, "pool3", kernel: 3, stride: 2);
        x = Fire(b, x, "fire4", squeeze: 32, expand: 128);
        x = Fire(b, x, "fire5", squeeze: 32, expand: 128);
        x = CeilMaxPool(b, x, "pool5", kernel: 3, stride: 2);
        x = Fire(b, x, "fire6", squeeze: 48, expand: 192);
        x = Fire(b, x, "fire7", squeeze: 48, expand: 192);
        x = Fire(b, x, "fire8", squeeze: 64, expand: 256);
        x = Fire(b, x, "fire9", squeeze: 64, expand: 256);
        x = b.Conv(x, "conv10", 1000, kernel: 1, activation: Activation.Relu);
        x = b.GlobalAveragePool(x, "gap");
        x = b.Flatten(x, "flatten");
        b.Output(x);
        return b.Build();
    }

    private static string Fire(NetworkBuilder b, string input, string name, int squeeze, int expand)
    {
        var s = b.Conv(input, $"{name}_squeeze", squeeze, kernel: 1, activation: Activation.Relu);
        var e1 = b.Conv(s, $"{name}_expand1x1", expand, kernel: 1, activation: Activation.Relu);
        var e3 = b.Conv(s, $"{name}_expand3x3", expand, kernel: 3, padding: 1, activation: Activation.Relu);
        return b.Concat([e1, e3], $"{name}_concat");
    }

    /// <summary>
    /// ResNet-50 (He et al. 2016; torchvision's v1.5, stride on the 3x3): 53 convs in 16 bottleneck blocks (1x1, 3x3, 1x1 with
    /// expansion 4) of [3, 4, 6, 3], 4 of them 1x1 downsamples, ADD then RELU per block, FC 1000.
    /// </summary>
    private static Graph ResNet50(ulong seed)
    {
        var b = new NetworkBuilder("resnet50", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 64, kernel: 7, stride: 2, padding: 3, activation: Activation.Relu);
        x = b.MaxPool(x, "maxpool", Window2d.Square(3, stride: 2, padding: 1));

        (int Width, int Blocks)[] stages = [(64, 3), (128, 4), (256, 6), (512, 3)];
        for (var stage = 0; stage < stages.Length; stage++)
        {
            var (width, blocks) = stages[stage];
            for (var i = 0; i < blocks; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                x = Bottleneck(b, x, $"layer{stage + 1}_{i}", width, stride);
            }
        }

        return Head(b, x, classes: 1000);
    }

    private static string Bottleneck(NetworkBuilder b, string input, string name, int width, int stride)
    {
        const int Expansion = 4;
        var x = b.Conv(input, $"{name}_conv1", width, kernel: 1, activation: Activation.Relu);
        x = b.Conv(x, $"{name}_conv2", width, kernel: 3, stride: stride, padding: 1, activation: Activation.Relu);
        x = b.Conv(x, $"{name}_conv3", width * Expansion, kernel: 1);
        return ResidualJoin(b, input, x, name, width * Expansion, stride);
    }

    /// <summary>
    /// VGG-16 (Simonyan and Zisserman 2014, configuration D): 13 3x3 convs with ReLU fused, 5 2x2 stride-2 max pools, FC 4096 + ReLU,
    /// FC 4096 + ReLU, FC 1000 (no dropout). About 138M parameters: 553 MB of float32 weights.
    /// </summary>
    private static Graph Vgg16(ulong seed)
    {
        var b = new NetworkBuilder("vgg16", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        int[][] stages = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
        for (var stage = 0; stage < stages.Length; stage++)
        {
            for (var i = 0; i < stages[stage].Length; i++)
            {
                x = b.Conv(x, $"conv{stage + 1}_{i + 1}", stages[stage][i], kernel: 3, padding: 1, activation: Activation.Relu);
            }

            x = b.MaxPool(x, $"pool{stage + 1}", Window2d.Square(2, stride: 2));
        }

        x = b.Flatten(x, "flatten");
        x = b.FullyConnected(x, "fc6", 4096, Activation.Relu);
        x = b.FullyConnected(x, "fc7", 4096, Activation.Relu);
        x = b.FullyConnected(x, "fc8", 1000);
        b.Output(x);
        return b.Build();
    }

    /// <summary>
    /// GoogLeNet (Szegedy et al. 2014) as torchvision defines it: no auxiliary classifiers, a 3x3 conv in the 'ch5x5' branch,
    /// max pools with ceil_mode (112, 56, 28, 14, 7). 57 convs with ReLU fused, 9 inception modules, GAP, FC 1000.
    /// </summary>
    private static Graph GoogLeNet(ulong seed)
    {
        var b = new NetworkBuilder("googlenet", seed);
        var x = b.Input("input", 1, 3, 224, 224);
        x = b.Conv(x, "conv1", 64, kernel: 7, stride: 2, padding: 3, activation: Activation.Relu);
        x = CeilMaxPool(b, x, "maxpool1", kernel: 3, stride: 2);
        x = b.Conv(x, "conv2", 64, kernel: 1, activation: Activation.Relu);
        x = b.Conv(x, "conv3", 192, kernel: 3, padding: 1, activation: Activation.Relu);
        x = CeilMaxPool(b, x, "maxpool2", kernel: 3, stride: 2);
        x = Inception(b, x, "inception3a", 64, 96, 128, 16, 32, 32);
        x = Inception(b, x, "inception3b", 128, 128, 192, 32, 96, 64);
        x = CeilMaxPool(b, x, "maxpool3", kernel: 3, stride: 2);
        x = Inception(b, x, "inception4a", 192, 96, 208, 16, 48, 64);
        x = Inception(b, x, "inception4b", 160, 112, 224, 24, 64, 64);
        x = Inception(b, x, "inception4c", 128, 128, 256, 24, 64, 64);
        x = Inception(b, x, "inception4d", 112, 144, 288, 32, 64, 64);
        x = Inception(b, x, "inception4e", 256, 160, 320, 32, 128, 128);
        x = CeilMaxPool(b, x, "maxpool4", kernel: 2, stride: 2);
        x = Inception(b, x, "inception5a", 256, 160, 320, 32, 128, 128);
        x = Inception(b, x, "inception5b", 384, 192, 384, 48, 128, 128);
        return Head(b, x, classes: 1000);
    }

    private static string Inception(NetworkBuilder b, string input, string name, int ch1x1, int ch3x3Reduce, int ch3x3, int ch5x5Reduce, int ch5x5, int poolProj)
    {
        var branch1 = b.Conv(input, $"{name}_branch1", ch1x1, kernel: 1, activation: Activation.Relu);
        var branch2 = b.Conv(input, $"{name}_branch2_reduce", ch3x3Reduce, kernel: 1, activation: Activation.Relu);
        branch2 = b.Conv(branch2, $"{name}_branch2", ch3x3, kernel: 3, padding: 1, activation: Activation.Relu);
        // torchvision's 'ch5x5' branch uses a 3x3 kernel (kept for weight compatibility).
        var branch3 = b.Conv(input, $"{name}_branch3_reduce", ch5x5Reduce, kernel: 1, activation: Activation.Relu);
        branch3 = b.Conv(branch3, $"{name}_branch3", ch5x5, kernel: 3, padding: 1, activation: Activation.Relu);
        var branch4 = CeilMaxPool(b, input, $"{name}_branch4_pool", kernel: 3, stride: 1, padding: 1);
        branch4 = b.Conv(branch4, $"{name}_branch4", poolProj, kernel: 1, activation: Activation.Relu);
        return b.Concat([branch1, branch2, branch3, branch4], $"{name}_concat");
    }

    /// <summary>
    /// A max pool with PyTorch's ceil_mode=True output size, emulated by extra bottom/right padding (a padded cell never wins a max).
    /// </summary>
    private static string CeilMaxPool(NetworkBuilder b, string input, string name, int kernel, int stride, int padding = 0)
    {
        var shape = b.ShapeOf(input);
        var window = new Window2d(
            kernel,
            kernel,
            stride,
            stride,
            PadTop: padding,
            PadLeft: padding,
            PadBottom: padding + CeilModeExtraPad(shape[2], kernel, stride, padding),
            PadRight: padding + CeilModeExtraPad(shape[3], kernel, stride, padding));
        return b.MaxPool(input, name, window);
    }

    private static int CeilModeExtraPad(long extent, int kernel, int stride, int padding)
    {
        var span = extent + (2 * padding) - kernel;
        var outputs = ((span + stride - 1) / stride) + 1;
        // As PyTorch does, drop a last window that would start in the right/bottom padding.
        if ((outputs - 1) * stride >= extent + padding)
        {
            outputs--;
        }

        return (int)Math.Max(0, ((outputs - 1) * stride) + kernel - (extent + (2 * padding)));
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
