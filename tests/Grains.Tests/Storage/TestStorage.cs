using Dsx.Silo.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Dsx.Grains.Tests.Storage;

/// <summary>Storage instances outside a silo, with Orleans' System.Text.Json serializer in place of the silo's.</summary>
internal static class TestStorage
{
    private static readonly IGrainStorageSerializer Serializer =
        new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    public static SqliteGrainStorage Open(string path, string name = "test") =>
        new(name, new SqliteStorageOptions { Path = path, GrainStorageSerializer = Serializer }, NullLogger<SqliteGrainStorage>.Instance);

    public static GrainId Grain(string key) => GrainId.Create("testgrain", key);
}
