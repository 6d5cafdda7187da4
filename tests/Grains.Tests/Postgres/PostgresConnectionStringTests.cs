using Dsx.Grains.Tests.SiloProcesses;
using Dsx.Silo.Postgres;
using Npgsql;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>What <c>dsx silo --cluster</c> accepts, and that what it refuses is said in one line without the password.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void A_url_becomes_an_npgsql_connection_string()
    {
        var parsed = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Parse("postgres://dsx%40ops:p%3Ass@db.example:6543/cluster?sslmode=require"));
        Assert.Equal("db.example", parsed.Host);
        Assert.Equal(6543, parsed.Port);
        Assert.Equal("dsx@ops", parsed.Username);
        Assert.Equal("p:ss", parsed.Password);
        Assert.Equal("cluster", parsed.Database);
        Assert.Equal(SslMode.Require, parsed.SslMode);
    }

    [Fact]
    public void A_url_without_a_port_uses_postgresqls()
    {
        var parsed = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Parse("postgresql://u@h/d"));
        Assert.Equal(PostgresConnectionString.DefaultPort, parsed.Port);
        Assert.Equal("h:5432/d", PostgresConnectionString.Describe(parsed.ConnectionString));
    }

    [Fact]
    public void A_plain_connection_string_is_taken_as_it_is()
    {
        var parsed = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Parse("Host=10.0.0.5;Port=5433;Username=u;Password=p;Database=d"));
        Assert.Equal(("10.0.0.5", 5433, "d"), (parsed.Host, parsed.Port, parsed.Database));
    }

    [Theory]
    [InlineData("http://u:secret@h/d", "is not a postgres://")]
    [InlineData("Hots=h", "neither a postgres:// URL nor an Npgsql connection string")]
    [InlineData("Username=u;Database=d", "names no PostgreSQL host")]
    [InlineData("postgres://u:secret@h/d?nosuchsetting=1", "not a connection setting")]
    public void What_is_not_a_connection_string_is_said_so_without_the_password(string text, string expected)
    {
        var e = Assert.Throws<PostgresClusterException>(() => PostgresConnectionString.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_named_in_one_line()
    {
        var port = FreePorts.Pick(1)[0];
        var e = await Assert.ThrowsAsync<PostgresClusterException>(
            () => PostgresSchema.EnsureAsync(PostgresConnectionString.Parse($"postgres://u:secret@127.0.0.1:{port}/d"), CancellationToken.None));
        Assert.StartsWith($"cannot reach PostgreSQL at 127.0.0.1:{port}/d", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }
}
