using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsx.Search;

/// <summary>
/// Adam (Kingma and Ba) over a fixed list of parameters. Written out rather than taken from torch.optim so its
/// moments and step count can be saved into a strategy's state and restored exactly, in our own format.
/// Every scalar argument, default alphas included, is an explicit <see cref="Scalar"/> kept alive until the call
/// returns: an implicit one (a double converted on the call) can be finalised by the GC while native code still
/// reads it, which fails at random ("Unknown scalar type").
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
    private readonly Scalar _beta1 = Beta1.ToScalar();
    private readonly Scalar _beta2 = Beta2.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - Beta1).ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - Beta2).ToScalar();
    private readonly Scalar _epsilon = Epsilon.ToScalar();
    private readonly Scalar _one = 1.0.ToScalar();
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
        using var secondCorrection = correction2.ToScalar();
        using var stepSize = (-_learningRate / correction1).ToScalar();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } g)
            {
                continue;
            }

            _first[i].mul_(_beta1).add_(g, alpha: _oneMinusBeta1);
            _second[i].mul_(_beta2).addcmul_(g, g, value: _oneMinusBeta2);
            var denominator = _second[i].div(secondCorrection).sqrt_().add_(_epsilon, alpha: _one);
            _parameters[i].addcdiv_(_first[i], denominator, value: stepSize);
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

        foreach (var scalar in new[] { _beta1, _beta2, _oneMinusBeta1, _oneMinusBeta2, _epsilon, _one })
        {
            scalar.Dispose();
        }
    }
}
