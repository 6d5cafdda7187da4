namespace Dsx.Model;

/// <summary>A plan file that cannot be read: names the file and the JSON key at fault.</summary>
public sealed class PlanFormatException : Exception
{
    public PlanFormatException(string source, string key, string problem, Exception? inner = null)
        : base($"{source}: {(key.Length == 0 ? "" : $"'{key}': ")}{problem}", inner)
    {
        Origin = source;
        Key = key;
        Problem = problem;
    }

    /// <summary>The file (or other origin) the plan came from.</summary>
    public string Origin { get; }

    /// <summary>The dotted path of the offending key, e.g. "layers.conv1.layout"; empty for the document as a whole.</summary>
    public string Key { get; }

    public string Problem { get; }
}
