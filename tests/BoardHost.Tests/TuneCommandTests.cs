using System.Diagnostics;
using System.Text.Json;
using Dsx.Model;

namespace Dsx.BoardHost.Tests;

/// <summary>'dsx tune' end to end: the command-line client, the exploration loop and the real executor.</summary>
public sealed class TuneCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dsx-tune-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [ExecutorFact]
    public async Task Tuning_tiny_cnn_finds_a_confirmed_plan_and_compares_it_with_the_baseline()
    {
        var table = Path.Combine(_folder, "tiny_cnn.json");
        var plan = Path.Combine(_folder, "best.json");

        var (exitCode, stdout, stderr) = await RunDsxAsync("tune", "zoo:tiny_cnn", "--episodes", "20", "--table", table, "-o", plan, "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr:\n{stderr}");
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.Equal(20, root.GetProperty("episodes").GetInt32());
        Assert.Equal(20, root.GetProperty("best_cost_by_episode").GetArrayLength());
        var best = root.GetProperty("best");
        Assert.True(best.GetProperty("latency_ms").GetDouble() > 0);
        Assert.True(best.GetProperty("accuracy").GetProperty("passed").GetBoolean());
        Assert.True(root.GetProperty("baseline").GetProperty("latency_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("speedup").GetDouble() > 0);
        Assert.NotEqual(0, root.GetProperty("pareto_front").GetArrayLength());
        // The best plan is a valid plan of the model, and every measurement went into the table.
        Assert.Null(PlanValidation.Check(ModelZoo.Build("tiny_cnn"), PlanJson.ReadFile(plan)));
        using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(table));
        Assert.Equal(root.GetProperty("board_measurements").GetInt32(), saved.RootElement.GetProperty("measurements").GetInt32());
        Assert.Contains("[20/20] best confirmed", stderr, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task On_a_noisy_board_the_best_plan_is_never_declared_on_one_measurement()
    {
        // The executor slows its timed runs by up to 4x (DSX_EXECUTOR_NOISE): every measurement spreads far beyond the
        // trust policy's 25%, so the best is measured again until the policy's noisy-repeat limit (3) trusts it.
        var (exitCode, stdout, stderr) = await RunDsxAsync(
            new Dictionary<string, string> { ["DSX_EXECUTOR_NOISE"] = "3" },
            "tune", "zoo:tiny_cnn", "--episodes", "3", "--final-rounds", "0", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr:\n{stderr}");
        using var report = JsonDocument.Parse(stdout);
        Assert.True(report.RootElement.GetProperty("best").GetProperty("measurements").GetInt32() >= 3, stdout);
        Assert.Contains("is noisy", stderr, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task A_table_of_another_model_is_refused_with_exit_code_2()
    {
        var table = Path.Combine(_folder, "tiny_cnn.json");
        Assert.Equal(0, (await RunDsxAsync("tune", "zoo:tiny_cnn", "--episodes", "1", "--table", table)).ExitCode);

        var (exitCode, _, stderr) = await RunDsxAsync("tune", "zoo:squeezenet1_1", "--episodes", "1", "--table", table);

        Assert.Equal(2, exitCode);
        Assert.Contains("holds a table of another network", stderr, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task A_table_measured_with_another_executor_is_refused_as_stale()
    {
        var table = Path.Combine(_folder, "tiny_cnn.json");
        Assert.Equal(0, (await RunDsxAsync("table", "record", "zoo:tiny_cnn", "-o", table, "--extra-plans", "0", "--repeats", "1")).ExitCode);
        var recorded = await File.ReadAllTextAsync(table);
        await File.WriteAllTextAsync(table, recorded.Replace("\"executorVersion\":\"", "\"executorVersion\":\"0.0.0-old", StringComparison.Ordinal));

        var (exitCode, _, stderr) = await RunDsxAsync("tune", "zoo:tiny_cnn", "--episodes", "1", "--table", table);

        Assert.Equal(2, exitCode);
        Assert.Contains("its timings are stale here", stderr, StringComparison.Ordinal);
        Assert.Contains("0.0.0-old", await File.ReadAllTextAsync(table), StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task A_calibration_input_of_the_wrong_shape_is_refused_naming_the_file()
    {
        var calibration = Directory.CreateDirectory(Path.Combine(_folder, "calibration")).FullName;
        var tensor = new Wire.Tensor { Name = "x", FloatData = Google.Protobuf.ByteString.CopyFrom(new byte[4 * 6]) };
        tensor.Dims.Add([1, 2, 3]);
        NpyFile.Write(Path.Combine(calibration, "cat.npy"), tensor);

        var (exitCode, _, stderr) = await RunDsxAsync("tune", "zoo:tiny_cnn", "--episodes", "1", "--calibration", calibration);

        Assert.Equal(2, exitCode);
        Assert.Contains("cat.npy: shape [1x2x3] does not match the model input", stderr, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task A_dqn_trained_by_simulate_on_a_recorded_table_starts_a_tune_which_saves_its_network_again()
    {
        var table = Path.Combine(_folder, "tiny_cnn.json");
        var (trained, tuned) = (Path.Combine(_folder, "simulated.weights"), Path.Combine(_folder, "tuned.weights"));
        Assert.Equal(0, (await RunDsxAsync("table", "record", "zoo:tiny_cnn", "-o", table, "--extra-plans", "0", "--repeats", "1")).ExitCode);

        var simulate = await RunDsxAsync("simulate", "--table", table, "--strategy", "dqn", "--episodes", "30", "--seeds", "1", "--save-dqn-weights", trained);
        Assert.True(simulate.ExitCode == 0, $"simulate: exit code {simulate.ExitCode}; stderr:\n{simulate.Stderr}");
        var tune = await RunDsxAsync("tune", "zoo:tiny_cnn", "--strategy", "dqn", "--dqn-weights", trained, "--episodes", "12", "--final-rounds", "0", "--save-dqn-weights", tuned);

        Assert.True(tune.ExitCode == 0, $"tune: exit code {tune.ExitCode}; stderr:\n{tune.Stderr}");
        Assert.Contains($"wrote the DQN's weights to {tuned}", tune.Stderr, StringComparison.Ordinal);
        // The same network's shape, trained further: the file is as long as the one it started from, not the same.
        Assert.Equal(new FileInfo(trained).Length, new FileInfo(tuned).Length);
        Assert.NotEqual(await File.ReadAllBytesAsync(trained), await File.ReadAllBytesAsync(tuned));
    }

    [Fact]
    public async Task Dqn_weights_for_another_strategy_or_from_a_file_that_holds_none_are_refused_with_exit_code_2()
    {
        var notWeights = Path.Combine(_folder, "plan.json");
        await File.WriteAllTextAsync(notWeights, "{}");

        var otherStrategy = await RunDsxAsync("tune", "zoo:tiny_cnn", "--strategy", "qlearning", "--dqn-weights", notWeights);
        var notAWeightsFile = await RunDsxAsync("simulate", "--table", TinyCnnTable(), "--strategy", "dqn", "--seeds", "2", "--episodes", "5", "--dqn-weights", notWeights);
        var twoSeeds = await RunDsxAsync("simulate", "--table", TinyCnnTable(), "--strategy", "dqn", "--seeds", "2", "--save-dqn-weights", notWeights);

        Assert.Equal(2, otherStrategy.ExitCode);
        Assert.Contains("apply to the dqn strategy only", otherStrategy.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, notAWeightsFile.ExitCode);
        Assert.Equal($"dsx: '{notWeights}' is not a DQN weights file (dsx-dqn-weights/2)", notAWeightsFile.Stderr.Trim());
        Assert.Equal(2, twoSeeds.ExitCode);
        Assert.Contains("give one --table and --seeds 1", twoSeeds.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The recorded tiny_cnn table under bench/tables (the repository's, so no executor is needed).</summary>
    private static string TinyCnnTable() =>
        Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("not inside the repository"), "bench", "tables", "tiny_cnn.json");

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunDsxAsync(params string[] arguments) =>
        RunDsxAsync(new Dictionary<string, string>(), arguments);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunDsxAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dsx.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout, await stderr);
    }
}
