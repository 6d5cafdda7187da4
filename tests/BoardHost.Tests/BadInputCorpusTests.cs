using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dsx.BoardHost.Tests;

/// <summary>
/// The bad-input corpus (tests/corpus, README there) through the real dsx command: each case is refused with its exit
/// code and a one-line "dsx: ..." message containing the expected text, prints no stack trace, and writes nothing.
/// </summary>
public sealed partial class BadInputCorpusTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("dsx-bad-input-").FullName;

    public static TheoryData<string> WithoutExecutor() => Ids(needsExecutor: false);

    public static TheoryData<string> WithExecutor() => Ids(needsExecutor: true);

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void The_corpus_covers_every_kind_of_input()
    {
        var groups = BadInputCase.All().GroupBy(c => c.Id.Split('/')[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["boards", "cli", "onnx", "plans"], groups.Keys.Order(StringComparer.Ordinal));
        Assert.All(groups.Values, count => Assert.True(count >= 10, $"{count} cases"));
    }

    [Theory]
    [MemberData(nameof(WithoutExecutor))]
    public Task Refused_before_any_executor_starts(string id) => AssertRefusedAsync(id);

    [ExecutorTheory]
    [MemberData(nameof(WithExecutor))]
    public Task Refused_by_the_executor(string id) => AssertRefusedAsync(id);

    private static TheoryData<string> Ids(bool needsExecutor) => [.. BadInputCase.All().Where(c => c.NeedsExecutor == needsExecutor).Select(c => c.Id)];

    private async Task AssertRefusedAsync(string id)
    {
        var corpus = BadInputCase.CorpusFolder();
        var testCase = BadInputCase.Read(corpus, Path.Combine(corpus, id + ".expect"));
        var corpusBefore = Snapshot(corpus);

        var (exitCode, stdout, stderr) = await RunDsxAsync(testCase.Expand(corpus, _output));

        var transcript = $"dsx {string.Join(' ', testCase.Expand(corpus, _output))}\nexit {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.True(exitCode == testCase.ExitCode, $"expected exit {testCase.ExitCode}\n{transcript}");
        var message = testCase.ExpectedMessage(corpus, _output);
        var line = stderr.Split('\n').FirstOrDefault(l => l.Contains(message, StringComparison.Ordinal));
        Assert.True(line is not null, $"expected a line containing \"{message}\"\n{transcript}");
        Assert.StartsWith("dsx: ", line, StringComparison.Ordinal);
        Assert.False(StackTrace().IsMatch(stdout + stderr), $"a stack trace was printed\n{transcript}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_output));
        Assert.Equal(corpusBefore, Snapshot(corpus));
    }

    /// <summary>Every file under the folder with its size and write time, to prove nothing was written there.</summary>
    private static string[] Snapshot(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)} {File.GetLastWriteTimeUtc(p):O}")];

    // .NET's "   at Namespace.Type.Method(...)" frames and its unhandled-exception banner.
    [GeneratedRegex(@"^\s+at \S+\(.*\)|Unhandled exception|--- End of", RegexOptions.Multiline)]
    private static partial Regex StackTrace();

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunDsxAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dsx.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
