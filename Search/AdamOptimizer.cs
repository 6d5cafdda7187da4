using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsx.Search;

/// <summary>
/// Adam (Kingma and Ba) over a fixed list of parameters. Written out rather than taken from torch.optim so its
/// moments and step count can be saved into a strategy's state and restored exactly, in our own format.
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly Parameter[] _parameters;
    private readonly Tensor[] _first;
    private readonly Tensor[] _second;
    private readonly double _learningRate;
    private long _steps;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        _parameters = [.. parameters];
        _first = [.. _parameters.Select(p => zeros_like(p))];
        _second = [.. _parameters.Select(p => zeros_like(p))];
        _learningRate = learningRate;
    }

    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            p.grad?.zero_();
        }
    }

    public void Step()
    {
        _steps++;
        var correction1 = 1 - Math.Pow(Beta1, _steps);
        var correction2 = 1 - Math.Pow(Beta2, _steps);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } g)
            {
                continue;
            }

            _first[i].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            _second[i].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (_second[i] / correction2).sqrt_().add_(Epsilon);
            _parameters[i].addcdiv_(_first[i], denominator, value: -_learningRate / correction1);
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_steps);
        foreach (var moment in _first.Concat(_second))
        {
            foreach (var v in moment.data<float>().ToArray())
            {
                writer.Write(v);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        _steps = reader.ReadInt64();
        using var _ = no_grad();
        foreach (var moment in _first.Concat(_second))
        {
            var values = new float[moment.numel()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.ReadSingle();
            }

            using var loaded = tensor(values).reshape(moment.shape);
            moment.copy_(loaded);
        }
    }

    public void Dispose()
    {
        foreach (var moment in _first.Concat(_second))
        {
            moment.Dispose();
        }
    }
}
