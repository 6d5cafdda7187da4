using Dsx.Model;
using Dsx.Wire;

namespace Dsx.BoardHost.Tests;

/// <summary>A board session survives its executor's crashes and hangs (against the real executor, with fault injection).</summary>
public sealed class BoardSessionTests
{
    private static readonly ExecutorOptions Options = ExecutorOptions.Default with { RequestTimeout = TimeSpan.FromMinutes(2) };

    [Fact]
    public async Task An_executor_that_never_greets_fails_within_the_handshake_timeout_not_the_request_timeout()
    {
        var silent = new ExecutorLaunch("sleep", ["600"]);
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<ExecutorFailureException>(() =>
            BoardSession.StartAsync(silent, Options with { HandshakeTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Equal("Hello", e.Failure.Operation);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the handshake waited for the request timeout");
    }

    [ExecutorFact]
    public async Task A_crashing_primitive_is_a_Crash_naming_layer_and_primitive_and_the_next_measure_works()
    {
        await using var session = await StartAsync(faults: true);
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await session.LoadModelAsync(graph);
        var firstProcess = session.ProcessId;
        var crashing = PlanFactory.Baseline(graph);
        crashing.Layers["conv1"] = new Choice { Primitive = "fault_crash", Layout = Layout.Nchw, Precision = Precision.Fp32 };

        var outcome = await session.MeasureAsync(loaded.Hash, crashing, new MeasureOptions(Warmup: 0, Repeats: 1));

        Assert.False(outcome.Succeeded);
        var failure = outcome.Failure;
        Assert.Equal(MeasurementFailureKind.Crash, failure.Kind);
        Assert.Equal(11, failure.Signal);
        Assert.Equal("conv1", failure.Layer);
        Assert.Equal("fault_crash", failure.Primitive);
        Assert.Contains("crashed (signal 11)", failure.StderrTail, StringComparison.Ordinal);
        Assert.True(failure.Restarted);
        Assert.Equal(1, session.Restarts);
        Assert.NotEqual(firstProcess, session.ProcessId);

        // The model was reloaded into the new process: measure by hash, without loading again.
        var next = await session.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 0, Repeats: 1));

        Assert.True(next.Succeeded, next.Failure?.ToString());
        Assert.True(next.Reply.EndToEnd.MedianMs > 0);
    }

    [ExecutorFact]
    public async Task A_hang_is_a_Hang_and_the_next_measure_works()
    {
        await using var session = await StartAsync(faults: false);
        var graph = ModelZoo.Build("resnet18");
        var loaded = await session.LoadModelAsync(graph);
        var firstProcess = session.ProcessId;

        var outcome = await session.MeasureAsync(
            loaded.Hash, PlanFactory.SingleLibrary(graph, "ref"), new MeasureOptions(Repeats: 100_000, Timeout: TimeSpan.FromMilliseconds(300)));

        Assert.False(outcome.Succeeded);
        Assert.Equal(MeasurementFailureKind.Hang, outcome.Failure.Kind);
        Assert.StartsWith("Measure of", outcome.Failure.Operation, StringComparison.Ordinal);
        Assert.True(outcome.Failure.Restarted);
        Assert.NotEqual(firstProcess, session.ProcessId);

        var next = await session.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 0, Repeats: 1));

        Assert.True(next.Succeeded, next.Failure?.ToString());
        Assert.Equal(1, session.Restarts);
    }

    [ExecutorFact]
    public async Task A_refused_choice_is_an_ExecutorError_and_no_restart()
    {
        await using var session = await StartAsync(faults: false);
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await session.LoadModelAsync(graph);
        var process = session.ProcessId;
        var plan = PlanFactory.Baseline(graph);
        plan.Layers["conv1"] = new Choice { Primitive = "no_such_primitive" };

        var outcome = await session.MeasureAsync(loaded.Hash, plan);

        Assert.False(outcome.Succeeded);
        Assert.Equal(MeasurementFailureKind.ExecutorError, outcome.Failure.Kind);
        Assert.Equal(ErrorCode.UnsupportedChoice, outcome.Failure.ErrorCode);
        Assert.Equal("conv1", outcome.Failure.Layer);
        Assert.False(outcome.Failure.Restarted);
        Assert.Equal(0, session.Restarts);
        Assert.Equal(process, session.ProcessId);
    }

    [ExecutorFact]
    public async Task DescribeSpace_lists_every_node_with_its_choices()
    {
        await using var session = await StartAsync(faults: false);
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await session.LoadModelAsync(graph);

        var space = await session.DescribeSpaceAsync(loaded.Hash);

        Assert.Equal(graph.Nodes.Select(n => n.Name), space.Layers.Select(l => l.Name));
        var conv1 = space.Layers.Single(l => l.Name == "conv1");
        Assert.Equal(OpType.Conv, conv1.Op);
        Assert.Contains(conv1.Choices, c => c.Primitive == "im2col_blas" && c.Layout == Layout.Nchw && c.Precision == Precision.Fp32);
        Assert.DoesNotContain(conv1.Choices, c => c.Primitive == "fault_crash");
        Assert.True(conv1.Flops > 0);
    }

    [Fact]
    public void The_crash_line_gives_signal_layer_and_primitive()
    {
        var stderr = "loading\ndsx-executor: crashed (signal 11) in layer 'block2/conv' running primitive 'fault_crash'\n";

        var (signal, layer, primitive) = MeasurementFailure.ParseCrashLine(stderr);

        Assert.Equal(11, signal);
        Assert.Equal("block2/conv", layer);
        Assert.Equal("fault_crash", primitive);
        Assert.Equal((null, "", ""), MeasurementFailure.ParseCrashLine("Segmentation fault"));
    }

    [Fact]
    public void A_timeout_becomes_a_Hang_and_a_crash_a_Crash_with_the_stderr_details()
    {
        var hang = MeasurementFailure.FromExecutorFailure(new ExecutorFailure(ExecutorFailureKind.Timeout, "Measure of x", "no reply", Signal: 9));
        var crash = MeasurementFailure.FromExecutorFailure(new ExecutorFailure(
            ExecutorFailureKind.Crashed, "Measure of x", "the executor closed its stdout", Signal: 6,
            StderrTail: "dsx-executor: crashed (signal 6) in layer 'fc' running primitive 'blas'"));

        Assert.Equal(MeasurementFailureKind.Hang, hang.Kind);
        Assert.Equal(MeasurementFailureKind.Crash, crash.Kind);
        Assert.Equal(("fc", "blas", 6), (crash.Layer, crash.Primitive, crash.Signal));
        Assert.Contains("layer 'fc'", crash.ToString(), StringComparison.Ordinal);
    }

    private static Task<BoardSession> StartAsync(bool faults)
    {
        var launch = ExecutorLaunch.Local(ExecutorLocator.Locate());
        return BoardSession.StartAsync(faults ? launch.WithEnvironment("DSX_EXECUTOR_FAULTS", "1") : launch, Options);
    }
}
