using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class PlanJsonTests
{
    [Fact]
    public void Write_then_parse_round_trips()
    {
        var plan = PlanFactory.SingleLibrary(ModelZoo.Build("tiny_cnn"), "xnnpack", threads: 2);
        plan.Layers["conv4"] = new Choice { Primitive = "int8_gemm", Layout = Layout.Nchw8C, Precision = Precision.Int8, Threads = 4 };

        var json = PlanJson.Write(plan);
        var back = PlanJson.Parse(json);

        Assert.Equal(plan, back);
        Assert.Contains("\"layout\": \"NCHW8C\"", json, StringComparison.Ordinal);
        Assert.Contains("\"precision\": \"INT8\"", json, StringComparison.Ordinal);
        Assert.Contains("\"default_threads\": 2", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_round_trip()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dsx-plan-{Guid.NewGuid():N}.json");
        try
        {
            var plan = PlanFactory.Baseline(ModelZoo.Build("tiny_cnn"));
            PlanJson.WriteFile(path, plan);

            Assert.Equal(plan, PlanJson.ReadFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_documented_format_parses_with_defaults()
    {
        var plan = PlanJson.Parse("""
            {"layers": {"conv1": {"primitive": "gemm_neon", "layout": "NCHW", "precision": "FP32", "threads": 1},
                        "fc": {"primitive": "blas"}},
             "default_threads": 1}
            """);

        Assert.Equal(new Choice { Primitive = "gemm_neon", Layout = Layout.Nchw, Precision = Precision.Fp32, Threads = 1 }, plan.Layers["conv1"]);
        Assert.Equal(new Choice { Primitive = "blas", Layout = Layout.Nchw, Precision = Precision.Fp32, Threads = 0 }, plan.Layers["fc"]);
        Assert.Equal(1, plan.DefaultThreads);
    }

    [Theory]
    [InlineData("""{"layers": {"conv1": {"primitive": "ref", "layout": "NWHC"}}}""", "layers.conv1.layout", "NWHC")]
    [InlineData("""{"layers": {"conv1": {"primitive": "ref", "precision": "FP16"}}}""", "layers.conv1.precision", "FP16")]
    [InlineData("""{"layers": {"conv1": {"primitive": "ref", "threads": -1}}}""", "layers.conv1.threads", "non-negative")]
    [InlineData("""{"layers": {"conv1": {"primitive": "ref", "thread": 2}}}""", "layers.conv1.thread", "unknown key")]
    [InlineData("""{"layers": {"conv1": {"layout": "NCHW"}}}""", "layers.conv1.primitive", "missing")]
    [InlineData("""{"layers": {"conv1": "ref"}}""", "layers.conv1", "expected an object")]
    [InlineData("""{"layers": {}, "default_threads": "two"}""", "default_threads", "non-negative")]
    [InlineData("""{"default_threads": 1}""", "layers", "missing")]
    [InlineData("""{"layers": {}, "fallback": {}}""", "fallback", "unknown key")]
    public void Errors_name_the_file_and_the_key(string json, string key, string problem)
    {
        var error = Assert.Throws<PlanFormatException>(() => PlanJson.Parse(json, "plans/bad.json"));

        Assert.Equal("plans/bad.json", error.Origin);
        Assert.Equal(key, error.Key);
        Assert.StartsWith($"plans/bad.json: '{key}': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_json_names_the_file_and_the_line()
    {
        var error = Assert.Throws<PlanFormatException>(() => PlanJson.Parse("{\"layers\": {\n  \"conv1\": }", "p.json"));

        Assert.StartsWith("p.json: not valid JSON (line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_plan_format_error_naming_it()
    {
        var error = Assert.Throws<PlanFormatException>(() => PlanJson.ReadFile("/nonexistent/plan.json"));

        Assert.Contains("/nonexistent/plan.json", error.Message, StringComparison.Ordinal);
    }
}
