namespace Dsx.Silo.Web;

/// <summary>
/// The silo's web part: where it listens (loopback unless told otherwise, so a silo started on a shared machine
/// exposes nothing) and the key that state-changing API calls must carry.
/// </summary>
public sealed record DsxWebOptions
{
    public const int DefaultPort = 8080;

    /// <summary>Loopback only: opening the API to the network is a decision, made with <c>--urls</c>.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Kestrel's URLs, separated by ';' (port 0: a free port, read back with <see cref="DsxWeb.Addresses"/>).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>Null: POSTs are open (fine on loopback). Set: every POST under <c>/api</c> needs it in <c>X-Api-Key</c>.</summary>
    public string? ApiKey { get; init; }
}
