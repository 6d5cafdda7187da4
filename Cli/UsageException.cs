namespace Dsx.Cli;

/// <summary>A problem with the command line or the files it names: exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
