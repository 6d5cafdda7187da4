namespace Dsx.Grains;

/// <summary>
/// How boards run their executors. <see cref="MeasurementTimeout"/>: the longest one request (a measurement, a
/// calibration run, a model load) may take before the executor is taken for hung, killed and restarted; qemu boards
/// and big models are slow, tests shorten it.
/// </summary>
public sealed record BoardOptions(TimeSpan MeasurementTimeout)
{
    public static BoardOptions Default { get; } = new(TimeSpan.FromMinutes(10));
}
