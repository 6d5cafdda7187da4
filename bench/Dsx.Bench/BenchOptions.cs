using System.Globalization;

namespace Dsx.Bench;

/// <summary>The few options dsx-bench takes: one positional argument and <c>--name value</c> pairs.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _named = [];
    private readonly List<string> _positional = [];

    public static BenchOptions Parse(IEnumerable<string> args)
    {
        var options = new BenchOptions();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            if (e.Current.StartsWith('-'))
            {
                var name = e.Current;
                options._named[name] = e.MoveNext() ? e.Current : throw new BenchUsageException($"{name} needs a value");
            }
            else
            {
                options._positional.Add(e.Current);
            }
        }

        return options;
    }

    public string Positional() => _positional.Count == 1 ? _positional[0] : throw new BenchUsageException("expected one model file");

    public string Required(string name) => Optional(name) ?? throw new BenchUsageException($"{name} is required");

    public string? Optional(string name) => _named.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        Optional(name) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
        : throw new BenchUsageException($"{name}: '{text}' is not a non-negative integer");
}
