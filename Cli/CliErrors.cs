using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Search;
using Dsx.Silo;

namespace Dsx.Cli;

/// <summary>Turns the failures a verb expects into one line on stderr and its exit code: 2 for the command line and files it names, 1 for runtime failures.</summary>
internal static class CliErrors
{
    public static async Task<int> Guard(Func<Task<int>> verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        try
        {
            return await verb();
        }
        catch (Exception e) when (e is UsageException or BoardsFileException or PlanFormatException or InvalidDataException or MeasurementTableFormatException)
        {
            await Console.Error.WriteLineAsync($"dsx: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is ExecutorNotFoundException or ExecutorFailureException or ExecutorErrorException
            or ProtocolVersionMismatchException or ModelImportException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"dsx: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
