namespace Dsx.BoardHost;

/// <summary>The executor speaks another protocol version than this client.</summary>
public sealed class ProtocolVersionMismatchException(uint clientVersion, uint executorVersion, string detail = "")
    : Exception($"Protocol version mismatch: this client speaks {clientVersion}, the executor {executorVersion}.{(detail.Length == 0 ? "" : $" {detail}")} Rebuild both from the same checkout (./dsx build).")
{
    public uint ClientVersion { get; } = clientVersion;

    public uint ExecutorVersion { get; } = executorVersion;
}
