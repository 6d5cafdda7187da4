namespace Dsx.Grains;

/// <summary>The grain storage provider every Dsx grain persists to (SQLite on one machine, PostgreSQL on several).</summary>
public static class StorageNames
{
    public const string Default = "dsx";
}
