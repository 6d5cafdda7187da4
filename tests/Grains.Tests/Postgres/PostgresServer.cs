using System.Diagnostics;
using System.Globalization;
using Dsx.Grains.Tests.SiloProcesses;
using Npgsql;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>
/// A throw-away PostgreSQL server: initdb into a fresh temp folder, pg_ctl start on a free loopback port (Unix socket in
/// the same folder, trust authentication, no fsync), and on dispose pg_ctl stop -m immediate and the folder removed.
/// As root it runs everything as the postgres system user (the server refuses to run as root) in a folder that user owns.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "postgres";

    private static readonly bool IsRoot = Environment.UserName == "root";

    private readonly string _bin;
    private readonly string _folder;
    private bool _started;

    private PostgresServer(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_folder, "data");

    private string LogFile => Path.Combine(_folder, "server.log");

    /// <summary>An Npgsql connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Pooling = false }.ConnectionString;

    /// <summary>The URL form <c>dsx silo --cluster</c> takes (the password is ignored: the server trusts loopback).</summary>
    public string Url(string database) => string.Create(CultureInfo.InvariantCulture, $"postgres://{User}:unused@127.0.0.1:{Port}/{database}");

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = PostgresAvailability.BinDirectory ?? throw new InvalidOperationException(PostgresAvailability.SkipReason ?? "no PostgreSQL binaries");
        var folder = Path.Combine(Path.GetTempPath(), "dsx-pg-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var server = new PostgresServer(bin, folder, FreePorts.Pick(1)[0]);
        try
        {
            await server.InitAndStartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await RunAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
            }
            catch (InvalidOperationException)
            {
                // Already gone (or never fully up): the folder removal below is what matters.
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean: a failed clean-up must not fail the test.
        }
    }

    private async Task InitAndStartAsync()
    {
        if (IsRoot)
        {
            await RunProcessAsync("chown", ["-R", $"{User}:{User}", _folder]);
        }

        await RunAsync("initdb", "-D", DataDirectory, "-U", User, "--auth=trust", "--encoding=UTF8", "--no-sync");
        _started = true;
        await StartServerAsync();
    }

    /// <summary>
    /// A clean shutdown that does not wait for clients (pg_ctl stop -m fast): their connections are cut, as in a
    /// database restart or a failover. <see cref="StartAgainAsync"/> brings it back on the same port with the same data.
    /// </summary>
    public Task StopAsync() => RunAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");

    public Task StartAgainAsync() => StartServerAsync();

    private Task StartServerAsync()
    {
        var serverOptions = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {Port} -c listen_addresses=127.0.0.1 -k {_folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        return RunAsync("pg_ctl", "-D", DataDirectory, "-l", LogFile, "-o", serverOptions, "-w", "-t", "60", "start");
    }

    /// <summary>One of the server's programs, as the postgres user when we are root; throws with its output when it fails.</summary>
    private Task RunAsync(string program, params string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        return IsRoot ? RunProcessAsync("/usr/sbin/runuser", ["-u", User, "--", path, .. arguments]) : RunProcessAsync(path, arguments);
    }

    private async Task RunProcessAsync(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}\n{log}");
        }
    }
}
