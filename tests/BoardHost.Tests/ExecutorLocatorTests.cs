namespace Dsx.BoardHost.Tests;

public sealed class ExecutorLocatorTests
{
    [Fact]
    public void The_repository_root_is_found_from_the_test_binaries()
    {
        var root = ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "Dsx.sln")));
    }

    [Fact]
    public void No_root_above_a_folder_without_the_solution()
    {
        Assert.Null(ExecutorLocator.FindRepositoryRoot("/"));
    }

    [Fact]
    public async Task A_missing_binary_fails_to_start_with_a_typed_failure()
    {
        var error = await Assert.ThrowsAsync<ExecutorFailureException>(
            () => ExecutorProcess.StartAsync(ExecutorLaunch.Local("/nonexistent/dsx-executor")));

        Assert.Equal(ExecutorFailureKind.StartFailed, error.Failure.Kind);
        Assert.Contains("/nonexistent/dsx-executor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Launch_command_lines_read_as_typed()
    {
        Assert.Equal("/b/dsx-executor --stdio", ExecutorLaunch.Local("/b/dsx-executor").ToString());
        Assert.Equal(
            "qemu-aarch64 -cpu cortex-a72 -L /usr/aarch64-linux-gnu /b/dsx-executor --stdio",
            ExecutorLaunch.Qemu("/b/dsx-executor", cpu: "cortex-a72").ToString());
    }
}
