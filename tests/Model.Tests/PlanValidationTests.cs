using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class PlanValidationTests
{
    [Fact]
    public void A_plan_made_for_the_model_is_valid()
    {
        var graph = ModelZoo.Build("tiny_cnn");

        Assert.Empty(PlanValidation.UnknownLayers(graph, PlanFactory.Baseline(graph)));
        Assert.Null(PlanValidation.Check(graph, PlanFactory.Baseline(graph)));
    }

    [Fact]
    public void An_unknown_layer_is_named()
    {
        var graph = ModelZoo.Build("tiny_cnn");
        var plan = PlanFactory.Baseline(graph);
        plan.Layers["conv_99"] = new Choice { Primitive = "ref" };

        Assert.Equal(["conv_99"], PlanValidation.UnknownLayers(graph, plan));
        var message = PlanValidation.Check(graph, plan);
        Assert.NotNull(message);
        Assert.Contains("'conv_99'", message, StringComparison.Ordinal);
        Assert.Contains("tiny_cnn", message, StringComparison.Ordinal);
    }
}
