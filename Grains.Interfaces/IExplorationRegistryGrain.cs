namespace Dsx.Grains;

/// <summary>The list of explorations (key 0): what <c>dsx status</c> shows, and what a restarted silo wakes.</summary>
[Alias("Dsx.IExplorationRegistryGrain")]
public interface IExplorationRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task RegisterAsync(string explorationId);

    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();
}
