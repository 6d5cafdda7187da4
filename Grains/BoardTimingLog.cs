using System.Globalization;

namespace Dsx.Grains;

/// <summary>
/// Where the silo's board grains note each measurement's executor-side start and end (a CSV line: board, start and end in
/// Unix nanoseconds), for the farm benchmark's utilisation and free-to-next-start figures. Records, never decides.
/// Without a path it writes nothing. Shared by the silo's board grains, which run concurrently: writes are serialised.
/// </summary>
public sealed class BoardTimingLog : IDisposable
{
    public const string Header = "board,start_unix_ns,end_unix_ns";

    private readonly StreamWriter? _writer;
    private readonly Lock _lock = new();

    public BoardTimingLog(string? path)
    {
        if (path is null)
        {
            return;
        }

        var exists = File.Exists(path) && new FileInfo(path).Length > 0;
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        if (!exists)
        {
            _writer.WriteLine(Header);
        }
    }

    public void Record(string board, long startUnixNs, long endUnixNs)
    {
        if (_writer is null)
        {
            return;
        }

        lock (_lock)
        {
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{board},{startUnixNs},{endUnixNs}"));
        }
    }

    public void Dispose() => _writer?.Dispose();
}
