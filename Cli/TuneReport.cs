using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// What 'dsx tune' prints: the best plan layer by layer (the table's estimates), then the summary beside the baseline
/// (latency, speedup, peak memory, the additive model's error, the accuracy verdict, the Pareto front), as text or JSON.
/// </summary>
internal sealed class TuneReport(
    Graph graph, MeasurementTable table, ExplorationResult result, MeasureReply? baseline, string strategy, Objective objective, string calibration)
{
    private const double BytesPerMiB = 1024.0 * 1024.0;

    private SearchSpace Space => table.Space;

    private double? BaselineMs => baseline?.EndToEnd?.MedianMs;

    private long? BaselinePeakBytes => baseline?.Memory?.PeakBytes;

    private double? Speedup => result.Best is { } best && BaselineMs is { } b && best.LatencyMs > 0 ? b / best.LatencyMs : null;

    /// <summary>Median of |predicted - measured| / measured over the confirmed plans that had a prediction.</summary>
    private double? MedianPredictionError
    {
        get
        {
            var errors = result.Confirmed.Where(c => c.PredictionError is not null).Select(c => Math.Abs(c.PredictionError!.Value)).Order().ToList();
            return errors.Count == 0 ? null : errors[errors.Count / 2];
        }
    }

    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{graph.Name} on '{table.Board.Kind}' ({table.Board.Isa}{(table.Board.Emulated ? ", emulated" : "")}), objective {objective}\n");
        if (result.Best is { } best)
        {
            text.Append(LayerTable(best.Plan));
            text.Append(CultureInfo.InvariantCulture, $"best plan:   {Ms(best.LatencyMs)} end-to-end ({best.Measurements} measurement{(best.Measurements == 1 ? "" : "s")}), peak memory {MiB(best.PeakBytes)}\n");
        }
        else
        {
            text.Append("best plan:   none confirmed\n");
        }

        text.Append(BaselineMs is { } ms
            ? $"baseline:    {Ms(ms)} end-to-end (im2col_blas, NCHW FP32), peak memory {MiB(BaselinePeakBytes ?? 0)}\n"
            : "baseline:    failed to run\n");
        if (Speedup is { } speedup)
        {
            text.Append(CultureInfo.InvariantCulture, $"speedup:     {speedup:0.00}x over the baseline\n");
        }

        if (result.Best is { } confirmed)
        {
            text.Append(confirmed.PredictedMs is { } predicted
                ? $"prediction:  {Ms(predicted)} by the additive model before measuring ({Percent(confirmed.PredictionError!.Value)})"
                : "prediction:  none (the table did not know every layer of the plan before it was measured)");
            text.Append(MedianPredictionError is { } median ? string.Create(CultureInfo.InvariantCulture, $"; median |error| {100 * median:0.0}% over the confirmed plans\n") : "\n");
            text.Append(CultureInfo.InvariantCulture, $"accuracy:    {(confirmed.UsesInt8 ? "INT8 layers; " : "")}{(result.BestVerdict ?? AccuracyVerdict.NotApplicable).Reason}\n");
        }

        foreach (var rejection in result.Rejections)
        {
            text.Append(CultureInfo.InvariantCulture, $"rejected:    {Ms(rejection.Plan.LatencyMs)} plan {rejection.Plan.Plan}: {rejection.Verdict.Reason}\n");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"search:      {strategy}, {result.Episodes} episodes: {result.TableHits} answered from the table, {result.BoardMeasurements} board measurements "
            + $"({result.Confirmed.Count} plans measured end-to-end), {result.Failures} failed; accuracy guard on {calibration}\n");
        text.Append("Pareto front (latency vs peak memory):\n");
        foreach (var plan in result.ParetoFront)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Ms(plan.LatencyMs),12}  {MiB(plan.PeakBytes),10}{(plan.UsesInt8 ? "  INT8" : "")}  {plan.Plan}\n");
        }

        return text.ToString();
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("model", graph.Name);
            writer.WriteString("board", table.Board.Kind);
            writer.WriteString("isa", table.Board.Isa);
            writer.WriteBoolean("emulated", table.Board.Emulated);
            writer.WriteString("strategy", strategy);
            writer.WriteString("objective", objective.ToString());
            writer.WriteNumber("episodes", result.Episodes);
            writer.WriteNumber("table_hits", result.TableHits);
            writer.WriteNumber("board_measurements", result.BoardMeasurements);
            writer.WriteNumber("failures", result.Failures);
            writer.WriteString("calibration", calibration);
            if (result.Best is { } best)
            {
                writer.WritePropertyName("best");
                WritePlan(writer, best, withDetails: true);
            }
            else
            {
                writer.WriteNull("best");
            }

            writer.WriteStartObject("baseline");
            WriteNumberOrNull(writer, "latency_ms", BaselineMs);
            WriteNumberOrNull(writer, "peak_bytes", BaselinePeakBytes);
            writer.WriteEndObject();
            WriteNumberOrNull(writer, "speedup", Speedup);
            WriteNumberOrNull(writer, "median_abs_prediction_error", MedianPredictionError);
            writer.WriteStartArray("rejected");
            foreach (var rejection in result.Rejections)
            {
                writer.WriteStartObject();
                writer.WriteString("plan", rejection.Plan.Plan.ToString());
                writer.WriteNumber("latency_ms", Math.Round(rejection.Plan.LatencyMs, 6));
                writer.WriteString("reason", rejection.Verdict.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("pareto_front");
            foreach (var plan in result.ParetoFront)
            {
                WritePlan(writer, plan, withDetails: false);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("best_cost_by_episode");
            foreach (var cost in result.BestCostByEpisode)
            {
                if (cost is { } c)
                {
                    writer.WriteNumberValue(Math.Round(c, 6));
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <param name="withDetails">Also the accuracy verdict and the layers (the table's estimates): for the best plan.</param>
    private void WritePlan(Utf8JsonWriter writer, ConfirmedPlan plan, bool withDetails)
    {
        writer.WriteStartObject();
        writer.WriteString("plan", plan.Plan.ToString());
        writer.WriteNumber("latency_ms", Math.Round(plan.LatencyMs, 6));
        writer.WriteNumber("peak_bytes", plan.PeakBytes);
        writer.WriteNumber("cost", Math.Round(plan.Cost, 6));
        writer.WriteBoolean("uses_int8", plan.UsesInt8);
        writer.WriteNumber("measurements", plan.Measurements);
        WriteNumberOrNull(writer, "predicted_ms", plan.PredictedMs);
        WriteNumberOrNull(writer, "prediction_error", plan.PredictionError);
        if (withDetails)
        {
            WriteVerdict(writer, result.BestVerdict ?? AccuracyVerdict.NotApplicable);
            var model = new AdditiveCostModel(table);
            writer.WriteStartArray("layers");
            for (var i = 0; i < Space.Layers.Count; i++)
            {
                var choice = Space.Choice(plan.Plan, i);
                writer.WriteStartObject();
                writer.WriteString("name", Space.Layers[i].Name);
                writer.WriteString("op", Space.Layers[i].Op.ToString());
                writer.WriteString("choice", choice.Key);
                WriteNumberOrNull(writer, "compute_ms", model.ComputeMs(i, plan.Plan[i]));
                writer.WriteNumber("conversion_ms", Math.Round(model.ConversionMs(i, Space.InputFormats(plan.Plan, i), choice.Format), 6));
                writer.WriteNumber("memory_bytes", model.MemoryBytes(i, plan.Plan[i]));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteVerdict(Utf8JsonWriter writer, AccuracyVerdict verdict)
    {
        writer.WriteStartObject("accuracy");
        writer.WriteBoolean("checked", verdict.Checked);
        writer.WriteBoolean("passed", verdict.Passed);
        writer.WriteNumber("examples", verdict.Examples);
        WriteNumberOrNull(writer, "top1_agreement", verdict.Top1Agreement);
        WriteNumberOrNull(writer, "max_relative_error", verdict.Checked && verdict.Examples > 0 ? verdict.MaxRelativeError : null);
        WriteNumberOrNull(writer, "mean_relative_error", verdict.Checked && verdict.Examples > 0 ? verdict.MeanRelativeError : null);
        WriteNumberOrNull(writer, "reference_accuracy", verdict.ReferenceAccuracy);
        WriteNumberOrNull(writer, "candidate_accuracy", verdict.CandidateAccuracy);
        writer.WriteString("reason", verdict.Reason);
        writer.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private string LayerTable(CandidatePlan plan)
    {
        var model = new AdditiveCostModel(table);
        var rows = new TextTable("layer", "op", "choice", "compute ms", "conv. ms", "memory") { LeftAlignedColumns = 3 };
        for (var i = 0; i < Space.Layers.Count; i++)
        {
            var choice = Space.Choice(plan, i);
            var compute = model.ComputeMs(i, plan[i]);
            rows.AddRow(
                Space.Layers[i].Name,
                Space.Layers[i].Op.ToString(),
                choice.Key,
                compute is { } c ? c.ToString("0.000", CultureInfo.InvariantCulture) : "-",
                model.ConversionMs(i, Space.InputFormats(plan, i), choice.Format).ToString("0.000", CultureInfo.InvariantCulture),
                MiB(model.MemoryBytes(i, plan[i])));
        }

        return rows.Render();
    }

    private static string Ms(double ms) => string.Create(CultureInfo.InvariantCulture, $"{ms:0.00} ms");

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / BytesPerMiB:0.0} MiB");

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{100 * fraction:+0.0;-0.0;0.0}%");
}
