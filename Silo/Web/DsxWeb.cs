using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;

namespace Dsx.Silo.Web;

/// <summary>
/// One host for the silo and its web part: Orleans, and on the same process Kestrel serving the Orleans Dashboard at
/// <c>/dashboard</c>, the JSON API at <c>/api</c> and static pages from <c>wwwroot</c> (next to the app) at <c>/</c>.
/// </summary>
public static class DsxWeb
{
    public const string DashboardPath = "/dashboard";

    /// <summary>
    /// Adds the Dsx silo (<see cref="DsxSiloBuilderExtensions.UseDsx"/>) to the host, and with <paramref name="web"/> its
    /// web part. Null <paramref name="web"/>: a silo without HTTP.
    /// </summary>
    public static IHostBuilder UseDsxSilo(this IHostBuilder builder, DsxSiloOptions options, DsxWebOptions? web)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.UseOrleans(silo =>
        {
            silo.UseDsx(options);
            if (web is not null)
            {
                // The dashboard's grains and call profiling run in the silo; its pages are mapped on Kestrel below.
                silo.AddDashboard();
            }
        });
        if (web is null)
        {
            return builder;
        }

        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return builder.ConfigureWebHost(host => host
            .UseKestrel()
            .UseUrls(web.Urls)
            .UseWebRoot(webRoot)
            .ConfigureServices(services =>
            {
                services.AddRouting();
                services.AddSingleton(web);
                // camelCase is the web default; enums as their names, so a status reads "Running", not 1.
                services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
            })
            .Configure(app =>
            {
                // The exploration pages are static files calling /api: index.html at '/', the rest by name.
                if (Directory.Exists(webRoot))
                {
                    var files = new PhysicalFileProvider(webRoot);
                    app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
                    app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
                }

                app.UseRouting();
                app.UseEndpoints(endpoints =>
                {
                    endpoints.MapOrleansDashboard(DashboardPath);
                    endpoints.MapDsxApi();
                    // Pages with a path of their own: the same static file for every id; its script reads the id from the path.
                    endpoints.MapGet("/explorations/{id}", () => Page(webRoot, "exploration.html"));
                    endpoints.MapGet("/boards", () => Page(webRoot, "boards.html"));
                });
            }));
    }

    private static IResult Page(string webRoot, string file) => Results.File(Path.Combine(webRoot, file), "text/html; charset=utf-8");

    /// <summary>The addresses Kestrel is bound to once the host has started (a port 0 in the URLs resolved).</summary>
    public static IReadOnlyList<string> Addresses(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return [.. host.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
    }
}
