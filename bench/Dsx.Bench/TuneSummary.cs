using System.Text.Json;

namespace Dsx.Bench;

/// <summary>What <c>dsx tune --json</c> said of the plan it found: episodes, whether it uses INT8, the accuracy guard's verdict.</summary>
internal sealed record TuneSummary(int Episodes, bool UsesInt8, string Accuracy)
{
    public static TuneSummary? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var best = root.GetProperty("best");
            var accuracy = best.TryGetProperty("accuracy", out var a) && a.ValueKind == JsonValueKind.Object
                && a.TryGetProperty("checked", out var c) && c.GetBoolean()
                ? $"{(a.GetProperty("passed").GetBoolean() ? "passed" : "rejected")}: {a.GetProperty("reason").GetString()}"
                : "n/a (FP32)";
            return new TuneSummary(root.GetProperty("episodes").GetInt32(), best.GetProperty("uses_int8").GetBoolean(), accuracy);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a 'dsx tune --json' report ({e.Message})", e);
        }
    }
}
