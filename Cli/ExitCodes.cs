namespace Dsx.Cli;

public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran but something failed: executor missing, crashed, or answered with an error.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
}
