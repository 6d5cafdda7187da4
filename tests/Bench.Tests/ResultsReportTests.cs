using System.Globalization;
using Dsx.Model;
using Google.Protobuf;

namespace Dsx.Bench.Tests;

public sealed class ResultsReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dsx-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_report_pairs_rounds_counts_halved_memory_and_draws_every_plot()
    {
        var raw = Directory.CreateDirectory(Path.Combine(_dir, "raw")).FullName;
        Directory.CreateDirectory(Path.Combine(raw, "outputs"));
        WriteOutput(raw, "outputs/a.baseline.npy", [0, 3, 1]);
        WriteOutput(raw, "outputs/a.int8.npy", [0, 2.9f, 1]);
        WriteOutput(raw, "outputs/a.ort-1t.npy", [3, 0, 1]);
        File.WriteAllLines(Path.Combine(raw, "runs.jsonl"), [
            Run("a", "baseline", 1, 40, 400, "outputs/a.baseline.npy"),
            Run("a", "int8", 1, 10, 100, "outputs/a.int8.npy"),
            Run("a", "ort-1t", 1, 20, null, "outputs/a.ort-1t.npy"),
            Run("a", "int8-1t", 1, 10, 100, null),
            Run("a", "ort-all", 1, 10, null, null),
            Run("a", "int8-all", 1, 5, 100, null),
            Run("a", "baseline", 2, 80, 400, null),
            Run("a", "int8", 2, 20, 100, null),
            Run("a", "ort-1t", 2, 40, null, null),
            Run("a", "int8-1t", 2, 60, 100, null),
            Run("a", "ort-all", 2, 20, null, null),
            Run("a", "int8-all", 2, 10, 100, null),
            Run("b", "baseline", 1, 10, 100, null),
            Run("b", "int8", 1, 10, 60, null),
        ]);
        var markdownDir = _dir;
        var plots = Path.Combine(_dir, "plots");

        var report = ResultsReport.Load(raw);
        var markdown = report.Write(plots, markdownDir);

        // a: 4x in both rounds although round 2 was twice as slow; b: 1x. Geometric mean 2x.
        Assert.Equal(2, report.GeoMeanSpeedup("int8"), 9);
        Assert.Equal(["a"], report.HalvedMemory("int8"));
        Assert.Contains("| a | - | 60 | - | 15 ", markdown, StringComparison.Ordinal);
        Assert.Contains("same top-1, rel. error 0.032", markdown, StringComparison.Ordinal);
        // Dsx/ORT one thread: rounds 0.5 and 1.5, median 1; ORT's output picked another class than the baseline's.
        Assert.Contains("| a | 30 | - | 1.00 |", markdown, StringComparison.Ordinal);
        Assert.Contains("other top-1", markdown, StringComparison.Ordinal);
        // All cores: every layer on all cores 0.5 in both rounds; the plan as tuned 1.0 in both.
        Assert.Contains("| 15 | - | 0.50 | - / 1.00 |", markdown, StringComparison.Ordinal);
        Assert.Contains("on **0 of 1** models with such a plan on one thread and on **1 of 1** on all cores (0 as tuned)", markdown, StringComparison.Ordinal);
        Assert.Contains("](plots/paper-speedup.png)", markdown, StringComparison.Ordinal);
        foreach (var png in new[] { "paper-speedup.png", "paper-memory.png", "ort-ratio.png" })
        {
            Assert.True(new FileInfo(Path.Combine(plots, png)).Length > 1000, png);
        }
    }

    [Fact]
    public void Agreements_outlive_the_outputs_they_were_computed_from()
    {
        // The outputs are not committed: a report written again from a clone (bench/run --phases search) keeps them.
        var raw = Directory.CreateDirectory(Path.Combine(_dir, "raw")).FullName;
        Directory.CreateDirectory(Path.Combine(raw, "outputs"));
        WriteOutput(raw, "outputs/a.baseline.npy", [0, 3, 1]);
        WriteOutput(raw, "outputs/a.int8.npy", [0, 2.9f, 1]);
        File.WriteAllLines(Path.Combine(raw, "runs.jsonl"), [
            Run("a", "baseline", 1, 40, 400, "outputs/a.baseline.npy"),
            Run("a", "int8", 1, 10, 100, "outputs/a.int8.npy"),
        ]);
        Assert.Contains("same top-1, rel. error 0.032", ResultsReport.Load(raw).Write(Path.Combine(_dir, "plots"), _dir), StringComparison.Ordinal);

        Directory.Delete(Path.Combine(raw, "outputs"), recursive: true);

        Assert.Contains("same top-1, rel. error 0.032", ResultsReport.Load(raw).Write(Path.Combine(_dir, "plots"), _dir), StringComparison.Ordinal);
    }

    [Fact]
    public void An_appended_part_keeps_its_links_working_from_the_results_folder()
    {
        var results = Path.Combine(_dir, "bench", "results");
        var bench = Path.Combine(_dir, "bench");

        var rebased = ResultsDocument.RebaseLinks("![cpu](farm-cpu.png) [design](../docs/farm.md) [up](https://example.org/a.png) [here](#figures)", results, bench);

        Assert.Equal("![cpu](results/farm-cpu.png) [design](docs/farm.md) [up](https://example.org/a.png) [here](#figures)", rebased);
    }

    [Fact]
    public void A_broken_run_line_names_the_file()
    {
        var raw = Directory.CreateDirectory(Path.Combine(_dir, "raw")).FullName;
        File.WriteAllText(Path.Combine(raw, "runs.jsonl"), "{\"model\": \"a\"}\n");

        var e = Assert.Throws<InvalidDataException>(() => ResultsReport.Load(raw));
        Assert.Contains("runs.jsonl", e.Message, StringComparison.Ordinal);
    }

    private static string Run(string model, string config, int round, double ms, long? peak, string? output) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"model": "{{model}}", "config": "{{config}}", "round": {{round}}, "median_ms": {{ms}}, "peak_bytes": {{(peak is { } p ? p.ToString(CultureInfo.InvariantCulture) : "null")}}, "output": {{(output is null ? "null" : $"\"{output}\"")}}}""");

    private static void WriteOutput(string raw, string name, float[] values)
    {
        var tensor = new Dsx.Wire.Tensor { Name = "output", FloatData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()) };
        tensor.Dims.Add([1, values.Length]);
        NpyFile.Write(Path.Combine(raw, name), tensor);
    }
}
