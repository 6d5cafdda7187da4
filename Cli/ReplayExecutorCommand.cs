using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dsx.BoardHost;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx replay-executor --table T.json --stdio</c>: a replay board; with <c>--listen HOST:PORT --token T</c>, a host of
/// many (one per connection, as a board reached over TCP), so hundreds of replay boards cost one process. It speaks the
/// executor protocol (the frames of <see cref="FrameCodec"/>) and answers from a recorded measurement table
/// (<see cref="ReplayExecutor"/>), sleeping as long as the replayed measurement would take, times <c>--time-scale</c>.
/// The farm runs it as any board's executor (launch <c>replay</c> or <c>tcp</c>), so the whole stack is exercised at
/// scale without compute.
/// </summary>
internal static class ReplayExecutorCommand
{
    /// <summary>What a listening replay host prints first on stdout, then the address it listens on.</summary>
    public const string ListeningPrefix = "dsx replay-executor: listening on ";

    public static Command Create()
    {
        var table = new Option<string>("--table") { Description = "The measurement table (JSON, from 'dsx table record') to answer from.", Required = true };
        var stdio = new Option<bool>("--stdio") { Description = "Speak the executor protocol on stdin/stdout: one board." };
        var listen = new Option<string?>("--listen")
        {
            Description = "Listen on HOST:PORT (port 0: any free one, printed on stdout) and answer every connection as a board of its own, as 'dsx-executor --listen': many replay boards in one process.",
        };
        var token = new Option<string?>("--token") { Description = "With --listen: the token each connection's Hello must carry." };
        var untilStdinCloses = new Option<bool>("--until-stdin-closes")
        {
            Description = "With --listen: stop when stdin closes (the silo that starts the host holds its other end, so the host never outlives it, even killed).",
        };
        var timeScale = new Option<double>("--time-scale")
        {
            Description = "How long a measurement takes relative to the replayed time of its warm-up and timed runs (1: as recorded; 0.1: ten times faster).",
            DefaultValueFactory = _ => 1,
        };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the replayed noise (default: a fresh one per process; with --listen, each connection's is the next)." };
        timeScale.Require(scale => scale is >= 0 and <= 1000, "--time-scale must be between 0 and 1000.");
        var command = new Command(
            "replay-executor",
            "A replay board's executor: answers the executor protocol on stdio (or, with --listen, many boards over TCP) from a measurement table, with the table's timings and noise (no compute).")
        {
            table, stdio, listen, token, untilStdinCloses, timeScale, seed,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            var (address, secret) = (r.GetValue(listen), r.GetValue(token));
            if (r.GetValue(stdio) == address is not null)
            {
                throw new UsageException("give exactly one of --stdio (one board) and --listen HOST:PORT (many boards).");
            }

            if (address is null ? secret is not null : string.IsNullOrEmpty(secret))
            {
                throw new UsageException("--listen needs --token (a board reached over TCP proves itself with it), and --stdio takes none.");
            }

            var replayed = MeasurementTable.Load(r.GetValue(table)!);
            var (scale, first) = (r.GetValue(timeScale), r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64());
            if (address is null)
            {
                return ServeStdioAsync(new ReplayExecutor(replayed, scale, first), ct);
            }

            // Its boards replay one table: a model one of them loaded, the others hold too (its graph is sent and checked once).
            var held = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
            return ListenAsync(Endpoint(address), n => new ReplayExecutor(replayed, scale, first + n, secret, held), r.GetValue(untilStdinCloses), ct);
        }));
        return command;
    }

    private static async Task<int> ServeStdioAsync(ReplayExecutor executor, CancellationToken cancellationToken)
    {
        await using var input = Console.OpenStandardInput();
        await using var output = Console.OpenStandardOutput();
        await ServeAsync(executor, input, output, cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>Every connection is a board with its own executor state (greeting, loaded models, noise), served concurrently.</summary>
    private static async Task<int> ListenAsync(IPEndPoint endpoint, Func<ulong, ReplayExecutor> board, bool untilStdinCloses, CancellationToken stopped)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopped);
        var cancellationToken = stop.Token;
        if (untilStdinCloses)
        {
            _ = Task.Run(async () =>
            {
                await using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (await stdin.ReadAsync(buffer, cancellationToken) > 0)
                {
                    // Nothing is sent on it: it only tells when its writer is gone.
                }

                await stop.CancelAsync();
            }, cancellationToken);
        }

        using var listener = new TcpListener(endpoint);
        listener.Start();
        Console.Out.WriteLine(ListeningPrefix + listener.LocalEndpoint);
        Console.Out.Flush();
        var boards = 0UL;
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                client.NoDelay = true;
                var executor = board(boards++);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await using var stream = client.GetStream();
                        try
                        {
                            await ServeAsync(executor, stream, stream, cancellationToken);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or FrameTooLargeException)
                        {
                            // The board's connection went (the silo stopped or restarted its session): the others go on.
                        }
                    }
                }, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
    }

    /// <summary>One request at a time, as the executor: a measurement's reply leaves once its replayed time has passed.</summary>
    private static async Task ServeAsync(ReplayExecutor executor, Stream input, Stream output, CancellationToken cancellationToken)
    {
        var codec = new FrameCodec();
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
            if (reply.BodyCase == Response.BodyOneofCase.Bye || reply.Error?.Code == Dsx.Wire.ErrorCode.Unauthorized)
            {
                break;
            }

            if (request.BodyCase == Dsx.Wire.Request.BodyOneofCase.LoadModel && request.LoadModel.Graph is not null)
            {
                // A model's frame carries its weights (14 MB for MobileNetV2) and a replay board keeps none of them: hand the
                // memory back, so hundreds of replay boards fit on one host.
                request = null;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
    }

    /// <exception cref="UsageException">Not HOST:PORT.</exception>
    private static IPEndPoint Endpoint(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !IPAddress.TryParse(address[..colon], out var ip)
            || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new UsageException($"--listen {address}: give an IP address and a port, e.g. 127.0.0.1:0");
        }

        return new IPEndPoint(ip, port);
    }

    private static long UnixNs(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
