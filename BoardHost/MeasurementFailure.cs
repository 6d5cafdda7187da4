using System.Globalization;
using System.Text.RegularExpressions;
using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>
/// Why one request to a board produced no measurement. For a crash, <see cref="Layer"/> and
/// <see cref="Primitive"/> come from the executor's dying words on stderr
/// (<c>dsx-executor: crashed (signal 11) in layer 'conv1' running primitive 'fault_crash'</c>) when it wrote them;
/// for an executor error, from the typed Error reply.
/// </summary>
/// <param name="Operation">The request that failed, e.g. "Measure of 3fa2... (7 planned layers, ...)".</param>
/// <param name="ErrorCode">For <see cref="MeasurementFailureKind.ExecutorError"/>: the executor's error code.</param>
/// <param name="Restarted">True when the session started a fresh executor afterwards (and reloaded its models).</param>
public sealed partial record MeasurementFailure(
    MeasurementFailureKind Kind,
    string Operation,
    string Detail,
    int? ExitCode = null,
    int? Signal = null,
    string Layer = "",
    string Primitive = "",
    string StderrTail = "",
    ErrorCode? ErrorCode = null,
    bool Restarted = false)
{
    /// <summary>From a dead executor: Timeout becomes Hang, everything else a Crash.</summary>
    public static MeasurementFailure FromExecutorFailure(ExecutorFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var kind = failure.Kind == ExecutorFailureKind.Timeout ? MeasurementFailureKind.Hang : MeasurementFailureKind.Crash;
        var (signal, layer, primitive) = ParseCrashLine(failure.StderrTail);
        return new MeasurementFailure(
            kind,
            failure.Operation,
            failure.Detail,
            failure.ExitCode,
            failure.Signal ?? signal,
            layer,
            primitive,
            failure.StderrTail);
    }

    public static MeasurementFailure FromExecutorError(ExecutorErrorException error, string operation)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new MeasurementFailure(
            MeasurementFailureKind.ExecutorError, operation, error.Detail, Layer: error.Layer, Primitive: error.Primitive, ErrorCode: error.Code);
    }

    /// <summary>
    /// The signal, layer and primitive of the last <c>dsx-executor: crashed (signal N) in layer 'L' running primitive 'P'</c>
    /// line in <paramref name="stderr"/>; empty strings and null where absent.
    /// </summary>
    public static (int? Signal, string Layer, string Primitive) ParseCrashLine(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var match = CrashLine().Matches(stderr).LastOrDefault();
        if (match is null)
        {
            return (null, "", "");
        }

        return (
            int.Parse(match.Groups["signal"].Value, CultureInfo.InvariantCulture),
            match.Groups["layer"].Success ? match.Groups["layer"].Value : "",
            match.Groups["primitive"].Success ? match.Groups["primitive"].Value : "");
    }

    public override string ToString()
    {
        var what = Kind switch
        {
            MeasurementFailureKind.Crash => "crashed",
            MeasurementFailureKind.Hang => "hung",
            _ => $"refused with {ErrorCode}",
        };
        var where = string.Join(", ", new[] { Layer.Length > 0 ? $"layer '{Layer}'" : "", Primitive.Length > 0 ? $"primitive '{Primitive}'" : "" }.Where(p => p.Length > 0));
        var how = (ExitCode, Signal) switch
        {
            (_, { } signal) => $" (signal {signal})",
            ({ } code, _) => $" (exit code {code})",
            _ => "",
        };
        var text = $"executor {what}{how} during {Operation}{(where.Length == 0 ? "" : $" in {where}")}: {Detail}";
        if (Restarted)
        {
            text += " [executor restarted]";
        }

        return StderrTail.Length == 0 || Kind == MeasurementFailureKind.ExecutorError
            ? text
            : $"{text}\n--- executor stderr (tail) ---\n{StderrTail}";
    }

    [GeneratedRegex(@"dsx-executor: crashed \(signal (?<signal>\d+)\)(?: in layer '(?<layer>[^']*)')?(?: running primitive '(?<primitive>[^']*)')?")]
    private static partial Regex CrashLine();
}
