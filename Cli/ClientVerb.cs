using System.CommandLine;
using Dsx.Silo;

namespace Dsx.Cli;

/// <summary>What every client verb shares: the <c>--gateway</c> option, the connection, and errors from the silo turned into exit codes.</summary>
internal static class ClientVerb
{
    public static Option<string> GatewayOption() => new("--gateway")
    {
        Description = $"The silo gateway to talk to, HOST:PORT (default {ClusterConnection.DefaultGateway}; 'dsx silo --gateway-port' sets it).",
        DefaultValueFactory = _ => ClusterConnection.DefaultGateway,
    };

    public static Option<string> ClusterIdOption() => new("--cluster-id")
    {
        Description = $"The cluster id the silo was started with ('dsx silo --cluster-id'; default {DsxClusterOptions.DefaultClusterId}).",
        DefaultValueFactory = _ => DsxClusterOptions.DefaultClusterId,
    };

    /// <summary>Runs a verb against the silo at the gateway and cluster id the parse result names.</summary>
    public static Task<int> RunAsync(ParseResult result, Func<IClusterClient, Task<int>> verb, CancellationToken cancellationToken) =>
        CliErrors.Guard(async () =>
        {
            var gateway = result.GetValue<string>("--gateway")!;
            var clusterId = result.GetValue<string>("--cluster-id")!;
            await using var connection = await ClusterConnection.ConnectAsync(gateway, clusterId, cancellationToken);
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
