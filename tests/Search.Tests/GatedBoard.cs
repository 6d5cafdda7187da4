using System.Collections.Concurrent;

namespace Dsx.Search.Tests;

/// <summary>
/// A board whose measurements finish when the test says (<see cref="Release"/>), so the order in which results come back
/// is the test's, not the clock's. It keeps its answers by key, as the cluster's episode grains do: a key asked again
/// after it answered is replayed at once. With <see cref="Open"/> set, measurements finish as soon as they are asked.
/// </summary>
internal sealed class GatedBoard(IPlanMeasurer board) : IPlanMeasurer
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, PlanMeasurement> _answers = new();

    /// <summary>Every key asked, in order (a key asked again after a resume appears again).</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    /// <summary>Real measurements per key (a replayed answer is not one).</summary>
    public ConcurrentDictionary<string, int> RealMeasurements { get; } = new();

    public bool Open { get; set; }

    /// <summary>Called with each key as it is asked, before anything else.</summary>
    public Action<string>? Starting { get; init; }

    /// <summary>The keys waiting for <see cref="Release"/>.</summary>
    public IReadOnlyList<string> Waiting => [.. _gates.Where(g => !g.Value.Task.IsCompleted).Select(g => g.Key).Order(StringComparer.Ordinal)];

    public void Release(string key) => _gates[key].SetResult();

    /// <summary>Waits (at most 10 s) until <paramref name="condition"/> holds, e.g. until the loop asked a key.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, limit.Token);
        }
    }

    public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        Starting?.Invoke(key);
        Asked.Enqueue(key);
        if (_answers.TryGetValue(key, out var kept))
        {
            return kept with { Replayed = true };
        }

        if (!Open)
        {
            var gate = _gates[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await gate.Task.WaitAsync(cancellationToken);
        }

        var measurement = await board.MeasureAsync(plan, key, cancellationToken);
        RealMeasurements.AddOrUpdate(key, 1, (_, n) => n + 1);
        _answers[key] = measurement;
        return measurement;
    }

    public Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken) =>
        board.RunCalibrationAsync(plan, key, cancellationToken);
}
