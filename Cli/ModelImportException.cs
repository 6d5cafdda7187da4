namespace Dsx.Cli;

/// <summary>The model file could not be imported: exit code 1.</summary>
internal sealed class ModelImportException(string message, Exception inner) : Exception(message, inner);
