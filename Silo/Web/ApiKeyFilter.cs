using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dsx.Silo.Web;

/// <summary>
/// Guards the state-changing endpoints: with a key configured, a request without the right <c>X-Api-Key</c> is 401.
/// The comparison is of SHA-256 digests in constant time, so neither the key's bytes nor its length leak through timing.
/// </summary>
internal sealed class ApiKeyFilter(DsxWebOptions options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (options.ApiKey is { } expected && !Matches(context.HttpContext.Request.Headers[Header].ToString(), expected))
        {
            return ValueTask.FromResult<object?>(Results.Json(new ApiError($"this call changes state: it needs the silo's API key in the {Header} header"), statusCode: StatusCodes.Status401Unauthorized));
        }

        return next(context);
    }

    public static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
