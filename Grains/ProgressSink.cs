using Dsx.Search;

namespace Dsx.Grains;

/// <summary>Keeps the loop's latest progress report (reported synchronously, on the grain's thread).</summary>
internal sealed class ProgressSink : IProgress<ExplorationProgress>
{
    public ExplorationProgress? Latest { get; private set; }

    public void Report(ExplorationProgress value) => Latest = value;
}
