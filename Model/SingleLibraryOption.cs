using Dsx.Wire;

namespace Dsx.Model;

/// <summary>One library used for every conv and FC layer: its conv primitive, its FC primitive and the layouts they run in.</summary>
public sealed record SingleLibraryOption(string ConvPrimitive, string FullyConnectedPrimitive, Layout ConvLayout, Layout FullyConnectedLayout);
