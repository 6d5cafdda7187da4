using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// One layer of the search: its admissible choices, and which layers produce its inputs
/// (<see cref="GraphInput"/> for a graph input, which is always <see cref="TensorFormat.Plain"/>).
/// </summary>
public sealed record SearchLayer(
    int Index,
    string Name,
    OpType Op,
    double Flops,
    IReadOnlyList<long> OutputShape,
    IReadOnlyList<int> Inputs,
    IReadOnlyList<long> InputElements,
    bool IsGraphOutput,
    IReadOnlyList<LayerChoice> Choices)
{
    public const int GraphInput = -1;

    public long OutputElements => OutputShape.Aggregate(1L, (a, b) => a * b);
}
