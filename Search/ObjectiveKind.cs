namespace Dsx.Search;

public enum ObjectiveKind
{
    Latency,
    Memory,
    Weighted,
    LatencyUnderMemoryCap,
}
