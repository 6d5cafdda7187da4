using Dsx.Wire;

namespace Dsx.Model;

/// <summary>What one layer may be given on a board: every admissible choice, thread counts expanded.</summary>
public sealed record LayerOptions(string Name, OpType Op, double Flops, IReadOnlyList<long> OutputShape, IReadOnlyList<Choice> Choices);
