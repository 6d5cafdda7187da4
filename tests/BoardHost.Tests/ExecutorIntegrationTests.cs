using System.Diagnostics;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.BoardHost.Tests;

/// <summary>Against the real, locally built dsx-executor (skipped until <c>./dsx build</c> produced it).</summary>
public sealed class ExecutorIntegrationTests
{
    private static readonly ExecutorOptions Options = ExecutorOptions.Default with { RequestTimeout = TimeSpan.FromMinutes(2) };

    [ExecutorFact]
    public async Task Handshake_reports_cores_and_the_ref_primitive()
    {
        await using var executor = await StartAsync();

        var hello = executor.Capabilities;

        Assert.NotNull(hello);
        Assert.Equal(ExecutorProcess.ClientProtocolVersion, hello.ProtocolVersion);
        Assert.True(hello.Cores > 0, $"cores = {hello.Cores}");
        Assert.Contains("ref", hello.Primitives.Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(hello.Isa));
    }

    [ExecutorFact]
    public async Task Tiny_cnn_baseline_measures_every_node()
    {
        await using var executor = await StartAsync();
        var graph = ModelZoo.Build("tiny_cnn");

        var loaded = await executor.LoadModelAsync(graph);
        var measured = await executor.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 1, Repeats: 3));

        Assert.Equal(ModelHash.Of(graph), loaded.Hash);
        Assert.Equal(graph.Nodes.Select(n => n.Name).Order(), measured.Layers.Select(l => l.Name).Order());
        // Views such as Flatten may legitimately cost nothing; layers that compute may not.
        Assert.All(measured.Layers, l => Assert.True(l.Total.MedianMs >= 0, $"{l.Name}: total median {l.Total.MedianMs} ms"));
        var computing = graph.Nodes.Where(n => n.Op is OpType.Conv or OpType.FullyConnected or OpType.MaxPool).Select(n => n.Name).ToHashSet();
        Assert.All(measured.Layers.Where(l => computing.Contains(l.Name)), l => Assert.True(l.Total.MedianMs > 0, $"{l.Name}: total median {l.Total.MedianMs} ms"));
        Assert.True(measured.EndToEnd.MinMs > 0);
        Assert.True(measured.EndToEnd.MinMs <= measured.EndToEnd.MedianMs);
        Assert.True(measured.Memory.PeakBytes > 0);
        Assert.Equal("im2col_blas", measured.Layers.Single(l => l.Name == "conv1").Choice.Primitive);
    }

    [ExecutorFact]
    public async Task A_model_loaded_again_is_not_resent()
    {
        await using var executor = await StartAsync();
        var graph = ModelZoo.Build("tiny_cnn");

        var first = await executor.LoadModelAsync(graph);
        var second = await executor.LoadModelAsync(graph);

        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal(first.Hash, second.Hash);
    }

    [ExecutorFact]
    public async Task An_unknown_primitive_is_a_typed_error_and_the_executor_lives_on()
    {
        await using var executor = await StartAsync();
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await executor.LoadModelAsync(graph);
        var plan = PlanFactory.Baseline(graph);
        plan.Layers["conv1"] = new Choice { Primitive = "no_such_primitive" };

        var error = await Assert.ThrowsAsync<ExecutorErrorException>(() => executor.MeasureAsync(loaded.Hash, plan));

        Assert.Equal(ErrorCode.UnsupportedChoice, error.Code);
        Assert.Null(executor.Failure);
        await executor.PingAsync();
    }

    [ExecutorFact]
    public async Task A_request_over_its_timeout_kills_the_executor_and_says_what_ran()
    {
        await using var executor = await StartAsync();
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await executor.LoadModelAsync(graph);

        var error = await Assert.ThrowsAsync<ExecutorFailureException>(() => executor.MeasureAsync(
            loaded.Hash, PlanFactory.SingleLibrary(graph, "ref"), new MeasureOptions(Repeats: 100_000, Timeout: TimeSpan.FromMilliseconds(300))));

        Assert.Equal(ExecutorFailureKind.Timeout, error.Failure.Kind);
        Assert.StartsWith("Measure of", error.Failure.Operation, StringComparison.Ordinal);
        var afterwards = await Assert.ThrowsAsync<ExecutorFailureException>(() => executor.PingAsync());
        Assert.Equal(ExecutorFailureKind.NotRunning, afterwards.Failure.Kind);
    }

    [ExecutorFact]
    public async Task A_killed_executor_is_reported_as_a_crash_with_its_signal()
    {
        await using var executor = await StartAsync();
        using (var process = Process.GetProcessById(executor.ProcessId!.Value))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var error = await Assert.ThrowsAsync<ExecutorFailureException>(() => executor.PingAsync());

        Assert.Equal(ExecutorFailureKind.Crashed, error.Failure.Kind);
        Assert.Equal(9, error.Failure.Signal);
        Assert.Contains("Ping", error.Message, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task Shutdown_ends_the_process()
    {
        await using var executor = await StartAsync();

        await executor.ShutdownAsync();

        Assert.True(executor.HasExited);
        Assert.Null(executor.Failure);
    }

    private static Task<ExecutorProcess> StartAsync() =>
        ExecutorProcess.StartAsync(ExecutorLaunch.Local(ExecutorLocator.Locate()), Options);
}
