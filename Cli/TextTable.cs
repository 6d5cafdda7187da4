using System.Globalization;
using System.Text;

namespace Dsx.Cli;

/// <summary>A plain-text table: the first <see cref="LeftAlignedColumns"/> columns left-aligned (text), the others right-aligned (numbers).</summary>
internal sealed class TextTable(params string[] headers)
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    private readonly List<string[]> _rows = [];

    public int LeftAlignedColumns { get; init; } = 1;

    public void AddRow(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"Row has {cells.Length} cells, the table {headers.Length} columns.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public string Render()
    {
        var all = _rows.Prepend(headers).ToList();
        var widths = Enumerable.Range(0, headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            var cells = row.Select((cell, c) => c < LeftAlignedColumns ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            text.Append(string.Join("  ", cells).TrimEnd()).Append('\n');
            if (ReferenceEquals(row, headers))
            {
                text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
            }
        }

        return text.ToString();
    }
}
