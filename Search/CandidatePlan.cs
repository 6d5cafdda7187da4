namespace Dsx.Search;

/// <summary>A whole-network plan as one choice index per layer of a <see cref="SearchSpace"/>; compared by value.</summary>
public sealed class CandidatePlan : IEquatable<CandidatePlan>
{
    private readonly int[] _choices;
    private readonly int _hash;

    public CandidatePlan(IEnumerable<int> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        _choices = [.. choices];
        var hash = new HashCode();
        foreach (var c in _choices)
        {
            hash.Add(c);
        }

        _hash = hash.ToHashCode();
    }

    public IReadOnlyList<int> Choices => _choices;

    public int this[int layer] => _choices[layer];

    public int Count => _choices.Length;

    public CandidatePlan With(int layer, int choice)
    {
        var copy = (int[])_choices.Clone();
        copy[layer] = choice;
        return new CandidatePlan(copy);
    }

    public bool Equals(CandidatePlan? other) => other is not null && _hash == other._hash && _choices.AsSpan().SequenceEqual(other._choices);

    public override bool Equals(object? obj) => Equals(obj as CandidatePlan);

    public override int GetHashCode() => _hash;

    public override string ToString() => string.Join('.', _choices);

    public static CandidatePlan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new CandidatePlan(text.Split('.').Select(int.Parse));
    }
}
