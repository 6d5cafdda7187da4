using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dsx.Cli;

/// <summary>Range checks of the verbs' numeric options, each a one-line usage error.</summary>
internal static class OptionChecks
{
    public static void AtLeast(this Option<int> option, int minimum) =>
        option.Require(v => v >= minimum, $"{option.Name} must be at least {minimum}.");

    public static void Require<T>(this Option<T> option, Func<T, bool> ok, string message) =>
        option.Validators.Add(r =>
        {
            if (TryGetValue(r, out T value) && !ok(value))
            {
                r.AddError(message);
            }
        });

    // Validators also run when the value did not parse ("--repeats many"): System.CommandLine reports that itself,
    // and reading the value would throw, so there is nothing to check.
    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
