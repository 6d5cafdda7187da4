using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsx.Search;

/// <summary>
/// The MLP behind <see cref="DqnStrategy"/>: a feature row in, Q of that (state, action) out (two ReLU hidden layers).
/// Initial weights are drawn from a <see cref="SplitMix64"/> rather than torch's global generator, so two learners
/// built at once in one process (parallel tests, several searches) stay each deterministic under its own seed.
/// </summary>
internal sealed class QNetwork : IDisposable
{
    private readonly Sequential _layers;

    public QNetwork(int inputs, int hidden, SplitMix64 random)
    {
        Inputs = inputs;
        Hidden = hidden;
        _layers = nn.Sequential(
            ("fc1", nn.Linear(inputs, hidden)),
            ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(hidden, hidden)),
            ("relu2", nn.ReLU()),
            ("q", nn.Linear(hidden, 1)));
        using var _ = no_grad();
        foreach (var (name, parameter) in _layers.named_parameters())
        {
            // PyTorch's own default for Linear: uniform in +-1/sqrt(fan_in) for weights and biases alike.
            var fanIn = parameter.dim() == 2 ? parameter.shape[1] : (name.StartsWith("fc1", StringComparison.Ordinal) ? inputs : hidden);
            var bound = 1.0 / Math.Sqrt(fanIn);
            var values = new float[parameter.numel()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(((2 * random.NextDouble()) - 1) * bound);
            }

            using var initial = tensor(values).reshape(parameter.shape);
            parameter.copy_(initial);
        }
    }

    public int Inputs { get; }

    public int Hidden { get; }

    public IEnumerable<Parameter> Parameters => _layers.parameters();

    /// <summary>Q of each row of <paramref name="rows"/> ([n, Inputs]) as [n].</summary>
    public Tensor Forward(Tensor rows) => _layers.forward(rows).squeeze(1);

    /// <summary>Q of <paramref name="count"/> rows laid end to end in <paramref name="rows"/>, without gradient.</summary>
    public float[] Evaluate(float[] rows, int count)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = Owned(rows.AsSpan(0, count * Inputs).ToArray(), count, Inputs);
        return Forward(input).data<float>().ToArray();
    }

    /// <summary>
    /// A tensor of <paramref name="values"/> in <paramref name="shape"/>, in memory torch allocated itself.
    /// <c>torch.tensor(float[])</c> keeps a pinned managed copy of the array as the tensor's storage, and a managed
    /// array is only 8-byte aligned, at wherever the GC put it. The CPU kernels (GEMM, vectorised reductions) take
    /// alignment-dependent paths that round differently, so the same rows gave Q values a few ulps apart from one
    /// call, instance or process to another, and near-equal actions (a layer's choices with identical feature rows)
    /// flipped. A clone lives in torch's own 64-byte aligned storage: every kernel sees the same layout each time.
    /// </summary>
    public static Tensor Owned(float[] values, params long[] shape)
    {
        using var pinned = tensor(values);
        using var shaped = pinned.reshape(shape);
        return shaped.clone();
    }

    public void CopyFrom(QNetwork other)
    {
        using var _ = no_grad();
        foreach (var (mine, theirs) in Parameters.Zip(other.Parameters))
        {
            mine.copy_(theirs);
        }
    }

    /// <summary>Every parameter's values in a fixed order, preceded by the shape of the network.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(Inputs);
        writer.Write(Hidden);
        foreach (var parameter in Parameters)
        {
            var values = parameter.data<float>().ToArray();
            writer.Write(values.Length);
            foreach (var v in values)
            {
                writer.Write(v);
            }
        }
    }

    /// <exception cref="InvalidDataException">The weights are of a network of another shape.</exception>
    public void Read(BinaryReader reader)
    {
        var inputs = reader.ReadInt32();
        var hidden = reader.ReadInt32();
        if (inputs != Inputs || hidden != Hidden)
        {
            throw new InvalidDataException($"the weights are of a {inputs}-feature, {hidden}-unit network; this one has {Inputs} features, {Hidden} units");
        }

        using var _ = no_grad();
        foreach (var parameter in Parameters)
        {
            var count = reader.ReadInt32();
            if (count != parameter.numel())
            {
                throw new InvalidDataException($"a parameter has {count} values, expected {parameter.numel()}");
            }

            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = reader.ReadSingle();
            }

            using var loaded = tensor(values).reshape(parameter.shape);
            parameter.copy_(loaded);
        }
    }

    public void Dispose() => _layers.Dispose();
}
