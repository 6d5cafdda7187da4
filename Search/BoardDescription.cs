namespace Dsx.Search;

/// <summary>The board kind a table was measured on, as its executor described itself. Emulated timings are not Cortex-A figures.</summary>
public sealed record BoardDescription(string Kind, string Isa, bool Emulated, string ExecutorVersion, int Cores);
