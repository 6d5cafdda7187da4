using System.Buffers.Binary;
using Dsx.Wire;

namespace Dsx.Model.Tests;

/// <summary>
/// A deliberately naive FP32 interpreter of the executor IR (plain loops, NCHW), used as the reference that
/// ONNX Runtime's output of an exported model is compared against. Clarity over speed.
/// </summary>
internal static class WireGraphEvaluator
{
    public static Dictionary<string, (long[] Shape, float[] Data)> Run(Graph graph, IReadOnlyDictionary<string, float[]> inputs)
    {
        var values = new Dictionary<string, (long[] Shape, float[] Data)>(StringComparer.Ordinal);
        foreach (var input in graph.Inputs)
        {
            values[input.Name] = (input.Shape.ToArray(), inputs[input.Name]);
        }

        var weights = graph.Initializers.ToDictionary(t => t.Name, t => Floats(t), StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            var (xs, x) = values[node.Inputs[0]];
            values[node.Output] = node.Op switch
            {
                OpType.Conv => Conv(node, xs, x, weights, graph.Initializers.Single(t => t.Name == node.Weight).Dims.ToArray()),
                OpType.FullyConnected => FullyConnected(node, xs, x, weights, graph.Initializers.Single(t => t.Name == node.Weight).Dims.ToArray()),
                OpType.MaxPool or OpType.AveragePool => Pool(node, xs, x),
                OpType.GlobalAveragePool => GlobalAveragePool(xs, x),
                OpType.Relu => (xs, [.. x.Select(v => Math.Max(v, 0f))]),
                OpType.Clip => (xs, [.. x.Select(v => Math.Clamp(v, node.ActMin, node.ActMax))]),
                OpType.Sigmoid => (xs, [.. x.Select(v => 1f / (1f + MathF.Exp(-v)))]),
                OpType.HardSigmoid => (xs, [.. x.Select(v => Math.Clamp((node.Alpha * v) + node.Beta, 0f, 1f))]),
                OpType.HardSwish => (xs, [.. x.Select(v => v * Math.Clamp((v / 6f) + 0.5f, 0f, 1f))]),
                OpType.Add => Binary(xs, x, values[node.Inputs[1]], (a, b) => a + b),
                OpType.Mul => Binary(xs, x, values[node.Inputs[1]], (a, b) => a * b),
                OpType.Concat => Concat(node, [.. node.Inputs.Select(i => values[i])]),
                OpType.Flatten => ([xs[..node.Axis].Aggregate(1L, (a, d) => a * d), xs[node.Axis..].Aggregate(1L, (a, d) => a * d)], x),
                OpType.Reshape => (node.Shape.ToArray(), x),
                OpType.Transpose => Transpose(node, xs, x),
                OpType.Softmax => Softmax(node, xs, x),
                _ => throw new NotSupportedException(node.Op.ToString()),
            };
        }

        return values;
    }

    private static float[] Floats(Tensor t)
    {
        var span = t.FloatData.Span;
        var result = new float[span.Length / 4];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(i * 4)..]);
        }

        return result;
    }

    private static float Epilogue(Node node, float v) => node.Activation switch
    {
        FusedActivation.FusedRelu => Math.Max(v, 0f),
        FusedActivation.FusedClip => Math.Clamp(v, node.ActMin, node.ActMax),
        _ => v,
    };

    private static (long[], float[]) Conv(Node node, long[] xs, float[] x, Dictionary<string, float[]> weights, long[] wd)
    {
        var (n, c, h, w) = ((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]);
        var (o, ipg, kh, kw) = ((int)wd[0], (int)wd[1], (int)wd[2], (int)wd[3]);
        var (sh, sw, pt, pl) = (node.Strides[0], node.Strides[1], node.Pads[0], node.Pads[1]);
        var (dh, dw) = node.Dilations.Count > 0 ? (node.Dilations[0], node.Dilations[1]) : (1, 1);
        var oh = ((h + node.Pads[0] + node.Pads[2] - (dh * (kh - 1)) - 1) / sh) + 1;
        var ow = ((w + node.Pads[1] + node.Pads[3] - (dw * (kw - 1)) - 1) / sw) + 1;
        var group = Math.Max(1, node.Group);
        var opg = o / group;
        var wt = weights[node.Weight];
        var bias = node.Bias.Length > 0 ? weights[node.Bias] : new float[o];
        var y = new float[n * o * oh * ow];
        for (var b = 0; b < n; b++)
        {
            for (var oc = 0; oc < o; oc++)
            {
                var g = oc / opg;
                for (var oy = 0; oy < oh; oy++)
                {
                    for (var ox = 0; ox < ow; ox++)
                    {
                        double acc = bias[oc];
                        for (var ic = 0; ic < ipg; ic++)
                        {
                            var cin = (g * ipg) + ic;
                            for (var ky = 0; ky < kh; ky++)
                            {
                                var iy = (oy * sh) - pt + (ky * dh);
                                if (iy < 0 || iy >= h)
                                {
                                    continue;
                                }

                                for (var kx = 0; kx < kw; kx++)
                                {
                                    var ix = (ox * sw) - pl + (kx * dw);
                                    if (ix >= 0 && ix < w)
                                    {
                                        acc += x[(((b * c) + cin) * h * w) + (iy * w) + ix] * wt[(((oc * ipg) + ic) * kh * kw) + (ky * kw) + kx];
                                    }
                                }
                            }
                        }

                        y[(((b * o) + oc) * oh * ow) + (oy * ow) + ox] = Epilogue(node, (float)acc);
                    }
                }
            }
        }

        return ([n, o, oh, ow], y);
    }

    private static (long[], float[]) FullyConnected(Node node, long[] xs, float[] x, Dictionary<string, float[]> weights, long[] wd)
    {
        var (m, k) = ((int)wd[0], (int)wd[1]);
        var n = (int)xs[0];
        var wt = weights[node.Weight];
        var bias = node.Bias.Length > 0 ? weights[node.Bias] : new float[m];
        var y = new float[n * m];
        for (var b = 0; b < n; b++)
        {
            for (var j = 0; j < m; j++)
            {
                double acc = bias[j];
                for (var i = 0; i < k; i++)
                {
                    acc += x[(b * k) + i] * wt[(j * k) + i];
                }

                y[(b * m) + j] = Epilogue(node, (float)acc);
            }
        }

        return ([n, m], y);
    }

    private static (long[], float[]) Pool(Node node, long[] xs, float[] x)
    {
        var (n, c, h, w) = ((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]);
        var (kh, kw, sh, sw) = (node.Kernel[0], node.Kernel[1], node.Strides[0], node.Strides[1]);
        var (pt, pl) = (node.Pads[0], node.Pads[1]);
        var oh = ((h + node.Pads[0] + node.Pads[2] - kh) / sh) + 1;
        var ow = ((w + node.Pads[1] + node.Pads[3] - kw) / sw) + 1;
        var y = new float[n * c * oh * ow];
        for (var p = 0; p < n * c; p++)
        {
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    var max = float.NegativeInfinity;
                    double sum = 0;
                    var count = 0;
                    for (var ky = 0; ky < kh; ky++)
                    {
                        for (var kx = 0; kx < kw; kx++)
                        {
                            var (iy, ix) = ((oy * sh) - pt + ky, (ox * sw) - pl + kx);
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            {
                                continue;
                            }

                            var v = x[(p * h * w) + (iy * w) + ix];
                            max = Math.Max(max, v);
                            sum += v;
                            count++;
                        }
                    }

                    y[(p * oh * ow) + (oy * ow) + ox] = node.Op == OpType.MaxPool ? max : (float)(sum / (node.CountIncludePad ? kh * kw : count));
                }
            }
        }

        return ([n, c, oh, ow], y);
    }

    private static (long[], float[]) GlobalAveragePool(long[] xs, float[] x)
    {
        var (nc, hw) = ((int)(xs[0] * xs[1]), (int)(xs[2] * xs[3]));
        var y = new float[nc];
        for (var p = 0; p < nc; p++)
        {
            double sum = 0;
            for (var i = 0; i < hw; i++)
            {
                sum += x[(p * hw) + i];
            }

            y[p] = (float)(sum / hw);
        }

        return ([xs[0], xs[1], 1, 1], y);
    }

    private static (long[], float[]) Binary(long[] ls, float[] l, (long[] Shape, float[] Data) right, Func<float, float, float> f)
    {
        var (rs, r) = right;
        var rank = Math.Max(ls.Length, rs.Length);
        long Dim(long[] s, int i) => i < rank - s.Length ? 1 : s[i - (rank - s.Length)];
        var shape = Enumerable.Range(0, rank).Select(i => Math.Max(Dim(ls, i), Dim(rs, i))).ToArray();
        var count = shape.Aggregate(1L, (a, d) => a * d);
        var y = new float[count];
        for (var flat = 0L; flat < count; flat++)
        {
            long rem = flat, lo = 0, ro = 0, lstride = 1, rstride = 1;
            for (var i = rank - 1; i >= 0; i--)
            {
                var idx = rem % shape[i];
                rem /= shape[i];
                var (ld, rd) = (Dim(ls, i), Dim(rs, i));
                lo += (ld == 1 ? 0 : idx) * lstride;
                ro += (rd == 1 ? 0 : idx) * rstride;
                lstride *= ld;
                rstride *= rd;
            }

            y[flat] = f(l[lo], r[ro]);
        }

        return (shape, y);
    }

    private static (long[], float[]) Concat(Node node, (long[] Shape, float[] Data)[] parts)
    {
        var axis = node.Axis;
        var shape = (long[])parts[0].Shape.Clone();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        var outer = shape[..axis].Aggregate(1L, (a, d) => a * d);
        var y = new List<float>();
        for (var o = 0L; o < outer; o++)
        {
            foreach (var (s, d) in parts)
            {
                var block = (int)s[axis..].Aggregate(1L, (a, v) => a * v);
                y.AddRange(d.AsSpan((int)(o * block), block).ToArray());
            }
        }

        return (shape, [.. y]);
    }

    private static (long[], float[]) Transpose(Node node, long[] xs, float[] x)
    {
        var perm = node.Perm.ToArray();
        var shape = perm.Select(p => xs[p]).ToArray();
        var inStrides = new long[xs.Length];
        for (long i = xs.Length - 1, s = 1; i >= 0; s *= xs[i], i--)
        {
            inStrides[i] = s;
        }

        var y = new float[x.Length];
        for (var flat = 0L; flat < x.Length; flat++)
        {
            long rem = flat, offset = 0;
            for (var i = shape.Length - 1; i >= 0; i--)
            {
                offset += rem % shape[i] * inStrides[perm[i]];
                rem /= shape[i];
            }

            y[flat] = x[offset];
        }

        return (shape, y);
    }

    private static (long[], float[]) Softmax(Node node, long[] xs, float[] x)
    {
        var axis = node.Axis;
        var dim = xs[axis];
        var inner = xs[(axis + 1)..].Aggregate(1L, (a, d) => a * d);
        var outer = x.Length / (dim * inner);
        var y = new float[x.Length];
        for (var o = 0L; o < outer; o++)
        {
            for (var i = 0L; i < inner; i++)
            {
                var max = float.NegativeInfinity;
                for (var d = 0L; d < dim; d++)
                {
                    max = Math.Max(max, x[(((o * dim) + d) * inner) + i]);
                }

                double sum = 0;
                for (var d = 0L; d < dim; d++)
                {
                    sum += Math.Exp(x[(((o * dim) + d) * inner) + i] - max);
                }

                for (var d = 0L; d < dim; d++)
                {
                    y[(((o * dim) + d) * inner) + i] = (float)(Math.Exp(x[(((o * dim) + d) * inner) + i] - max) / sum);
                }
            }
        }

        return (xs, y);
    }
}
