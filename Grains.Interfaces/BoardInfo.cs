namespace Dsx.Grains;

/// <summary>
/// A board in the farm's listing: registration, state, current exploration, measurements done, failures in a row and in
/// all, and its utilisation: the share (0 to 1) of the time since it joined the farm (or the farm last started) that it was leased.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.BoardInfo")]
public sealed record BoardInfo(
    [property: Id(0)] BoardRegistration Registration,
    [property: Id(1)] BoardState State,
    [property: Id(2)] string? Exploration,
    [property: Id(3)] int Measurements,
    [property: Id(4)] int ConsecutiveFailures,
    [property: Id(5)] int Failures,
    [property: Id(6)] string? LastError,
    [property: Id(7)] double Utilisation);
