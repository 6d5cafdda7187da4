namespace Dsx.Search;

/// <summary>
/// What the table knows of one layer of a plan: its compute time (null when never measured), the conversion of its
/// inputs into the choice's format, and the memory the choice holds.
/// </summary>
public sealed record LayerEstimate(double? ComputeMs, double ConversionMs, long MemoryBytes)
{
    /// <summary>Compute plus conversion; null when the compute time is not known.</summary>
    public double? TotalMs => ComputeMs + ConversionMs;
}
