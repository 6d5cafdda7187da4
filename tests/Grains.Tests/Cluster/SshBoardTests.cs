using Dsx.BoardHost;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>A board reached over ssh: a loopback sshd started by the test, with its own keys and known-hosts file.</summary>
public sealed class SshBoardTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [SshFact]
    public async Task An_exploration_runs_on_a_board_reached_over_ssh_and_one_with_a_wrong_port_fails_saying_why()
    {
        var rootSsh = Snapshot(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh"));
        await using var sshd = await LoopbackSshd.StartAsync();
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        var board = new BoardRegistration(
            "ssh-0", "remote", "ssh", ExecutorLocator.Locate(), "127.0.0.1", sshd.Port, "root", null, null, null, null,
            IdentityFile: sshd.IdentityFile, KnownHostsFile: sshd.KnownHostsFile);
        // Same kind, nothing listening on its port: its episodes go to ssh-0, and it is quarantined with the reason.
        var dead = board with { Id = "ssh-dead", Port = LoopbackSshd.FreePort() };
        await cluster.Farm.AddAsync(board);
        await cluster.Farm.AddAsync(dead);
        var hash = await cluster.UploadAsync("tiny_cnn");

        await cluster.Client.GetGrain<IExplorationGrain>("r").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 6, kind: "remote") with { Repeats = 2 });
        var summary = await cluster.WaitAsync("r", Limit);

        Assert.True(summary.Status == ExplorationStatus.Completed, $"{summary.Status}: {summary.Error}\nsshd:\n{sshd.Log}");
        Assert.Equal(6, summary.Episode);
        var measurements = await cluster.MeasurementsAsync(hash, "remote");
        Assert.NotEmpty(measurements);
        Assert.All(measurements, m => Assert.Equal("ssh-0", m.Board));
        var boards = (await cluster.Farm.ListAsync()).ToDictionary(b => b.Registration.Id);
        Assert.True(boards["ssh-0"].Measurements > 0);
        Assert.Equal(0, boards["ssh-0"].Failures);
        Assert.Equal(0, boards["ssh-dead"].Measurements);
        Assert.Equal(BoardState.Quarantined, boards["ssh-dead"].State);
        Assert.Contains("Connection refused", boards["ssh-dead"].LastError, StringComparison.Ordinal);
        Assert.Contains($"port {dead.Port}", boards["ssh-dead"].LastError, StringComparison.Ordinal);

        // ssh learnt the host key into the board's own file; root's ~/.ssh is as it was.
        Assert.Contains(sshd.HostKey, await File.ReadAllTextAsync(sshd.KnownHostsFile), StringComparison.Ordinal);
        Assert.Equal(rootSsh, Snapshot(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh")));
    }

    /// <summary>A folder's files with their sizes and write times: enough to see that nothing was added or changed.</summary>
    private static string Snapshot(string folder) =>
        Directory.Exists(folder)
            ? string.Join('\n', Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O}"))
            : "(none)";
}
