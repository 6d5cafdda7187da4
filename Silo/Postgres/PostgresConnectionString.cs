using System.Globalization;
using Npgsql;

namespace Dsx.Silo.Postgres;

/// <summary>
/// What <c>dsx silo --cluster</c> accepts: a URL, <c>postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require</c>
/// (what hosting providers hand out), or a plain Npgsql connection string (<c>Host=...;Username=...</c>).
/// Both become an Npgsql connection string, which is what Orleans' ADO.NET providers take.
/// </summary>
public static class PostgresConnectionString
{
    public const int DefaultPort = 5432;

    /// <exception cref="PostgresClusterException">Neither form, or no host.</exception>
    public static string Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = text.Contains("://", StringComparison.Ordinal) ? FromUrl(text.Trim()) : FromKeywords(text);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new PostgresClusterException("--cluster names no PostgreSQL host: give postgres://USER:PASSWORD@HOST:PORT/DB or Host=...;Username=...");
        }

        return builder.ConnectionString;
    }

    /// <summary>HOST:PORT/DB, for messages: never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}");
    }

    private static NpgsqlConnectionStringBuilder FromKeywords(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            throw new PostgresClusterException($"--cluster is neither a postgres:// URL nor an Npgsql connection string ({e.Message.Split('\n')[0]})", e);
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("postgres" or "postgresql"))
        {
            throw new PostgresClusterException($"--cluster '{Redact(text)}' is not a postgres://USER:PASSWORD@HOST:PORT/DB URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host.Trim('[', ']'),
            Port = url.IsDefaultPort || url.Port < 0 ? DefaultPort : url.Port,
        };
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        // Query parameters are connection settings (sslmode=require, ...); libpq's names are Npgsql's without the case.
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new PostgresClusterException($"--cluster: '{key}={value}' is not a connection setting Npgsql knows ({e.Message.Split('\n')[0]})", e);
            }
        }

        return builder;
    }

    /// <summary>The URL without its password, for a message.</summary>
    private static string Redact(string text)
    {
        var at = text.LastIndexOf('@');
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme)
        {
            return text;
        }

        var colon = text.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? string.Concat(text.AsSpan(0, colon + 1), "***", text.AsSpan(at)) : text;
    }
}
