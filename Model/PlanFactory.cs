using Dsx.Wire;

namespace Dsx.Model;

/// <summary>
/// Makes the fixed reference plans. Plans name only CONV and FULLY_CONNECTED nodes: the executor runs every
/// other node with its own kernels in the layout of the node's predecessor.
/// </summary>
public static class PlanFactory
{
    /// <summary>The paper's "BLAS floating-point" baseline: im2col + sgemm for convs, sgemm for FC, NCHW FP32.</summary>
    public static SingleLibraryOption Blas { get; } = new("im2col_blas", "blas", Layout.Nchw, Layout.Nchw);

    /// <summary>The single-library options the executor may offer, in the order a report lists them.</summary>
    public static IReadOnlyList<SingleLibraryOption> SingleLibraries { get; } =
    [
        new("ref", "ref", Layout.Nchw, Layout.Nchw),
        Blas,
        new("gemm_neon", "gemm_neon", Layout.Nchw, Layout.Nchw),
        new("xnnpack", "xnnpack", Layout.Nhwc, Layout.Nhwc),
        // oneDNN's convs also run on NCHW8C, but on AVX-512 only NHWC reaches its fast kernels; its FC takes plain 2-D input.
        new("onednn", "onednn", Layout.Nhwc, Layout.Nchw),
    ];

    public static Plan Baseline(Graph graph, int threads = 1) => ForLibrary(graph, Blas, threads);

    /// <summary>
    /// Every conv and FC node on one library. <paramref name="primitive"/> is the conv or FC primitive name
    /// ("blas" and "im2col_blas" are the same library); <paramref name="layout"/> overrides the conv layout.
    /// </summary>
    public static Plan SingleLibrary(Graph graph, string primitive, Layout? layout = null, int threads = 1)
    {
        var option = FindLibrary(primitive);
        return ForLibrary(graph, layout is { } convLayout ? option with { ConvLayout = convLayout } : option, threads);
    }

    public static SingleLibraryOption FindLibrary(string primitive)
    {
        ArgumentNullException.ThrowIfNull(primitive);
        return SingleLibraries.FirstOrDefault(o => o.ConvPrimitive == primitive || o.FullyConnectedPrimitive == primitive)
            ?? throw new ArgumentException(
                $"Unknown primitive '{primitive}'. Known: {string.Join(", ", SingleLibraries.Select(o => o.ConvPrimitive))}.",
                nameof(primitive));
    }

    public static Plan ForLibrary(Graph graph, SingleLibraryOption library, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(library);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var plan = new Plan { DefaultThreads = threads };
        foreach (var node in graph.Nodes)
        {
            var choice = node.Op switch
            {
                OpType.Conv => new Choice { Primitive = library.ConvPrimitive, Layout = library.ConvLayout, Precision = Precision.Fp32 },
                OpType.FullyConnected => new Choice { Primitive = library.FullyConnectedPrimitive, Layout = library.FullyConnectedLayout, Precision = Precision.Fp32 },
                _ => null,
            };
            if (choice is not null)
            {
                plan.Layers.Add(node.Name, choice);
            }
        }

        return plan;
    }
}
