namespace Dsx.Bench;

/// <summary>A bad command line or input file: printed as one line, exit code 2.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);
