namespace Dsx.Model;

/// <summary>64-bit FNV-1a over a string's UTF-16 code units: stable across processes and runtimes (string.GetHashCode is not).</summary>
public static class Fnv1a
{
    public static ulong Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
