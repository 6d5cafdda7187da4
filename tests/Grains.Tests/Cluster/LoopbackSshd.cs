using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Dsx.BoardHost.Tests;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>
/// A throw-away sshd on 127.0.0.1 and a free port, for root logins with a client key made for it: its config, host
/// key, client key, authorized_keys and the client's known-hosts file all live in one temp folder, so neither the
/// system's sshd nor root's ~/.ssh is used or changed. Disposing kills it (and its sessions) and deletes the folder.
/// </summary>
internal sealed class LoopbackSshd : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(20);
    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private LoopbackSshd(string folder, int port, Process process)
    {
        Folder = folder;
        Port = port;
        _process = process;
    }

    /// <summary>Null when the ssh tests can run: root (sshd logs in as root), sshd, ssh and ssh-keygen installed, the x86 executor built.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    public string Folder { get; }

    public int Port { get; }

    /// <summary>The client's private key (0600, as ssh demands).</summary>
    public string IdentityFile => Path.Combine(Folder, "client_ed25519");

    /// <summary>The client's known-hosts file: ssh adds this sshd's host key here (accept-new), not to ~/.ssh.</summary>
    public string KnownHostsFile => Path.Combine(Folder, "known_hosts");

    /// <summary>The host key's base64 text, as a known-hosts line holds it (the host part may be hashed, the key is not).</summary>
    public string HostKey => File.ReadAllText(Path.Combine(Folder, "host_ed25519.pub")).Split(' ')[1];

    /// <summary>What sshd wrote to stderr (-e), for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<LoopbackSshd> StartAsync()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the loopback sshd is for Linux");
        }

        var folder = Path.Combine(Path.GetTempPath(), "dsx-sshd-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            return await StartInAsync(folder);
        }
        catch when (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>A port nothing listens on now (the OS's pick for a socket closed at once).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Gone already, or the kill is still on its way: nothing more a test can do.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS: a failed clean-up must not fail the test.
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<LoopbackSshd> StartInAsync(string folder)
    {
        await KeygenAsync(Path.Combine(folder, "host_ed25519"));
        await KeygenAsync(Path.Combine(folder, "client_ed25519"));
        var authorizedKeys = Path.Combine(folder, "authorized_keys");
        await File.WriteAllTextAsync(authorizedKeys, await File.ReadAllTextAsync(Path.Combine(folder, "client_ed25519.pub")));
        File.SetUnixFileMode(authorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(folder, "sshd_config");
        // StrictModes no: it checks every folder above AuthorizedKeysFile up to /, and the temp folder's parent (/tmp) is
        // world-writable; the files themselves are 0600 in a 0700 folder. No PAM: root logs in by key only, and a PAM
        // session would touch the system's login records.
        await File.WriteAllTextAsync(config, $"""
            ListenAddress 127.0.0.1
            HostKey {folder}/host_ed25519
            AuthorizedKeysFile {authorizedKeys}
            PidFile none
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            UseDNS no
            LogLevel VERBOSE

            """);
        // sshd refuses to start without its privilege-separation folder; Debian's service unit creates it, a container
        // that never started the service has none.
        Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var port = FreePort();
        var start = new ProcessStartInfo(ToolPath.Find("sshd") ?? throw new InvalidOperationException("sshd is not installed"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // sshd re-executes itself, so it must be named by its absolute path.
        foreach (var argument in new[] { "-D", "-e", "-f", config, "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("sshd did not start");
        var sshd = new LoopbackSshd(folder, port, process);
        process.ErrorDataReceived += (_, e) => sshd.Append(e.Data);
        process.OutputDataReceived += (_, e) => sshd.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await sshd.WaitListeningAsync();
            return sshd;
        }
        catch
        {
            await sshd.DisposeAsync();
            throw;
        }
    }

    private static string? Probe()
    {
        if (ExecutorAvailability.SkipReason is { } reason)
        {
            return reason;
        }

        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess)
        {
            return "the ssh board tests start sshd for root logins: run them as root.";
        }

        if (Environment.GetEnvironmentVariable(ExecutorAvailability.RequireVariable) == "1")
        {
            return null;
        }

        var missing = new[] { "sshd", "ssh", "ssh-keygen" }.Where(p => ToolPath.Find(p) is null).ToList();
        return missing.Count == 0 ? null : $"{string.Join(", ", missing)} not installed (./dsx setup installs openssh-server and openssh-client).";
    }

    private static async Task KeygenAsync(string file)
    {
        var start = new ProcessStartInfo(ToolPath.Find("ssh-keygen") ?? throw new InvalidOperationException("ssh-keygen is not installed"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "dsx-test", "-f", file })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ssh-keygen did not start");
        var error = process.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(wait.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen -f {file} failed: {await error}");
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>Until sshd accepts connections; fails with its log when it exits or takes too long.</summary>
    private async Task WaitListeningAsync()
    {
        var until = DateTime.UtcNow + StartLimit;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with code {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"sshd did not listen on 127.0.0.1:{Port} within {StartLimit}:\n{Log}", e);
            }
        }
    }
}
