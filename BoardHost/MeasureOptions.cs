using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>How to run one measurement; see the wire's Measure message.</summary>
/// <param name="Inputs">Graph inputs by name; the executor generates the missing ones from <paramref name="Seed"/>.</param>
/// <param name="Timeout">Overrides <see cref="ExecutorOptions.RequestTimeout"/> for this request.</param>
public sealed record MeasureOptions(
    int Warmup = 1,
    int Repeats = 5,
    ulong Seed = 0,
    bool ReturnOutputs = false,
    IReadOnlyList<Tensor>? Inputs = null,
    TimeSpan? Timeout = null);
