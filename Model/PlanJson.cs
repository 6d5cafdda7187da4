using System.Text;
using System.Text.Json;
using Dsx.Wire;
using Google.Protobuf.Reflection;

namespace Dsx.Model;

/// <summary>
/// Reads and writes plan files:
/// <c>{"layers": {"conv1": {"primitive": "gemm_neon", "layout": "NCHW", "precision": "FP32", "threads": 1}}, "default_threads": 1}</c>.
/// Layout and precision are spelled as in the wire schema; per layer only "primitive" is required
/// (layout defaults to NCHW, precision to FP32, threads to 0 = the plan's default).
/// </summary>
public static class PlanJson
{
    private static readonly EnumDescriptor LayoutEnum = DsxExecutorReflection.Descriptor.FindTypeByName<EnumDescriptor>("Layout");
    private static readonly EnumDescriptor PrecisionEnum = DsxExecutorReflection.Descriptor.FindTypeByName<EnumDescriptor>("Precision");

    public static Plan ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlanFormatException(path, "", $"cannot read the file: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static void WriteFile(string path, Plan plan) => File.WriteAllText(path, Write(plan));

    /// <param name="source">Where the text came from, for error messages.</param>
    public static Plan Parse(string json, string source = "<plan>")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PlanFormatException(source, "", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            Expect(root, JsonValueKind.Object, source, "");
            var plan = new Plan();
            var sawLayers = false;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "layers":
                        sawLayers = true;
                        ReadLayers(property.Value, plan, source);
                        break;
                    case "default_threads":
                        plan.DefaultThreads = ReadThreads(property.Value, source, "default_threads");
                        break;
                    default:
                        throw new PlanFormatException(source, property.Name, "unknown key (expected \"layers\" or \"default_threads\")");
                }
            }

            return sawLayers ? plan : throw new PlanFormatException(source, "layers", "missing");
        }
    }

    public static string Write(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("layers");
            foreach (var (name, choice) in plan.Layers)
            {
                writer.WriteStartObject(name);
                writer.WriteString("primitive", choice.Primitive);
                writer.WriteString("layout", LayoutEnum.FindValueByNumber((int)choice.Layout).Name);
                writer.WriteString("precision", PrecisionEnum.FindValueByNumber((int)choice.Precision).Name);
                writer.WriteNumber("threads", choice.Threads);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteNumber("default_threads", plan.DefaultThreads);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void ReadLayers(JsonElement layers, Plan plan, string source)
    {
        Expect(layers, JsonValueKind.Object, source, "layers");
        foreach (var layer in layers.EnumerateObject())
        {
            var key = $"layers.{layer.Name}";
            if (plan.Layers.ContainsKey(layer.Name))
            {
                throw new PlanFormatException(source, key, "layer listed twice");
            }

            plan.Layers.Add(layer.Name, ReadChoice(layer.Value, source, key));
        }
    }

    private static Choice ReadChoice(JsonElement element, string source, string key)
    {
        Expect(element, JsonValueKind.Object, source, key);
        var choice = new Choice { Layout = Layout.Nchw, Precision = Precision.Fp32 };
        foreach (var property in element.EnumerateObject())
        {
            var propertyKey = $"{key}.{property.Name}";
            switch (property.Name)
            {
                case "primitive":
                    Expect(property.Value, JsonValueKind.String, source, propertyKey);
                    choice.Primitive = property.Value.GetString() ?? "";
                    if (choice.Primitive.Length == 0)
                    {
                        throw new PlanFormatException(source, propertyKey, "must not be empty");
                    }

                    break;
                case "layout":
                    choice.Layout = (Layout)ReadEnum(property.Value, LayoutEnum, source, propertyKey);
                    break;
                case "precision":
                    choice.Precision = (Precision)ReadEnum(property.Value, PrecisionEnum, source, propertyKey);
                    break;
                case "threads":
                    choice.Threads = ReadThreads(property.Value, source, propertyKey);
                    break;
                default:
                    throw new PlanFormatException(source, propertyKey, "unknown key (expected \"primitive\", \"layout\", \"precision\" or \"threads\")");
            }
        }

        return choice.Primitive.Length > 0 ? choice : throw new PlanFormatException(source, $"{key}.primitive", "missing");
    }

    private static int ReadEnum(JsonElement element, EnumDescriptor type, string source, string key)
    {
        Expect(element, JsonValueKind.String, source, key);
        var name = element.GetString();
        return type.FindValueByName(name ?? "")?.Number
            ?? throw new PlanFormatException(source, key, $"unknown {type.Name.ToLowerInvariant()} \"{name}\" (expected one of {string.Join(", ", type.Values.Select(v => v.Name))})");
    }

    private static int ReadThreads(JsonElement element, string source, string key)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var threads) || threads < 0)
        {
            throw new PlanFormatException(source, key, $"expected a non-negative integer, got {element.GetRawText()}");
        }

        return threads;
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string source, string key)
    {
        if (element.ValueKind != kind)
        {
            throw new PlanFormatException(source, key, $"expected {Describe(kind)}, got {Describe(element.ValueKind)}");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
