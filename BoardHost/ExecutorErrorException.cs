using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>The executor answered a request with a typed Error reply; the process is still alive and usable.</summary>
public sealed class ExecutorErrorException(Error error)
    : Exception(Describe(error))
{
    public ErrorCode Code { get; } = error.Code;

    public string Detail { get; } = error.Message;

    /// <summary>The node the error belongs to, or empty.</summary>
    public string Layer { get; } = error.Layer;

    /// <summary>The primitive asked for or running, or empty.</summary>
    public string Primitive { get; } = error.Primitive;

    private static string Describe(Error error)
    {
        var where = string.Join(", ", new[] { Part("layer", error.Layer), Part("primitive", error.Primitive) }.Where(p => p.Length > 0));
        return $"executor error {error.Code}{(where.Length == 0 ? "" : $" ({where})")}: {error.Message}";
    }

    private static string Part(string label, string value) => value.Length == 0 ? "" : $"{label} {value}";
}
