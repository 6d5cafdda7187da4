using System.Diagnostics;
using System.Runtime.InteropServices;
using Dsx.Model;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Dsx.Bench;

/// <summary>
/// ONNX Runtime as a user would run it beside Dsx: all graph optimisations, the given intra-op thread count, one input
/// from a .npy file (the same one <c>dsx run --input</c> gets), warm-up runs, then timed runs (session creation excluded).
/// </summary>
internal static class OrtBench
{
    /// <summary>A seeded uniform [-1, 1) input of the model's (fixed) input shape, as .npy.</summary>
    public static void WriteInput(string onnx, string path, ulong seed)
    {
        using var session = new InferenceSession(onnx);
        var (name, metadata) = session.InputMetadata.Single();
        var dims = metadata.Dimensions;
        if (dims.Any(d => d < 1))
        {
            throw new BenchUsageException($"{onnx}: input '{name}' has a symbolic shape; the zoo's models have fixed ones");
        }

        var random = new SplitMix64(seed);
        var data = new float[dims.Aggregate(1, (a, d) => a * d)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var tensor = new Dsx.Wire.Tensor { Name = name, FloatData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        tensor.Dims.Add(dims.Select(d => (long)d));
        NpyFile.Write(path, tensor);
    }

    /// <summary>
    /// Times the model; with <paramref name="profile"/>, ONNX Runtime's own profile of every run (warm-up included; a Chrome
    /// trace whose "Node" events give each node's kernel time) is written there, and the timings include the profiler's cost.
    /// </summary>
    public static OrtTiming Run(string onnx, string input, int threads, int warmup, int repeats, string? output, string? profile = null)
    {
        if (threads < 1 || repeats < 1)
        {
            throw new BenchUsageException("--threads and --repeats must be at least 1");
        }

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableProfiling = profile is not null,
        };
        if (profile is not null)
        {
            // ORT appends a date to this prefix; the file it wrote is moved to the path asked for.
            options.ProfileOutputPathPrefix = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(profile))!, $".ort-profile-{Environment.ProcessId}");
        }

        using var session = new InferenceSession(onnx, options);
        var name = session.InputMetadata.Keys.Single();
        var tensor = NpyFile.Read(input, name, [.. session.InputMetadata[name].Dimensions.Select(d => (long)d)]);
        var data = MemoryMarshal.Cast<byte, float>(tensor.FloatData.Span).ToArray();
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, [.. tensor.Dims.Select(d => (int)d)])) };
        for (var i = 0; i < warmup; i++)
        {
            using var _ = session.Run(inputs);
        }

        var times = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var results = session.Run(inputs);
            times[i] = clock.Elapsed.TotalMilliseconds;
            if (i == repeats - 1 && output is not null)
            {
                var first = results[0];
                var values = first.AsTensor<float>();
                var result = new Dsx.Wire.Tensor { Name = first.Name, FloatData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.ToArray().AsSpan())) };
                result.Dims.Add(values.Dimensions.ToArray().Select(d => (long)d));
                NpyFile.Write(output, result);
            }
        }

        if (profile is not null)
        {
            File.Move(session.EndProfiling(), profile, overwrite: true);
        }

        return new OrtTiming(threads, times.Min(), BenchStats.Median(times), times.Max());
    }
}
