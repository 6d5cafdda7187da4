namespace Dsx.Search;

/// <summary>A measurement table file that cannot be used; the message names the file and what is wrong.</summary>
public sealed class MeasurementTableFormatException : Exception
{
    public MeasurementTableFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        TableSource = source;
    }

    /// <summary>The file (or other source) the table came from.</summary>
    public string TableSource { get; } = "";

    public MeasurementTableFormatException()
    {
    }

    public MeasurementTableFormatException(string message)
        : base(message)
    {
    }

    public MeasurementTableFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
