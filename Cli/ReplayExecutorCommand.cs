using System.CommandLine;
using System.Diagnostics;
using Dsx.BoardHost;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx replay-executor --table T.json --stdio</c>: a replay board. It speaks the executor protocol on stdin/stdout
/// (the frames of <see cref="FrameCodec"/>) and answers from a recorded measurement table (<see cref="ReplayExecutor"/>),
/// sleeping as long as the replayed measurement would take, times <c>--time-scale</c>. The farm runs it as any board's
/// executor (launch <c>replay</c>), so the whole stack is exercised at scale without compute.
/// </summary>
internal static class ReplayExecutorCommand
{
    public static Command Create()
    {
        var table = new Option<string>("--table") { Description = "The measurement table (JSON, from 'dsx table record') to answer from.", Required = true };
        var stdio = new Option<bool>("--stdio") { Description = "Speak the executor protocol on stdin/stdout (the only mode).", Required = true };
        var timeScale = new Option<double>("--time-scale")
        {
            Description = "How long a measurement takes relative to the replayed time of its warm-up and timed runs (1: as recorded; 0.1: ten times faster).",
            DefaultValueFactory = _ => 1,
        };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the replayed noise (default: a fresh one per process)." };
        timeScale.Require(scale => scale is >= 0 and <= 1000, "--time-scale must be between 0 and 1000.");
        var command = new Command(
            "replay-executor",
            "A replay board's executor: answers the executor protocol on stdio from a measurement table, with the table's timings and noise (no compute).")
        {
            table, stdio, timeScale, seed,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() => ServeAsync(
            new ReplayExecutor(MeasurementTable.Load(r.GetValue(table)!), r.GetValue(timeScale), r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64()), ct)));
        return command;
    }

    /// <summary>One request at a time, as the executor: a measurement's reply leaves once its replayed time has passed.</summary>
    private static async Task<int> ServeAsync(ReplayExecutor executor, CancellationToken cancellationToken)
    {
        var codec = new FrameCodec();
        await using var input = Console.OpenStandardInput();
        await using var output = Console.OpenStandardOutput();
        Dsx.Wire.Request? request;
        while ((request = await codec.ReadAsync(input, Dsx.Wire.Request.Parser, cancellationToken)) is not null)
        {
            var (reply, busy) = executor.Handle(request);
            if (reply.BodyCase == Response.BodyOneofCase.Measured)
            {
                var start = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                await Task.Delay(busy, cancellationToken);
                reply.Measured.StartUnixNs = UnixNs(start);
                reply.Measured.EndUnixNs = UnixNs(start + clock.Elapsed);
            }

            await codec.WriteAsync(output, reply, cancellationToken);
            if (reply.BodyCase == Response.BodyOneofCase.Bye)
            {
                break;
            }

            if (request.BodyCase == Dsx.Wire.Request.BodyOneofCase.LoadModel)
            {
                // A model's frame carries its weights (14 MB for MobileNetV2) and a replay board keeps none of them: hand the
                // memory back, so hundreds of replay boards fit on one host.
                request = null;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }

        return ExitCodes.Ok;
    }

    private static long UnixNs(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
