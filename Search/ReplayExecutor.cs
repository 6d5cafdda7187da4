using System.Collections.Concurrent;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Search;

/// <summary>
/// The protocol side of a replay board: answers executor requests (Hello, LoadModel, DescribeSpace, Measure, Ping,
/// Shutdown) from a recorded <see cref="MeasurementTable"/> instead of running anything. A measurement's per-layer
/// times are <see cref="TableSimulator"/> draws (one per timed run: a recorded median times the entry's measured
/// noise), and its reply comes with how long a board would have been busy: the drawn time of every warm-up and timed
/// run, times <see cref="TimeScale"/>. The host sleeps that long before it answers. Pure: no clock, no I/O.
/// It describes only the choices the table measured, and says it is emulated: its timings are no board's figures.
/// </summary>
public sealed class ReplayExecutor
{
    /// <summary>What a replay board says it is in its Hello, so no report takes its figures for a board's.</summary>
    public const string IsaPrefix = "replay of ";

    // The executor's own preference for a layer a plan leaves out (docs/executor.md).
    private static readonly string[] UnnamedPreference = ["neon", "gemm_neon", "ref"];

    private readonly MeasurementTable _table;
    private readonly TableSimulator _simulator;
    // The hashes of the models this board holds: of every board of a listening host (they replay one table).
    private readonly ConcurrentDictionary<string, byte> _models;
    private readonly string? _token;
    private bool _greeted;

    /// <param name="timeScale">How much of the replayed time a measurement takes (1: as recorded; 0.1: ten times faster).</param>
    /// <param name="token">The token a Hello must carry (a board reached over TCP, as <c>dsx-executor --listen</c>); null: none.</param>
    /// <param name="heldModels">
    /// The models held by every board of one listening host (the same set given to each): a model any of them loaded is
    /// loaded by hash alone on the others, so its graph (MobileNetV2's is 14 MB) is sent and checked once per host, not per
    /// board. Null: this board's own.
    /// </param>
    public ReplayExecutor(MeasurementTable table, double timeScale, ulong seed, string? token = null, ConcurrentDictionary<string, byte>? heldModels = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(timeScale);
        _table = table;
        _token = token;
        _models = heldModels ?? new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        TimeScale = timeScale;
        _simulator = new TableSimulator(table, Objective.Latency, seed);
    }

    public double TimeScale { get; }

    /// <summary>The reply to <paramref name="request"/>, and how long the board is busy before it sends it.</summary>
    public (Response Reply, TimeSpan Busy) Handle(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new Response { Id = request.Id };
        var busy = TimeSpan.Zero;
        if (request.BodyCase != Request.BodyOneofCase.Hello && !_greeted)
        {
            reply.Error = Error(ErrorCode.HandshakeRequired, "the first request must be Hello");
            return (reply, busy);
        }

        switch (request.BodyCase)
        {
            case Request.BodyOneofCase.Hello:
                if (request.Hello.ProtocolVersion != (uint)ProtocolVersion.Current)
                {
                    reply.Error = Error(ErrorCode.VersionMismatch, $"protocol version {request.Hello.ProtocolVersion} asked, this replay board speaks {(uint)ProtocolVersion.Current}");
                    break;
                }

                if (_token is not null && request.Hello.Token != _token)
                {
                    reply.Error = Error(ErrorCode.Unauthorized, "wrong token");
                    break;
                }

                _greeted = true;
                reply.Hello = Hello();
                break;
            case Request.BodyOneofCase.LoadModel:
                Answer(reply, Load(request.LoadModel));
                break;
            case Request.BodyOneofCase.DescribeSpace:
                Answer(reply, _models.ContainsKey(request.DescribeSpace.ModelHash) ? Describe() : NotLoaded(request.DescribeSpace.ModelHash));
                break;
            case Request.BodyOneofCase.Measure:
                (var measured, busy) = Measure(request.Measure);
                Answer(reply, measured);
                break;
            case Request.BodyOneofCase.Ping:
                reply.Pong = new Pong();
                break;
            case Request.BodyOneofCase.Shutdown:
                reply.Bye = new ShutdownReply();
                break;
            default:
                reply.Error = Error(ErrorCode.MalformedFrame, "a request with no body");
                break;
        }

        return (reply, busy);
    }

    private HelloReply Hello()
    {
        var hello = new HelloReply
        {
            ProtocolVersion = (uint)ProtocolVersion.Current,
            ExecutorVersion = $"replay ({_table.Board.ExecutorVersion})",
            Isa = IsaPrefix + _table.Board.Isa,
            Cores = Math.Max(1, _table.Board.Cores),
            Emulated = true,
        };
        foreach (var primitive in Measured().GroupBy(m => m.Choice.Primitive, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var info = new PrimitiveInfo { Name = primitive.Key, Threaded = primitive.Any(m => m.Choice.Threads > 1) };
            info.Ops.AddRange(primitive.Select(m => m.Layer.Op).Distinct().Order());
            info.Layouts.AddRange(primitive.Select(m => m.Choice.Layout).Distinct().Order());
            info.Precisions.AddRange(primitive.Select(m => m.Choice.Precision).Distinct().Order());
            hello.Primitives.Add(info);
        }

        return hello;
    }

    /// <summary>A model is accepted when its nodes are the table's layers, in order: the table answers for nothing else.</summary>
    private IMessage Load(LoadModel load)
    {
        if (load.Graph is null)
        {
            return _models.ContainsKey(load.Hash) ? new LoadModelReply { Hash = load.Hash, Cached = true, Nodes = _table.Space.Layers.Count } : NotLoaded(load.Hash);
        }

        var layers = _table.Space.Layers;
        var nodes = load.Graph.Nodes;
        for (var i = 0; i < Math.Max(nodes.Count, layers.Count); i++)
        {
            if (i >= nodes.Count || i >= layers.Count || nodes[i].Name != layers[i].Name)
            {
                var node = i < nodes.Count ? $"node {i} '{nodes[i].Name}'" : $"{nodes.Count} nodes";
                return Error(ErrorCode.BadModel,
                    $"this replay board replays a table of '{_table.Space.Model}' ({layers.Count} layers); model '{load.Graph.Name}' differs at {node}");
            }
        }

        var cached = !_models.TryAdd(load.Hash, 0);
        return new LoadModelReply { Hash = load.Hash, Cached = cached, Nodes = nodes.Count };
    }

    private DesignSpaceReply Describe()
    {
        var reply = new DesignSpaceReply();
        foreach (var layer in _table.Space.Layers)
        {
            var space = new LayerSpace { Name = layer.Name, Op = layer.Op, Flops = layer.Flops };
            space.OutputShape.AddRange(layer.OutputShape);
            // Threads are not enumerated (the Hello's threaded flag and cores say which counts exist).
            space.Choices.AddRange(Measured()
                .Where(m => m.Layer == layer)
                .Select(m => m.Choice with { Threads = 0 })
                .Distinct()
                .Select(c => c.ToWire()));
            reply.Layers.Add(space);
        }

        return reply;
    }

    private (IMessage Reply, TimeSpan Busy) Measure(Dsx.Wire.Measure measure)
    {
        if (!_models.ContainsKey(measure.ModelHash))
        {
            return (NotLoaded(measure.ModelHash), TimeSpan.Zero);
        }

        if (measure.ReturnOutputs)
        {
            return (Error(ErrorCode.Internal, "a replay board computes nothing, so it has no outputs to return (explore on it without INT8)"), TimeSpan.Zero);
        }

        var (plan, unresolved) = Resolve(measure.Plan ?? new Plan());
        if (plan is null)
        {
            return (unresolved!, TimeSpan.Zero);
        }

        var warmup = measure.Warmup > 0 ? measure.Warmup : 1;
        var repeats = measure.Repeats > 0 ? measure.Repeats : 5;
        var layers = _table.Space.Layers;
        var runs = new List<SimulatedRun>();
        var busyMs = 0.0;
        for (var r = 0; r < warmup + repeats; r++)
        {
            var run = _simulator.Run(plan);
            if (run.FailedLayer is { } failed)
            {
                var layer = layers[failed];
                return (Error(ErrorCode.UnsupportedChoice, $"the replay table never measured {_table.Space.Choice(plan, failed)} on layer '{layer.Name}'", layer.Name,
                    _table.Space.Choice(plan, failed).Primitive), TimeSpan.Zero);
            }

            busyMs += run.ComputeMs.Sum() + run.ConversionMs.Sum();
            if (r >= warmup)
            {
                runs.Add(run);
            }
        }

        var reply = new MeasureReply
        {
            EndToEnd = Stats(runs.Select(run => run.ComputeMs.Sum() + run.ConversionMs.Sum())),
            Memory = new MemoryReport(),
        };
        for (var i = 0; i < layers.Count; i++)
        {
            var choice = _table.Space.Choice(plan, i);
            var memory = _table.Memory(i, plan[i]) ?? new LayerMemory(0, 0, 0);
            reply.Layers.Add(new LayerTiming
            {
                Name = layers[i].Name,
                Choice = choice.ToWire(),
                Compute = Stats(runs.Select(run => run.ComputeMs[i])),
                Conversion = Stats(runs.Select(run => run.ConversionMs[i])),
                Total = Stats(runs.Select(run => run.ComputeMs[i] + run.ConversionMs[i])),
                WeightsBytes = memory.WeightsBytes,
                WorkspaceBytes = memory.WorkspaceBytes,
                OutputBytes = memory.OutputBytes,
            });
            reply.Memory.WeightsBytes += memory.WeightsBytes;
            reply.Memory.WorkspaceBytes = Math.Max(reply.Memory.WorkspaceBytes, memory.WorkspaceBytes);
            // No liveness is replayed: every output counts, an upper bound of the executor's arena.
            reply.Memory.ArenaBytes += memory.OutputBytes;
        }

        reply.Memory.PeakBytes = reply.Memory.WeightsBytes + reply.Memory.ArenaBytes + reply.Memory.WorkspaceBytes;
        return (reply, TimeSpan.FromMilliseconds(busyMs * TimeScale));
    }

    /// <summary>
    /// The plan's choice per layer, as the executor would run it: a named layer takes its choice; one left out takes the
    /// fallback if the layer admits it, else stays in its first input's format (neon, gemm_neon, ref), else NCHW FP32.
    /// Without a plan, the error naming the first layer whose choice is not one the table knows.
    /// </summary>
    private (CandidatePlan? Plan, Error? Error) Resolve(Plan plan)
    {
        var space = _table.Space;
        var threads = Math.Max(1, plan.DefaultThreads);
        var choices = new int[space.Layers.Count];
        for (var i = 0; i < space.Layers.Count; i++)
        {
            var layer = space.Layers[i];
            var candidates = new List<LayerChoice>();
            if (plan.Layers.TryGetValue(layer.Name, out var named))
            {
                candidates.Add(Threaded(named, threads));
            }
            else
            {
                if (plan.Fallback is { } fallback)
                {
                    candidates.Add(Threaded(fallback, threads));
                }

                var input = layer.Inputs.Count > 0 && layer.Inputs[0] != SearchLayer.GraphInput
                    ? space.Layers[layer.Inputs[0]].Choices[choices[layer.Inputs[0]]].Format
                    : TensorFormat.Plain;
                foreach (var format in new[] { input, TensorFormat.Plain })
                {
                    candidates.AddRange(UnnamedPreference.SelectMany(p => new[] { threads, 1 }.Distinct().Select(t => new LayerChoice(p, format.Layout, format.Precision, t))));
                }
            }

            choices[i] = candidates.Select(c => space.IndexOf(i, c)).FirstOrDefault(index => index >= 0, -1);
            if (choices[i] < 0)
            {
                return (null, Error(ErrorCode.UnsupportedChoice, $"layer '{layer.Name}': {candidates[0]} is not a choice of the replay table", layer.Name, candidates[0].Primitive));
            }
        }

        return (new CandidatePlan(choices), null);
    }

    private static void Answer(Response reply, IMessage body)
    {
        switch (body)
        {
            case LoadModelReply loaded:
                reply.Loaded = loaded;
                break;
            case DesignSpaceReply space:
                reply.Space = space;
                break;
            case MeasureReply measured:
                reply.Measured = measured;
                break;
            default:
                reply.Error = (Error)body;
                break;
        }
    }

    private static LayerChoice Threaded(Choice choice, int threads) => LayerChoice.FromWire(choice) with { Threads = choice.Threads > 0 ? choice.Threads : threads };

    private IEnumerable<(SearchLayer Layer, LayerChoice Choice)> Measured() =>
        _table.Space.Layers.SelectMany(l => l.Choices.Select((c, i) => (Layer: l, Choice: c, Index: i)))
            .Where(m => _table.Compute(m.Layer.Index, m.Index) is not null)
            .Select(m => (m.Layer, m.Choice));

    private static Timing Stats(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return new Timing { MinMs = sorted[0], MedianMs = TimingStat.Median(sorted), MaxMs = sorted[^1] };
    }

    private static Error NotLoaded(string hash) => Error(ErrorCode.ModelNotLoaded, $"model {hash} is not loaded (send LoadModel with its graph)");

    private static Error Error(ErrorCode code, string message, string layer = "", string primitive = "") =>
        new() { Code = code, Message = message, Layer = layer, Primitive = primitive };
}
