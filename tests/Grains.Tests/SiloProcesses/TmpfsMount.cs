using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// A small tmpfs of its own (root only), to give a silo's SQLite file a disk that can be filled or made read-only for
/// real; unmounted and removed on dispose. <see cref="SkipReason"/> says why it cannot be had here.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    private TmpfsMount(string path) => Path = path;

    /// <summary>Null when a tmpfs can be mounted here (root, mount permitted) and the executor a silo needs is found.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    public static TmpfsMount Create(long bytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dsx-tmpfs-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var error = Run("mount", ["-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={bytes},mode=0755"), "tmpfs", path]);
        if (error is not null)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs {path}: {error}");
        }

        return new TmpfsMount(path);
    }

    public void ReadOnly() => Remount("ro");

    public void ReadWrite() => Remount("rw");

    /// <summary>Writes a filler file until the file system says it is full (ENOSPC): nothing more fits.</summary>
    public void Fill()
    {
        var block = new byte[64 * 1024];
        // Unbuffered: a write the file system refuses must not linger in a buffer that the dispose would retry.
        using var filler = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // Full, down to the last block a 64 KiB write could not take.
        }

        // The last partial block: fill what remains byte-wise in small pieces, so the file system has nothing left.
        for (var size = 4096; size >= 1; size /= 2)
        {
            try
            {
                while (true)
                {
                    filler.Write(block, 0, size);
                }
            }
            catch (IOException)
            {
                // Nothing of this size fits any more.
            }
        }
    }

    /// <summary>Frees what <see cref="Fill"/> took.</summary>
    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        // Lazy: a silo killed a moment ago may still have the file open.
        Run("umount", ["-l", Path]);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    private static string? Probe()
    {
        if (!ExecutorLocator.TryLocate(out _, out var reason))
        {
            return reason;
        }

        if (Environment.UserName != "root")
        {
            return "needs root to mount a tmpfs (CI runs ./dsx test as root)";
        }

        try
        {
            using var probe = Create(1 << 20);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a tmpfs here: {e.Message.Split('\n')[0]}";
        }
    }

    private void Remount(string mode)
    {
        if (Run("mount", ["-o", $"remount,{mode}", Path]) is { } error)
        {
            throw new InvalidOperationException($"mount -o remount,{mode} {Path}: {error}");
        }
    }

    /// <summary>Runs mount or umount; null when it worked, else what it printed.</summary>
    private static string? Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var error = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            return $"{program} did not finish within 30 s";
        }

        return process.ExitCode == 0 ? null : error.Trim();
    }
}
