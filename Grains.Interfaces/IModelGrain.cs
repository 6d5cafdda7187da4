namespace Dsx.Grains;

/// <summary>A model by content hash (key): the serialised wire <c>Graph</c>, stored once, loaded by boards that lack it.</summary>
[Alias("Dsx.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    [Alias("Put")]
    Task PutAsync(string name, byte[] graph);

    /// <returns>Null when nothing was uploaded under this hash.</returns>
    [Alias("Get")]
    Task<byte[]?> GetAsync();
}
