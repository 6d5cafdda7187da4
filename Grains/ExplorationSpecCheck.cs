using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>What an <see cref="ExplorationSpec"/> must hold, and the search settings it means.</summary>
public static class ExplorationSpecCheck
{
    /// <exception cref="ArgumentException">The first thing wrong with the spec, said so a user can fix it.</exception>
    public static void Validate(ExplorationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!StrategyFactory.Names.Contains(spec.Strategy))
        {
            throw new ArgumentException($"unknown strategy '{spec.Strategy}'; known: {string.Join(", ", StrategyFactory.Names)}");
        }

        try
        {
            Objective.Parse(spec.Objective);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"objective: {e.Message}", e);
        }

        foreach (var (name, value, minimum) in new[]
        {
            ("episodes", spec.Episodes, 1), ("batch", spec.Batch, 1), ("repeats", spec.Repeats, 1), ("warmup", spec.Warmup, 0),
            ("confirm-top", spec.ConfirmTopK, 0), ("final-rounds", spec.FinalRounds, 0), ("calibration-size", spec.CalibrationSize, 1),
        })
        {
            if (value < minimum)
            {
                throw new ArgumentException($"{name} must be at least {minimum}, not {value}");
            }
        }

        if (string.IsNullOrWhiteSpace(spec.BoardKind) || string.IsNullOrWhiteSpace(spec.ModelHash))
        {
            throw new ArgumentException("an exploration needs a board kind and an uploaded model");
        }
    }

    public static ExplorationSettings Settings(ExplorationSpec spec, MeasurementTable table, Graph graph)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(table);
        var int8 = spec.AllowInt8 && table.Space.Layers.Any(l => l.Choices.Any(c => c.Precision == Precision.Int8));
        var reference = table.Space.Layers.All(l => l.Choices.Any(c => c.Precision == Precision.Fp32)) ? AccuracyReference.For(table.Space, graph) : null;
        return new ExplorationSettings
        {
            Episodes = spec.Episodes,
            Batch = spec.Batch,
            Objective = Objective.Parse(spec.Objective),
            ConfirmTopK = spec.ConfirmTopK,
            FinalRounds = spec.FinalRounds,
            AccuracyReference = int8 ? reference : null,
            Baseline = reference,
            SeedPlans = spec.SeedPlans ? SeedPlans.SingleLibraries(table) : [],
        };
    }
}
