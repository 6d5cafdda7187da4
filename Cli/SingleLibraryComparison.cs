using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// Measures the BLAS baseline and every other single-library plan (every conv and FC layer on one library)
/// the executor offers: what <c>dsx demo</c> prints and what <c>dsx run --plan fastest-single</c> picks from.
/// </summary>
internal static class SingleLibraryComparison
{
    /// <summary>Baseline first, then the others in <see cref="PlanFactory.SingleLibraries"/> order; progress goes to stderr.</summary>
    public static async Task<IReadOnlyList<SingleLibraryResult>> MeasureAsync(
        BoardSession session, Graph graph, string modelHash, int threads, MeasureOptions options, CancellationToken cancellationToken)
    {
        var offered = session.Capabilities.Primitives.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var results = new List<SingleLibraryResult>();
        foreach (var library in PlanFactory.SingleLibraries.OrderBy(l => l == PlanFactory.Blas ? 0 : 1))
        {
            var label = library == PlanFactory.Blas ? $"baseline ({library.ConvPrimitive})" : library.ConvPrimitive;
            var plan = PlanFactory.ForLibrary(graph, library, threads);
            var missing = new[] { library.ConvPrimitive, library.FullyConnectedPrimitive }.Distinct().Where(p => !offered.Contains(p)).ToList();
            if (missing.Count > 0)
            {
                var reason = $"the executor does not offer {string.Join(" and ", missing)}";
                await Console.Error.WriteLineAsync($"skipping {label}: {reason}");
                results.Add(new SingleLibraryResult(label, library, plan, null, reason));
                continue;
            }

            await Console.Error.WriteLineAsync(
                $"measuring {label} ({options.Repeats} repeats, {threads} thread{(threads == 1 ? "" : "s")}) ...");
            var outcome = await session.MeasureAsync(modelHash, plan, options, cancellationToken);
            if (outcome.Failure is { } failure)
            {
                // One library refusing (or crashing on) a layer is a result, not the end of the comparison.
                await Console.Error.WriteLineAsync($"dsx: {label} failed: {failure}");
            }

            results.Add(new SingleLibraryResult(label, library, plan, outcome, null));
        }

        return results;
    }

    /// <summary>The measured result with the lowest end-to-end median, or null when none was measured.</summary>
    public static SingleLibraryResult? Fastest(IEnumerable<SingleLibraryResult> results) =>
        results.Where(r => r.Reply is not null).MinBy(r => r.Reply!.EndToEnd.MedianMs);
}
