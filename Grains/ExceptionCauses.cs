namespace Dsx.Grains;

/// <summary>An exception and all its causes, depth first: what failed deep inside Orleans' or a driver's wrappers.</summary>
public static class ExceptionCauses
{
    public static IEnumerable<Exception> Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        yield return exception;
        var inner = exception is AggregateException aggregate
            ? aggregate.InnerExceptions
            : (IEnumerable<Exception>)(exception.InnerException is null ? [] : [exception.InnerException]);
        foreach (var cause in inner.SelectMany(Of))
        {
            yield return cause;
        }
    }
}
