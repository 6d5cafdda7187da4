namespace Dsx.Silo;

/// <summary>A boards file that cannot be used; the message names the file, the line and what to change.</summary>
public sealed class BoardsFileException(string message) : Exception(message);
