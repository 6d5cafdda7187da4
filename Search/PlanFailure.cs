namespace Dsx.Search;

/// <summary>Why a plan produced no measurement: the layer that failed (empty when the board could not tell) and what happened.</summary>
public sealed record PlanFailure(string Layer, string Detail)
{
    public override string ToString() => Layer.Length == 0 ? Detail : $"layer '{Layer}': {Detail}";
}
