using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Dsx.BoardHost.Tests;

/// <summary>
/// Every zoo model, exported to ONNX and imported again, runs on the real executor under the baseline, ref and
/// each single-library plan, and agrees with ONNX Runtime (the oracle) on the same input.
/// </summary>
public sealed class ZooOnnxAgreementTests
{
    public static TheoryData<string> ZooModels() => [.. ModelZoo.Names];

    [ExecutorTheory]
    [MemberData(nameof(ZooModels))]
    public async Task ImportedModelAgreesWithOnnxRuntimeUnderEveryLibrary(string name)
    {
        var directory = Directory.CreateTempSubdirectory("dsx-onnx-");
        try
        {
            var path = Path.Combine(directory.FullName, name + ".onnx");
            await using (var file = File.Create(path))
            {
                OnnxExporter.Export(ModelZoo.Build(name)).WriteTo(file);
            }

            var graph = OnnxImporter.Import(path);
            var input = graph.Inputs[0];
            var data = SeededInput(input.Shape.Aggregate(1L, (a, d) => a * d));
            var expected = RunOnnxRuntime(path, data, [.. input.Shape.Select(d => (int)d)]);

            await using var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Local(ExecutorLocator.Locate()));
            var loaded = await executor.LoadModelAsync(graph);
            var tensor = new Dsx.Wire.Tensor { Name = input.Name, FloatData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
            tensor.Dims.AddRange(input.Shape);
            var options = new MeasureOptions(Warmup: 0, Repeats: 1, ReturnOutputs: true, Inputs: [tensor], Timeout: TimeSpan.FromMinutes(5));
            var plans = new List<(string Name, Plan Plan)> { ("baseline", PlanFactory.Baseline(graph)) };
            plans.AddRange(PlanFactory.SingleLibraries.Select(l => (l.ConvPrimitive, PlanFactory.ForLibrary(graph, l))));
            foreach (var (planName, plan) in plans)
            {
                var reply = await executor.MeasureAsync(loaded.Hash, plan, options);
                var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(reply.Outputs[0].FloatData.Span).ToArray();
                var error = RelativeL2(actual, expected);
                Assert.True(error < 1e-4, $"{name} under {planName}: relative L2 error {error:E2} against ONNX Runtime");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static float[] SeededInput(long count)
    {
        var random = new Random(1234);
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return data;
    }

    private static float[] RunOnnxRuntime(string path, float[] data, int[] shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        var inputName = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(data, shape))]);
        return [.. results[0].AsEnumerable<float>()];
    }

    private static double RelativeL2(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = (double)actual[i] - expected[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }

        return Math.Sqrt(num / den);
    }
}
