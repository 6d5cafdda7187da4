namespace Dsx.Model;

/// <summary>
/// An ONNX file Dsx cannot import. The message always names the file, the node at fault when there is one
/// (name, op type, index) and what to do about it, so the CLI can print it as is instead of a stack trace.
/// </summary>
public sealed class OnnxImportException : Exception
{
    public OnnxImportException(string file, string? node, string problem, Exception? inner = null)
        : base(node is null ? $"{file}: {problem}" : $"{file}: node {node}: {problem}", inner)
    {
        File = file;
        Node = node;
        Problem = problem;
    }

    /// <summary>The file (or other origin) of the model.</summary>
    public string File { get; }

    /// <summary>"'name' (OpType, #index)" of the offending node; null for the model as a whole.</summary>
    public string? Node { get; }

    public string Problem { get; }
}
