using System.Globalization;
using System.Text;

namespace Dsx.Bench;

/// <summary>
/// bench/results.md from bench/run's raw folder: the paper table (ref, baseline, best FP32, best with INT8 against the
/// baseline), Dsx against ONNX Runtime, and search efficiency, each with a plot. Raw folder: <c>runs.jsonl</c>
/// (<see cref="RunRecord"/>), <c>tune/MODEL.fp32.json</c> and <c>tune/MODEL.int8.json</c> (<c>dsx tune --json</c>),
/// <c>simulate*.json</c> (<c>dsx simulate --json</c>).
/// </summary>
internal sealed class ResultsReport(RunSet runs, IReadOnlyDictionary<string, TuneSummary> tunes, IReadOnlyList<SearchEfficiency> search)
{
    private const double MiB = 1024 * 1024;

    // A search at the optimum (regret 0) still gets a bar on the log scale.
    private const double RegretFloorPercent = 0.01;

    public static ResultsReport Load(string raw)
    {
        if (!Directory.Exists(raw))
        {
            throw new BenchUsageException($"{raw}: no such folder (bench/run writes it)");
        }

        var runsPath = Path.Combine(raw, "runs.jsonl");
        var runs = (File.Exists(runsPath) ? File.ReadLines(runsPath) : []).Where(l => l.Trim().Length > 0).Select(l => RunRecord.Parse(l, runsPath)).ToList();
        var tunes = new Dictionary<string, TuneSummary>();
        var tuneDir = Path.Combine(raw, "tune");
        foreach (var path in Directory.Exists(tuneDir) ? Directory.GetFiles(tuneDir, "*.json") : [])
        {
            if (TuneSummary.Load(path) is { } summary)
            {
                tunes[Path.GetFileNameWithoutExtension(path)] = summary;
            }
        }

        var search = Directory.GetFiles(raw, "simulate*.json").Order().SelectMany(SearchEfficiency.Load).ToList();
        return new ResultsReport(new RunSet(runs, raw), tunes, search);
    }

    /// <summary>Writes the PNGs into <paramref name="plots"/> and returns the Markdown, linking them relative to <paramref name="markdownDir"/>.</summary>
    public string Write(string plots, string markdownDir)
    {
        Directory.CreateDirectory(plots);
        var text = new StringBuilder();
        Paper(text, Png(plots, markdownDir, "paper-speedup.png"), Png(plots, markdownDir, "paper-memory.png"));
        OnnxRuntime(text, Png(plots, markdownDir, "ort-ratio.png"));
        Search(text, Png(plots, markdownDir, "search-episodes.png"), Png(plots, markdownDir, "search-regret.png"));
        runs.SaveAgreements();
        return text.ToString();
    }

    /// <summary>Geometric mean over models of baseline time / <paramref name="config"/>'s time (paired by round).</summary>
    public double GeoMeanSpeedup(string config) =>
        BenchStats.GeoMean(runs.Models.Select(m => runs.Ratio(m, "baseline", config)).OfType<double>());

    /// <summary>Models whose <paramref name="config"/> plan needs at most half the baseline's peak memory.</summary>
    public IReadOnlyList<string> HalvedMemory(string config) =>
        [.. runs.Models.Where(m => MemoryReduction(m, config) >= 2)];

    private double? MemoryReduction(string model, string config) =>
        runs.PeakBytes(model, "baseline") is { } b && runs.PeakBytes(model, config) is { } p && p > 0 ? (double)b / p : null;

    private void Paper(StringBuilder text, (string Path, string Link) speedupPng, (string Path, string Link) memoryPng)
    {
        var models = runs.Models.Where(m => runs.Has(m, "baseline")).ToList();
        if (models.Count == 0)
        {
            return;
        }

        text.Append("## 1. The paper's table: ref, BLAS baseline, best FP32 plan, best plan with INT8 allowed\n\n")
            .Append(Inv($"Medians over {runs.Rounds} interleaved rounds (ref: one run without warm-up in the first round, it is slow; not on the largest models); speedup = baseline time / plan time measured in the same round, median over rounds. "))
            .Append("Peak memory as the executor reports it (weights + arena + workspace). Agreement: the plan's output against the baseline's on the bench input (top-1 class, relative L2 error); ")
            .Append("the accuracy guard is `dsx tune`'s verdict on its calibration set.\n\n")
            .Append("| model | ref ms | baseline ms | best FP32 ms | best INT8 ms | speedup ref / FP32 / INT8 | peak MiB baseline / FP32 / INT8 | memory reduction FP32 / INT8 | INT8 layers | agreement FP32 / INT8 | accuracy guard (INT8 plan) |\n")
            .Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n");
        foreach (var m in models)
        {
            var int8Tune = tunes.GetValueOrDefault($"{m}.int8");
            text.Append(Inv($"| {m} | {Ms(runs.Ms(m, "ref"))} | {Ms(runs.Ms(m, "baseline"))} | {Ms(runs.Ms(m, "fp32"))} | {Ms(runs.Ms(m, "int8"))} "))
                .Append(Inv($"| {X(runs.Ratio(m, "baseline", "ref"))} / {X(runs.Ratio(m, "baseline", "fp32"))} / **{X(runs.Ratio(m, "baseline", "int8"))}** "))
                .Append(Inv($"| {Mib(runs.PeakBytes(m, "baseline"))} / {Mib(runs.PeakBytes(m, "fp32"))} / {Mib(runs.PeakBytes(m, "int8"))} "))
                .Append(Inv($"| {X(MemoryReduction(m, "fp32"))} / **{X(MemoryReduction(m, "int8"))}** | {(int8Tune is null ? "-" : int8Tune.UsesInt8 ? "yes" : "no (FP32 won)")} "))
                .Append(Inv($"| {runs.Agreement(m, "fp32", "baseline")?.ToString() ?? "-"} / {runs.Agreement(m, "int8", "baseline")?.ToString() ?? "-"} | {int8Tune?.Accuracy ?? "-"} |\n"));
        }

        var halved = HalvedMemory("int8");
        var tuned = models.Count(m => runs.Has(m, "int8"));
        text.Append(Inv($"\nGeometric mean speedup over the baseline, over the models with such a plan: best FP32 **{X(GeoMeanSpeedup("fp32"))}** ({models.Count(m => runs.Has(m, "fp32"))} models), "))
            .Append(Inv($"best with INT8 allowed **{X(GeoMeanSpeedup("int8"))}** ({tuned} models) (target: 3x). "))
            .Append(Inv($"Peak memory at least 2x smaller with INT8 allowed: **{halved.Count} of {tuned}** models"))
            .Append(halved.Count > 0 ? $" ({string.Join(", ", halved)})" : "").Append(" (target: 3).\n\n");
        ResultsPlots.SaveGroupedBars(
            speedupPng.Path, "Speedup over the BLAS FP32 baseline (paired by round)", "baseline time / plan time", models,
            [("ref", [.. models.Select(m => runs.Ratio(m, "baseline", "ref"))]), ("best FP32", [.. models.Select(m => runs.Ratio(m, "baseline", "fp32"))]),
             ("best INT8 allowed", [.. models.Select(m => runs.Ratio(m, "baseline", "int8"))])],
            reference: 1, log10: true);
        ResultsPlots.SaveGroupedBars(
            memoryPng.Path, "Peak memory reduction over the baseline", "baseline peak / plan peak", models,
            [("best FP32", [.. models.Select(m => MemoryReduction(m, "fp32"))]), ("best INT8 allowed", [.. models.Select(m => MemoryReduction(m, "int8"))])],
            reference: 2);
        text.Append(Inv($"![speedup over the baseline]({speedupPng.Link})\n\n![peak memory reduction]({memoryPng.Link})\n\n"));
    }

    private void OnnxRuntime(StringBuilder text, (string Path, string Link) png)
    {
        var models = runs.Models.Where(m => runs.Has(m, "ort-1t")).ToList();
        if (models.Count == 0)
        {
            return;
        }

        text.Append("## 2. Against ONNX Runtime\n\n")
            .Append("ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU provider, `ORT_ENABLE_ALL`, sequential execution) runs the model Dsx exports (`dsx models export`) on the same input, ")
            .Append("in the same rounds as Dsx. Ratio = Dsx time / ONNX Runtime time in the same round, median over rounds: **below 1 Dsx is faster**. ")
            .Append("One thread: ONNX Runtime with one intra-op thread, Dsx's best plans with every layer forced to one thread. All cores: ONNX Runtime with one intra-op thread per core ")
            .Append("against Dsx's best plans with every layer forced to all cores (the same thread count on every op, as in the one-thread comparison: the like-for-like figure) ")
            .Append("and, for reference, against the plans as tuned (each layer's thread count is part of the search, so they keep the thread counts the tune's machine load favoured). ")
            .Append("ONNX Runtime computes in FP32, so the FP32 columns are the like-for-like ones in precision.\n\n")
            .Append("| model | ORT 1 thread ms | Dsx FP32 / ORT | Dsx INT8 / ORT | ORT all cores ms | Dsx FP32 / ORT | Dsx INT8 / ORT | as tuned: FP32 / INT8 | ORT output vs baseline |\n")
            .Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        foreach (var m in models)
        {
            text.Append(Inv($"| {m} | {Ms(runs.Ms(m, "ort-1t"))} | {R(runs.Ratio(m, "fp32-1t", "ort-1t"))} | {R(runs.Ratio(m, "int8-1t", "ort-1t"))} "))
                .Append(Inv($"| {Ms(runs.Ms(m, "ort-all"))} | {R(runs.Ratio(m, "fp32-all", "ort-all"))} | {R(runs.Ratio(m, "int8-all", "ort-all"))} "))
                .Append(Inv($"| {R(runs.Ratio(m, "fp32", "ort-all"))} / {R(runs.Ratio(m, "int8", "ort-all"))} "))
                .Append(Inv($"| {runs.Agreement(m, "ort-1t", "baseline")?.ToString() ?? "-"} |\n"));
        }

        int Faster(string dsx, string ort) => models.Count(m => runs.Ratio(m, dsx, ort) < 1);
        var withInt8 = models.Count(m => runs.Has(m, "int8"));
        var withFp32 = models.Count(m => runs.Has(m, "fp32"));
        text.Append(Inv($"\nDsx's best plan with INT8 allowed is faster than ONNX Runtime on **{Faster("int8-1t", "ort-1t")} of {withInt8}** models with such a plan on one thread and on **{Faster("int8-all", "ort-all")} of {withInt8}** on all cores ")
                + Inv($"({Faster("int8", "ort-all")} as tuned); the best FP32 plan on {Faster("fp32-1t", "ort-1t")} of {withFp32} (one thread) and {Faster("fp32-all", "ort-all")} of {withFp32} (all cores; {Faster("fp32", "ort-all")} as tuned). "))
            .Append(Inv($"Geometric mean Dsx/ORT, one thread: FP32 {R(GeoMeanRatio(models, "fp32-1t", "ort-1t"))}, INT8 {R(GeoMeanRatio(models, "int8-1t", "ort-1t"))}; "))
            .Append(Inv($"all cores: FP32 {R(GeoMeanRatio(models, "fp32-all", "ort-all"))}, INT8 {R(GeoMeanRatio(models, "int8-all", "ort-all"))}.\n\n"));
        ResultsPlots.SaveGroupedBars(
            png.Path, "Dsx best plan / ONNX Runtime latency (below 1: Dsx faster)", "Dsx time / ORT time", models,
            [("FP32, 1 thread", [.. models.Select(m => runs.Ratio(m, "fp32-1t", "ort-1t"))]), ("INT8 allowed, 1 thread", [.. models.Select(m => runs.Ratio(m, "int8-1t", "ort-1t"))]),
             ("FP32, all cores", [.. models.Select(m => runs.Ratio(m, "fp32-all", "ort-all"))]), ("INT8 allowed, all cores", [.. models.Select(m => runs.Ratio(m, "int8-all", "ort-all"))])],
            reference: 1);
        text.Append(Inv($"![Dsx over ONNX Runtime]({png.Link})\n\n"));
    }

    private double GeoMeanRatio(IEnumerable<string> models, string numerator, string denominator) =>
        BenchStats.GeoMean(models.Select(m => runs.Ratio(m, numerator, denominator)).OfType<double>());

    private void Search(StringBuilder text, (string Path, string Link) png, (string Path, string Link) regretPng)
    {
        if (search.Count == 0)
        {
            return;
        }

        var within = search[0].Within;
        text.Append(Inv($"## 3. Search efficiency: episodes and board time to within {within * 100:0.#}% of the best known plan\n\n"))
            .Append("`dsx simulate` on the recorded tables (`bench/tables/`): each strategy searches a replayed board with the tables' measured noise, once per seed. ")
            .Append("Best known plan = the exact DP optimum of the table's additive cost model. Episodes = when the search's pick comes within the target and stays there; ")
            .Append("board seconds = the measured time of every distinct plan it had measured by then, one run each (a plan measured again is a table answer; ")
            .Append("a board measurement of `dsx tune` runs a plan 1 + 5 times, so its wall time is about 6x). Medians over seeds; '>' = half or more of the seeds did not get there within the budget.\n\n")
            .Append("Budgets: ").AppendJoin(", ", search.GroupBy(s => (s.Strategy, s.Budget, s.Seeds)).Select(g => Inv($"{g.Key.Strategy} {g.Key.Budget} episodes x {g.Key.Seeds} seeds"))).Append(".\n\n")
            .Append("| model (optimum ms) | strategy | episodes | board s | seeds that got there | mean regret at the budget |\n")
            .Append("| --- | --- | ---: | ---: | ---: | ---: |\n");
        foreach (var s in search)
        {
            text.Append(Inv($"| {s.Model} ({s.OptimumMs:0.##}) | {s.Strategy} | {(s.Episodes is { } e ? e.ToString(CultureInfo.InvariantCulture) : $"> {s.Budget}")} "))
                .Append(Inv($"| {(s.BoardSeconds is { } b ? b.ToString("0.##", CultureInfo.InvariantCulture) : "-")} | {s.SeedsReached}/{s.Seeds} | {s.FinalRegret * 100:0.##}% |\n"));
        }

        var models = search.Select(s => s.Model).Distinct().ToList();
        var strategies = search.Select(s => s.Strategy).Distinct().ToList();
        ResultsPlots.SaveGroupedBars(
            png.Path, Inv($"Episodes to within {within * 100:0.#}% of the optimum (no bar: not reached within the budget)"), "median episodes (log)", models,
            [.. strategies.Select(st => (st, models.Select(m => search.FirstOrDefault(s => s.Model == m && s.Strategy == st)?.Episodes is { } e ? (double?)e : null).ToArray()))],
            reference: null, log10: true);
        ResultsPlots.SaveGroupedBars(
            regretPng.Path, Inv($"Mean regret at the budget (dashed: the {within * 100:0.#}% target)"), "mean regret, % (log)", models,
            [.. strategies.Select(st => (st, models.Select(m => search.FirstOrDefault(s => s.Model == m && s.Strategy == st)?.FinalRegret is { } r ? Math.Max(RegretFloorPercent, r * 100) : (double?)null).ToArray()))],
            reference: within * 100, log10: true);
        text.Append(Inv($"\n![episodes to within the target]({png.Link})\n\n![regret at the budget]({regretPng.Link})\n\n"));
    }

    private static (string Path, string Link) Png(string plots, string markdownDir, string name)
    {
        var path = Path.Combine(plots, name);
        return (path, Path.GetRelativePath(markdownDir, path).Replace('\\', '/'));
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double? ms) => ms is { } v ? v.ToString(v < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture) : "-";

    private static string Mib(long? bytes) => bytes is { } b ? (b / MiB).ToString("0.#", CultureInfo.InvariantCulture) : "-";

    // Ratios far below 1 (ref against BLAS) keep their significant digits.
    private static string X(double? ratio) => ratio is { } r && double.IsFinite(r) ? r.ToString(r < 0.1 ? "0.####" : "0.00", CultureInfo.InvariantCulture) + "x" : "-";

    private static string R(double? ratio) => ratio is { } r && double.IsFinite(r) ? r.ToString("0.00", CultureInfo.InvariantCulture) : "-";
}
