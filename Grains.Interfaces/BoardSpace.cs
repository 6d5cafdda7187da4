namespace Dsx.Grains;

/// <summary>What a board's executor offers for a model: its capabilities (wire <c>HelloReply</c>) and design space (wire <c>DesignSpaceReply</c>), serialised.</summary>
[GenerateSerializer, Immutable, Alias("Dsx.BoardSpace")]
public sealed record BoardSpace([property: Id(0)] byte[] Hello, [property: Id(1)] byte[] DesignSpace);
