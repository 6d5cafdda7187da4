namespace Dsx.BoardHost;

/// <summary>A listening executor refused the Hello's token (Error UNAUTHORIZED) and closed the connection.</summary>
public sealed class ExecutorUnauthorizedException(string endpoint, string detail, Exception? inner = null)
    : Exception($"executor at {endpoint} refused the token: {detail}", inner)
{
    public string Endpoint { get; } = endpoint;

    public string Detail { get; } = detail;
}
