using System.Globalization;
using Dsx.Grains;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dsx.Silo;

/// <summary>
/// The farm as a file (<c>boards.yaml</c>), read by <c>dsx silo --boards</c> and <c>dsx boards add --file</c>:
/// <code>
/// boards:
///   - id: rpi4-1
///     kind: cortex-a72
///     launch: ssh            # local | qemu | ssh | tcp
///     host: 10.0.0.21
///     user: pi
///     program: /home/pi/dsx-executor
///     identity-file: ~/.ssh/dsx_lab
/// </code>
/// Keys: id, kind, launch (default local), program, host, port, user, token, cpu, cpus, identity-file, known-hosts,
/// environment (a map). Relative paths are taken from the file's folder, <c>~/</c> from the home folder.
/// </summary>
public static class BoardsFile
{
    private static readonly string[] Keys =
        ["id", "kind", "launch", "program", "host", "port", "user", "token", "cpu", "cpus", "identity-file", "known-hosts", "environment"];

    /// <exception cref="BoardsFileException">Missing, not YAML, or a board that is not right; the message says where.</exception>
    public static IReadOnlyList<BoardRegistration> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BoardsFileException($"{path}: cannot read it ({e.Message})");
        }

        return Parse(text, path);
    }

    public static IReadOnlyList<BoardRegistration> Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new BoardsFileException($"{path}:{e.Start.Line}: not valid YAML: {e.Message}");
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("boards"), out var list))
        {
            throw new BoardsFileException($"{path}: expected a 'boards:' list at the top (see 'dsx boards add --help')");
        }

        if (list is not YamlSequenceNode boards)
        {
            throw new BoardsFileException($"{path}:{list.Start.Line}: 'boards' must be a list of boards ('- id: ...')");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var result = new List<BoardRegistration>();
        foreach (var node in boards)
        {
            var board = Board(node, path, folder);
            if (result.Any(b => b.Id == board.Id))
            {
                throw new BoardsFileException($"{path}:{node.Start.Line}: board id '{board.Id}' appears twice");
            }

            result.Add(board);
        }

        return result;
    }

    private static BoardRegistration Board(YamlNode node, string path, string folder)
    {
        if (node is not YamlMappingNode map)
        {
            throw new BoardsFileException($"{path}:{node.Start.Line}: a board is a map of keys (id, kind, launch, ...)");
        }

        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!Keys.Contains(name))
            {
                throw new BoardsFileException($"{path}:{key.Start.Line}: unknown key '{name}'; a board has: {string.Join(", ", Keys)}");
            }

            values[name] = value;
        }

        string? Text(string key)
        {
            if (!values.TryGetValue(key, out var value))
            {
                return null;
            }

            return value is YamlScalarNode { Value: { Length: > 0 } s }
                ? s
                : throw new BoardsFileException($"{path}:{value.Start.Line}: '{key}' must be a single value");
        }

        string? FilePath(string key) => Text(key) is not { } p ? null
            : p.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p[2..])
            : Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(folder, p));

        var id = Text("id") ?? throw new BoardsFileException($"{path}:{node.Start.Line}: a board needs an 'id'");
        var kind = Text("kind") ?? throw new BoardsFileException($"{path}:{node.Start.Line}: board '{id}' needs a 'kind' (e.g. cortex-a72)");
        var launch = Text("launch") ?? "local";
        int? port = null;
        if (Text("port") is { } portText)
        {
            port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
                ? p
                : throw new BoardsFileException($"{path}:{values["port"].Start.Line}: board '{id}': port '{portText}' is not a port number");
        }

        IReadOnlyDictionary<string, string>? environment = null;
        if (values.TryGetValue("environment", out var env))
        {
            environment = env is YamlMappingNode variables
                ? EnvironmentVariables(variables, path, id)
                : throw new BoardsFileException($"{path}:{env.Start.Line}: board '{id}': 'environment' must be a map of NAME: value");
        }

        // ssh runs the program on the board: its path is the board's, not ours.
        var program = launch == "ssh" ? Text("program") : FilePath("program");
        var board = new BoardRegistration(
            id, kind, launch, program, Text("host"), port, Text("user"), Text("token"), Text("cpu"), Text("cpus"), environment,
            FilePath("identity-file"), FilePath("known-hosts"));
        try
        {
            BoardLaunches.For(board);
        }
        catch (ArgumentException e)
        {
            throw new BoardsFileException($"{path}:{node.Start.Line}: {e.Message}");
        }

        return board;
    }

    /// <summary>NAME: value pairs, both plain scalars, each NAME once.</summary>
    private static Dictionary<string, string> EnvironmentVariables(YamlMappingNode variables, string path, string id)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in variables.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name } || value is not YamlScalarNode { Value: var text })
            {
                throw new BoardsFileException($"{path}:{key.Start.Line}: board '{id}': each 'environment' entry must be NAME: value (a name and a single value)");
            }

            if (!environment.TryAdd(name, text ?? ""))
            {
                throw new BoardsFileException($"{path}:{key.Start.Line}: board '{id}': environment variable '{name}' is set twice");
            }
        }

        return environment;
    }
}
