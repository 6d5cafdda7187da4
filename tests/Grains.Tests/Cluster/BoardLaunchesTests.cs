namespace Dsx.Grains.Tests.Cluster;

/// <summary>The command lines registered boards start with; no process is started.</summary>
public sealed class BoardLaunchesTests
{
    private static readonly BoardRegistration SshBoard =
        new("rpi4-1", "cortex-a72", "ssh", "/opt/dsx/dsx-executor", "rpi4-1.lab", 2222, "dsx", null, null, null, null);

    [Fact]
    public void An_ssh_board_uses_its_own_key_and_known_hosts_file_in_batch_mode()
    {
        var launch = BoardLaunches.For(SshBoard with { IdentityFile = "/keys/rpi4-1", KnownHostsFile = "/keys/known_hosts" });

        Assert.Equal("ssh", launch.Program);
        Assert.Equal(
            "ssh -T -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=15 -p 2222 -i /keys/rpi4-1 -o IdentitiesOnly=yes "
            + "-o UserKnownHostsFile=/keys/known_hosts dsx@rpi4-1.lab /opt/dsx/dsx-executor --stdio",
            launch.ToString());
    }

    [Fact]
    public void An_ssh_board_without_a_key_or_known_hosts_file_uses_the_silo_users_ssh_setup()
    {
        var arguments = BoardLaunches.For(SshBoard with { User = null, Port = null }).Arguments;

        Assert.DoesNotContain("-i", arguments);
        Assert.DoesNotContain(arguments, a => a.StartsWith("UserKnownHostsFile=", StringComparison.Ordinal));
        Assert.Equal(["-p", "22", "rpi4-1.lab", "/opt/dsx/dsx-executor", "--stdio"], arguments.Skip(arguments.Count - 5));
    }

    [Fact]
    public void A_qemu_board_tells_its_executor_it_is_emulated()
    {
        var launch = BoardLaunches.For(new BoardRegistration("a72", "cortex-a72", "qemu", "/b/dsx-executor", null, null, null, null, "cortex-a72", "1", null));

        Assert.Equal("taskset -c 1 qemu-aarch64 -cpu cortex-a72 -L /usr/aarch64-linux-gnu /b/dsx-executor --stdio --emulated", launch.ToString());
    }
}
