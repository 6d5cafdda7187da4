using System.Buffers.Binary;
using Dsx.BoardHost.Tests;
using Dsx.Cli;

namespace Dsx.Grains.Tests.Cluster;

/// <summary><c>dsx report -o</c> on a finished tiny_cnn exploration on the real executor: the report files and their plots.</summary>
public sealed class ReportTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [ExecutorFact]
    public async Task A_finished_exploration_reports_in_Markdown_and_HTML_with_three_plots_of_the_plot_size()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
        var hash = await cluster.UploadAsync("tiny_cnn");
        await cluster.Client.GetGrain<IExplorationGrain>("r").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 8));
        Assert.Equal(ExplorationStatus.Completed, (await cluster.WaitAsync("r", TimeSpan.FromMinutes(3))).Status);
        var report = await cluster.Client.GetGrain<IExplorationGrain>("r").GetReportAsync();

        // The per-layer times the breakdown plots: every layer of the baseline and of the best plan has one (a reshape
        // may well take 0 ms at the timer's resolution, the network as a whole does not).
        Assert.Equal(report.BestPlan.Select(l => l.Name), report.LayerNames);
        Assert.All(report.BestLayerMs.Concat(report.BaselineLayerMs), ms => Assert.True(ms >= 0));
        Assert.True(report.BestLayerMs.Sum() > 0 && report.BaselineLayerMs.Sum() > 0);
        Assert.Equal(report.LayerNames.Count, report.BestLayerMs.Count);
        Assert.Equal(report.LayerNames.Count, report.BaselineLayerMs.Count);

        var folder = Directory.CreateTempSubdirectory("dsx-report-");
        try
        {
            var markdownImages = ReportWriter.Write(report, Path.Combine(folder.FullName, "report.md"));
            var htmlImages = ReportWriter.Write(report, Path.Combine(folder.FullName, "page.html"));

            var markdown = await File.ReadAllTextAsync(Path.Combine(folder.FullName, "report.md"));
            var html = await File.ReadAllTextAsync(Path.Combine(folder.FullName, "page.html"));
            foreach (var (images, stem, text, reference) in new[]
            {
                (markdownImages, "report", markdown, "]({0})"),
                (htmlImages, "page", html, "src=\"{0}\""),
            })
            {
                Assert.Equal(
                    new[] { "convergence", "layers", "pareto" }.Select(p => Path.Combine(folder.FullName, $"{stem}-{p}.png")),
                    images);
                foreach (var image in images)
                {
                    Assert.Equal((ReportPlots.Width, ReportPlots.Height), PngSize(image));
                    // The header could lie: decoding the whole image (SkiaSharp, which ScottPlot draws with) proves it is one.
                    using var bitmap = SkiaSharp.SKBitmap.Decode(image);
                    Assert.NotNull(bitmap);
                    Assert.Equal((ReportPlots.Width, ReportPlots.Height), (bitmap.Width, bitmap.Height));
                    Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, reference, Path.GetFileName(image)), text, StringComparison.Ordinal);
                }

                Assert.Contains(report.BestPlan[0].Name, text, StringComparison.Ordinal);
            }

            Assert.StartsWith("# Exploration r", markdown, StringComparison.Ordinal);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_per_layer_plot_shows_the_slowest_layers_by_baseline_and_sums_the_rest_in_one_row()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"l{i}").ToList();
        var baseline = Enumerable.Range(0, 20).Select(i => (double?)i).ToList();
        var best = Enumerable.Range(0, 20).Select(i => i == 3 ? null : (double?)(i / 2.0)).ToList();

        var rows = ReportPlots.LayerRows(names, baseline, best, 15);

        Assert.Equal(16, rows.Count);
        Assert.Equal(("l19", 19.0, 9.5), rows[0]);
        Assert.Equal("l5", rows[14].Label);
        // l0..l4: baseline 0+1+2+3+4; the best plan's l3 is unknown, so 0+0.5+1+2.
        Assert.Equal(("5 other layers", 10.0, 3.5), rows[15]);
        Assert.Equal(3, ReportPlots.LayerRows(names[..3], baseline[..3], best[..3], 15).Count);
    }

    /// <summary>Width and height from the PNG's IHDR chunk, after checking the signature: the file is a PNG, not merely named one.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var header = new byte[24];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        Assert.Equal(PngSignature, header[..8]);
        Assert.Equal("IHDR"u8.ToArray(), header[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20)));
    }
}
