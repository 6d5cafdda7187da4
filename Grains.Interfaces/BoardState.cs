namespace Dsx.Grains;

/// <summary>A board's health as the farm sees it.</summary>
[GenerateSerializer]
public enum BoardState
{
    Idle,
    Busy,
    Quarantined,
}
