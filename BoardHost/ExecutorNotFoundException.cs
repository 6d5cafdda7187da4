namespace Dsx.BoardHost;

/// <summary>No executor binary could be found; the message says where we looked and what to do.</summary>
public sealed class ExecutorNotFoundException(string message) : Exception(message);
