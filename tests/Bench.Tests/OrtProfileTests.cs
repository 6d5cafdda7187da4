using System.Text.Json;
using Dsx.Model;
using Google.Protobuf;

namespace Dsx.Bench.Tests;

public sealed class OrtProfileTests
{
    [Fact(Timeout = 60_000)]
    public async Task The_profile_names_each_node_with_its_kernel_time()
    {
        var folder = Directory.CreateTempSubdirectory("dsx-ort-profile-").FullName;
        try
        {
            var onnx = Path.Combine(folder, "tiny_cnn.onnx");
            await File.WriteAllBytesAsync(onnx, OnnxExporter.Export(ModelZoo.Build("tiny_cnn")).ToByteArray());
            var input = Path.Combine(folder, "x.npy");
            OrtBench.WriteInput(onnx, input, seed: 1);
            var profile = Path.Combine(folder, "trace.json");

            var timing = OrtBench.Run(onnx, input, threads: 1, warmup: 1, repeats: 2, output: null, profile: profile);

            Assert.True(timing.MinMs > 0);
            using var trace = JsonDocument.Parse(await File.ReadAllTextAsync(profile));
            var nodes = trace.RootElement.EnumerateArray()
                .Where(e => e.TryGetProperty("cat", out var cat) && cat.GetString() == "Node")
                .Select(e => e.GetProperty("name").GetString())
                .ToList();
            // bench/ort-layers.py matches these names to Dsx's layers.
            Assert.Contains(nodes, n => n!.StartsWith("conv1", StringComparison.Ordinal) && n.EndsWith("_kernel_time", StringComparison.Ordinal));
            Assert.Single(Directory.GetFiles(folder, "*.json"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
