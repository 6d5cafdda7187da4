namespace Dsx.Grains;

/// <summary>Where an exploration is in its life: Created -> Running -> (Paused <-> Running) -> Completed | Failed | Cancelled.</summary>
[GenerateSerializer]
public enum ExplorationStatus
{
    Created,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}
