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
