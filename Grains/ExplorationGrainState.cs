namespace Dsx.Grains;

[GenerateSerializer]
public sealed class ExplorationGrainState
{
    [Id(0)]
    public ExplorationSpec? Spec { get; set; }

    [Id(1)]
    public ExplorationStatus Status { get; set; }

    /// <summary>The loop's last checkpoint (<c>ExplorationCheckpoint</c> JSON): where a restarted silo resumes.</summary>
    [Id(2)]
    public string? Checkpoint { get; set; }

    [Id(3)]
    public string? Error { get; set; }

    [Id(4)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(5)]
    public DateTimeOffset UpdatedAt { get; set; }

    [Id(6)]
    public int TableHits { get; set; }

    [Id(7)]
    public int BoardMeasurements { get; set; }

    [Id(8)]
    public int Failures { get; set; }

    [Id(9)]
    public double? BestLatencyMs { get; set; }

    [Id(10)]
    public double? BaselineLatencyMs { get; set; }

    [Id(11)]
    public long? BaselinePeakBytes { get; set; }

    [Id(12)]
    public long? BestPeakBytes { get; set; }

    [Id(13)]
    public List<PlanLayer> BestPlan { get; set; } = [];

    [Id(14)]
    public string? AccuracyVerdict { get; set; }

    [Id(15)]
    public List<ParetoPoint> ParetoFront { get; set; } = [];

    [Id(16)]
    public string? BestPlanJson { get; set; }

    [Id(17)]
    public List<double?> History { get; set; } = [];

    [Id(18)]
    public int Episode { get; set; }

    /// <summary>The network's layer names, as <see cref="BestLayerMs"/> and <see cref="BaselineLayerMs"/> are ordered.</summary>
    [Id(19)]
    public List<string> LayerNames { get; set; } = [];

    [Id(20)]
    public List<double?> BestLayerMs { get; set; } = [];

    [Id(21)]
    public List<double?> BaselineLayerMs { get; set; } = [];

    /// <summary>Each episode's own cost (null: its plan failed or the exploration predates them), as <see cref="History"/> is ordered.</summary>
    [Id(22)]
    public List<double?> EpisodeCosts { get; set; } = [];
}
