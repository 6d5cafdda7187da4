namespace Dsx.BoardHost.Tests;

/// <summary>
/// One case of the bad-input corpus (tests/corpus/GROUP/NAME.expect): the dsx command line to run, and the exit code and
/// message it must end with. In the arguments {case} is the case's input file (NAME.onnx, NAME.json or NAME.yaml beside
/// the .expect), {corpus} the corpus folder and {out} an empty folder that must still be empty afterwards.
/// </summary>
public sealed record BadInputCase(string Id, string? Input, IReadOnlyList<string> Arguments, int ExitCode, string Message, bool NeedsExecutor)
{
    private static readonly string[] InputExtensions = [".onnx", ".json", ".yaml"];

    public static string CorpusFolder()
    {
        // Found from the test binary upwards, not from [CallerFilePath]: CI builds map source paths to "/_/".
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dsx.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "corpus");
            }
        }

        throw new DirectoryNotFoundException($"no Dsx.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Every case, by id (GROUP/NAME).</summary>
    public static IReadOnlyList<BadInputCase> All()
    {
        var corpus = CorpusFolder();
        return [.. Directory.EnumerateFiles(corpus, "*.expect", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => Read(corpus, f))];
    }

    public static BadInputCase Read(string corpus, string expectFile)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(expectFile))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith('#') || colon < 0)
            {
                continue;
            }

            fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        string Field(string key) => fields.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidDataException($"{expectFile}: needs a '{key}:' line");

        var stem = Path.ChangeExtension(expectFile, null);
        var input = InputExtensions.Select(e => stem + e).FirstOrDefault(File.Exists);
        var id = Path.GetRelativePath(corpus, stem).Replace('\\', '/');
        return new BadInputCase(
            id,
            input,
            Field("args").Split(' ', StringSplitOptions.RemoveEmptyEntries),
            int.Parse(Field("exit"), System.Globalization.CultureInfo.InvariantCulture),
            Field("message"),
            fields.GetValueOrDefault("executor") == "yes");
    }

    /// <summary>The arguments with {case}, {corpus} and {out} filled in.</summary>
    public IEnumerable<string> Expand(string corpus, string output) => Arguments.Select(a => Fill(a, corpus, output));

    /// <summary>The expected message, which may name {corpus} or {out} files.</summary>
    public string ExpectedMessage(string corpus, string output) => Fill(Message, corpus, output);

    private string Fill(string text, string corpus, string output)
    {
        if (text.Contains("{case}", StringComparison.Ordinal))
        {
            text = text.Replace("{case}", Input ?? throw new InvalidDataException($"{Id} uses {{case}} but has no input file"), StringComparison.Ordinal);
        }

        return text.Replace("{corpus}", corpus, StringComparison.Ordinal).Replace("{out}", output, StringComparison.Ordinal);
    }
}
