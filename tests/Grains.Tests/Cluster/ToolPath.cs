namespace Dsx.Grains.Tests.Cluster;

/// <summary>Finds a program as a shell would, plus the sbin folders a non-login PATH may lack (sshd lives there).</summary>
internal static class ToolPath
{
    /// <returns>The program's absolute path, or null when it is not installed.</returns>
    public static string? Find(string program)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]);
        return folders.Select(f => Path.Combine(f, program)).FirstOrDefault(File.Exists);
    }
}
