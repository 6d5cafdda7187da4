using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// The layers of one network on one board kind, in topological order, each with its admissible choices and
/// the layers feeding it. A plan is one choice index per layer (<see cref="CandidatePlan"/>).
/// </summary>
public sealed class SearchSpace
{
    public SearchSpace(string model, IReadOnlyList<SearchLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Model = model;
        Layers = layers;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Index != i)
            {
                throw new ArgumentException($"layer '{layer.Name}' has index {layer.Index}, expected {i}", nameof(layers));
            }

            if (layer.Choices.Count == 0)
            {
                throw new ArgumentException($"layer '{layer.Name}' admits no choice", nameof(layers));
            }

            if (layer.Inputs.Any(p => p != SearchLayer.GraphInput && (p < 0 || p >= i)))
            {
                throw new ArgumentException($"layer '{layer.Name}' reads a layer that does not come before it", nameof(layers));
            }
        }

        Formats = [.. layers.SelectMany(l => l.Choices).Select(c => c.Format).Append(TensorFormat.Plain).Distinct().OrderBy(f => f.ToString(), StringComparer.Ordinal)];
    }

    public string Model { get; }

    public IReadOnlyList<SearchLayer> Layers { get; }

    /// <summary>Every format any layer can produce, plus the graph inputs' NCHW FP32.</summary>
    public IReadOnlyList<TensorFormat> Formats { get; }

    /// <summary>log10 of the number of distinct plans.</summary>
    public double Log10Size => Layers.Sum(l => Math.Log10(l.Choices.Count));

    /// <summary>Builds the space from the model's graph (for the edges) and the board's design space (for the choices).</summary>
    public static SearchSpace From(string model, Graph graph, DesignSpace space)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(space);
        var options = space.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var shapes = graph.Inputs.ToDictionary(v => v.Name, v => (IReadOnlyList<long>)[.. v.Shape], StringComparer.Ordinal);
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var layers = new List<SearchLayer>();
        foreach (var node in graph.Nodes)
        {
            if (!options.TryGetValue(node.Name, out var option))
            {
                throw new ArgumentException($"the design space has no entry for layer '{node.Name}'", nameof(space));
            }

            var inputs = node.Inputs.Select(name => producer.TryGetValue(name, out var p) ? p : SearchLayer.GraphInput).ToArray();
            var inputElements = node.Inputs.Select(name => shapes.TryGetValue(name, out var s) ? s.Aggregate(1L, (a, b) => a * b) : 0L).ToArray();
            var index = layers.Count;
            layers.Add(new SearchLayer(
                index,
                node.Name,
                node.Op,
                option.Flops,
                option.OutputShape,
                inputs,
                inputElements,
                outputs.Contains(node.Output),
                [.. option.Choices.Select(LayerChoice.FromWire).Distinct()]));
            producer[node.Output] = index;
            shapes[node.Output] = option.OutputShape;
        }

        return new SearchSpace(model, layers);
    }

    /// <summary>The format each input of <paramref name="layer"/> arrives in under <paramref name="plan"/>.</summary>
    public TensorFormat[] InputFormats(CandidatePlan plan, int layer)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var inputs = Layers[layer].Inputs;
        var formats = new TensorFormat[inputs.Count];
        for (var k = 0; k < inputs.Count; k++)
        {
            formats[k] = inputs[k] == SearchLayer.GraphInput ? TensorFormat.Plain : Choice(plan, inputs[k]).Format;
        }

        return formats;
    }

    public LayerChoice Choice(CandidatePlan plan, int layer)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Layers[layer].Choices[plan[layer]];
    }

    /// <summary>The wire plan the executor runs: every layer named with its choice.</summary>
    public Plan ToWirePlan(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Count != Layers.Count)
        {
            throw new ArgumentException($"the plan has {plan.Count} layers, the network {Layers.Count}", nameof(plan));
        }

        var wire = new Plan { DefaultThreads = 1 };
        for (var i = 0; i < Layers.Count; i++)
        {
            wire.Layers[Layers[i].Name] = Choice(plan, i).ToWire();
        }

        return wire;
    }

    /// <summary>The candidate for a wire plan; null when the plan leaves a layer out or names a choice the layer does not admit.</summary>
    public CandidatePlan? FromWirePlan(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var choices = new int[Layers.Count];
        var fallbackThreads = Math.Max(1, plan.DefaultThreads);
        for (var i = 0; i < Layers.Count; i++)
        {
            var wire = plan.Layers.TryGetValue(Layers[i].Name, out var c) ? c : plan.Fallback;
            if (wire is null)
            {
                return null;
            }

            var choice = LayerChoice.FromWire(wire) with { Threads = wire.Threads > 0 ? wire.Threads : fallbackThreads };
            choices[i] = IndexOf(i, choice);
            if (choices[i] < 0)
            {
                return null;
            }
        }

        return new CandidatePlan(choices);
    }

    /// <summary>The same network with only FP32 choices: the space of a search that must not quantise.</summary>
    /// <exception cref="InvalidOperationException">A layer admits only INT8 choices.</exception>
    public SearchSpace WithoutInt8()
    {
        var layers = Layers.Select(l => l with { Choices = [.. l.Choices.Where(c => c.Precision != Precision.Int8)] }).ToList();
        if (layers.FirstOrDefault(l => l.Choices.Count == 0) is { } onlyInt8)
        {
            throw new InvalidOperationException($"layer '{onlyInt8.Name}' admits only INT8 choices, so INT8 cannot be disallowed");
        }

        return new SearchSpace(Model, layers);
    }

    /// <summary><c>conv1:xnnpack/NHWC/FP32/t1</c>: one layer's choice by name, stable across spaces of the same network.</summary>
    public static string ChoiceId(string layer, string choiceKey) => $"{layer}:{choiceKey}";

    /// <summary>
    /// The same network without the given choices (<see cref="ChoiceId"/>s, e.g. the table's failing ones): the space of a
    /// search that must never propose them.
    /// </summary>
    /// <exception cref="InvalidOperationException">Every choice of a layer is excluded.</exception>
    public SearchSpace Without(IReadOnlyCollection<string> choiceIds)
    {
        ArgumentNullException.ThrowIfNull(choiceIds);
        if (choiceIds.Count == 0)
        {
            return this;
        }

        var excluded = choiceIds.ToHashSet(StringComparer.Ordinal);
        var layers = Layers.Select(l => l with { Choices = [.. l.Choices.Where(c => !excluded.Contains(ChoiceId(l.Name, c.Key)))] }).ToList();
        if (layers.FirstOrDefault(l => l.Choices.Count == 0) is { } none)
        {
            throw new InvalidOperationException($"layer '{none.Name}': every choice failed on this board kind, so no plan can run");
        }

        return new SearchSpace(Model, layers);
    }

    /// <summary>Whether every layer's choice under <paramref name="plan"/> also exists in <paramref name="target"/>.</summary>
    public bool CanTranslate(CandidatePlan plan, SearchSpace target)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        return Enumerable.Range(0, Layers.Count).All(i => target.IndexOf(i, Choice(plan, i)) >= 0);
    }

    /// <summary>Whether any layer of the plan runs in INT8.</summary>
    public bool UsesInt8(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Enumerable.Range(0, Layers.Count).Any(i => Choice(plan, i).Precision == Precision.Int8);
    }

    /// <summary>The same plan in <paramref name="target"/>, a space over the same layers (e.g. the full space of a restricted one).</summary>
    /// <exception cref="ArgumentException">A layer's choice does not exist in <paramref name="target"/>.</exception>
    public CandidatePlan Translate(CandidatePlan plan, SearchSpace target)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        if (ReferenceEquals(target, this))
        {
            return plan;
        }

        return new CandidatePlan(Enumerable.Range(0, Layers.Count).Select(i =>
        {
            var index = target.IndexOf(i, Choice(plan, i));
            return index >= 0 ? index : throw new ArgumentException($"layer '{Layers[i].Name}': choice {Choice(plan, i)} is not in the target space", nameof(target));
        }));
    }

    /// <summary>Index of <paramref name="choice"/> among layer <paramref name="layer"/>'s choices, or -1.</summary>
    public int IndexOf(int layer, LayerChoice choice)
    {
        var choices = Layers[layer].Choices;
        for (var c = 0; c < choices.Count; c++)
        {
            if (choices[c] == choice)
            {
                return c;
            }
        }

        return -1;
    }
}
