using Dsx.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dsx.Silo.Web;

/// <summary>
/// The JSON API under <c>/api</c> (docs/api.md): thin calls to the grains of this silo, which the exploration pages and
/// scripts share. Reads are open; POSTs go through <see cref="ApiKeyFilter"/>.
/// </summary>
public static class DsxApi
{
    public static IEndpointRouteBuilder MapDsxApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/api");
        api.MapGet("/explorations", async (IGrainFactory grains) =>
        {
            var ids = await grains.GetGrain<IExplorationRegistryGrain>(0).ListAsync();
            var summaries = await Task.WhenAll(ids.Select(id => grains.GetGrain<IExplorationGrain>(id).GetSummaryAsync()));
            return Results.Ok(summaries.OrderBy(s => s.CreatedAt).ToList());
        });
        api.MapGet("/explorations/{id}", (string id, IGrainFactory grains) =>
            WithExplorationAsync(grains, id, e => e.GetReportAsync()));
        api.MapGet("/boards", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IBoardFarmGrain>(0).ListAsync()));
        // What a page needs to know of the silo itself: whether its buttons must send a key.
        api.MapGet("/silo", (DsxWebOptions options) => Results.Ok(new SiloInfo(options.ApiKey is not null)));

        var changes = api.MapGroup("/explorations/{id}").AddEndpointFilter<ApiKeyFilter>();
        changes.MapPost("/pause", (string id, IGrainFactory grains) => WithExplorationAsync(grains, id, e => e.PauseAsync()));
        changes.MapPost("/resume", (string id, IGrainFactory grains) => WithExplorationAsync(grains, id, e => e.ResumeAsync()));
        changes.MapPost("/cancel", (string id, IGrainFactory grains) => WithExplorationAsync(grains, id, e => e.CancelAsync()));
        return endpoints;
    }

    /// <summary>
    /// 404 for an id the registry does not hold: a grain answers for any key, so asking it would invent an empty
    /// exploration instead of saying there is none.
    /// </summary>
    private static async Task<IResult> WithExplorationAsync<T>(IGrainFactory grains, string id, Func<IExplorationGrain, Task<T>> call)
    {
        if (!(await grains.GetGrain<IExplorationRegistryGrain>(0).ListAsync()).Contains(id, StringComparer.Ordinal))
        {
            return Results.NotFound(new ApiError($"no exploration '{id}'"));
        }

        return Results.Ok(await call(grains.GetGrain<IExplorationGrain>(id)));
    }
}
