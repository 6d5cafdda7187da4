using System.Security.Cryptography;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.BoardHost;

/// <summary>The content hash a model is loaded and measured under: SHA-256 (lowercase hex) of the serialized graph.</summary>
public static class ModelHash
{
    public static string Of(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Convert.ToHexStringLower(SHA256.HashData(graph.ToByteArray()));
    }
}
