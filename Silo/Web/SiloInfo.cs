namespace Dsx.Silo.Web;

/// <summary>The answer of <c>GET /api/silo</c>: whether state-changing calls need the API key.</summary>
public sealed record SiloInfo(bool ApiKeyRequired);
