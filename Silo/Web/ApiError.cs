namespace Dsx.Silo.Web;

/// <summary>The body of every error the API answers (404, 401, 409): one message a script can print.</summary>
public sealed record ApiError(string Error);
