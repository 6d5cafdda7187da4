using Dsx.Wire;

namespace Dsx.Model;

/// <summary>An activation fused into a Conv/FullyConnected epilogue (the wire's FusedActivation + clamp bounds).</summary>
public sealed record Activation(FusedActivation Kind, float Min, float Max)
{
    public static Activation None { get; } = new(FusedActivation.FusedNone, 0f, 0f);

    public static Activation Relu { get; } = new(FusedActivation.FusedRelu, 0f, float.PositiveInfinity);

    /// <summary>ReLU6 as MobileNet uses it: clamp(0, 6).</summary>
    public static Activation Relu6 { get; } = Clip(0f, 6f);

    public static Activation Clip(float min, float max) => new(FusedActivation.FusedClip, min, max);
}
