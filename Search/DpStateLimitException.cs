namespace Dsx.Search;

/// <summary>The exact DP would hold more frontier states than allowed: the graph keeps too many tensors alive at once.</summary>
public sealed class DpStateLimitException(string message) : Exception(message);
