namespace Dsx.Search.Tests.Evaluation;

/// <summary>A benchmark run as a test only when <c>DSX_BENCH_TABLES</c> names a folder of recorded tables; skipped otherwise, so CI stays fast.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BenchFactAttribute : FactAttribute
{
    public const string TablesVariable = "DSX_BENCH_TABLES";

    public BenchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TablesVariable)))
        {
            Skip = $"benchmark: set {TablesVariable} to a folder of recorded tables to run it";
        }
    }
}
