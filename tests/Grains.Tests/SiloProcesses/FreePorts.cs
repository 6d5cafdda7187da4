using System.Net;
using System.Net.Sockets;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// Loopback ports nothing listens on right now, so a test's silo or server does not collide with a developer's (30000)
/// or another test's. The OS picks them and they are released before use, so a race is possible but rare.
/// </summary>
internal static class FreePorts
{
    /// <summary>Distinct ports: all listeners are open at once, so the OS cannot hand out the same one twice.</summary>
    public static int[] Pick(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
