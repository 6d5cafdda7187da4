using System.CommandLine;

namespace Dsx.Cli;

/// <summary>What every client verb shares: the <c>--gateway</c> option, the connection, and errors from the silo turned into exit codes.</summary>
internal static class ClientVerb
{
    public static Option<string> GatewayOption() => new("--gateway")
    {
        Description = $"The silo gateway to talk to, HOST:PORT (default {ClusterConnection.DefaultGateway}; 'dsx silo --gateway-port' sets it).",
        DefaultValueFactory = _ => ClusterConnection.DefaultGateway,
    };

    public static Task<int> RunAsync(string gateway, Func<IClusterClient, Task<int>> verb, CancellationToken cancellationToken) =>
        CliErrors.Guard(async () =>
        {
            await using var connection = await ClusterConnection.ConnectAsync(gateway, cancellationToken);
            try
            {
                return await verb(connection.Client);
            }
            catch (ArgumentException e)
            {
                // The silo refused what we sent (a spec, a board registration): the command line's fault.
                throw new UsageException(e.Message + ".");
            }
            catch (InvalidOperationException e)
            {
                throw new IOException(e.Message, e);
            }
        });
}
