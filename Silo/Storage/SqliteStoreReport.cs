namespace Dsx.Silo.Storage;

/// <summary>
/// What <see cref="SqliteStoreCheck"/> found in one SQLite file: the problems (empty when sound), and what it looked
/// at: grain state rows that deserialised, explorations, episode outcomes kept, and measurements recorded.
/// </summary>
public sealed record SqliteStoreReport(
    string Path, IReadOnlyList<string> Problems, int Rows, int Explorations, int Episodes, int Measurements)
{
    public bool Sound => Problems.Count == 0;
}
