using System.Globalization;
using System.Text;
using Mosaic.Data;

namespace Mosaic.Integration;

/// <summary>
/// A small CSV builder for the stage's published tables: invariant culture, shortest round-trip
/// doubles (so equal inputs give byte-identical files), empty fields for suppressed or undefined
/// values, LF line endings. Fields here are group, feature and task names, never free text.
/// </summary>
internal sealed class Csv
{
    private readonly StringBuilder text = new();
    private readonly int width;
    private readonly bool hasSuppressedColumn;

    public Csv(params string[] header)
    {
        width = header.Length;
        hasSuppressedColumn = header.Length > 0 && header[^1] == "suppressed";
        text.Append(string.Join(',', header)).Append('\n');
    }

    public int Rows { get; private set; }

    /// <summary>Rows whose last column, <c>suppressed</c>, is true.</summary>
    public int SuppressedRows { get; private set; }

    public void Add(params object?[] fields)
    {
        if (fields.Length != width)
        {
            throw new ArgumentException($"expected {width} fields, got {fields.Length}", nameof(fields));
        }

        text.Append(string.Join(',', fields.Select(Format))).Append('\n');
        Rows++;
        if (hasSuppressedColumn && fields[^1] is true)
        {
            SuppressedRows++;
        }
    }

    public void WriteTo(string path) => AtomicFile.WriteAllText(path, text.ToString());

    public override string ToString() => text.ToString();

    /// <summary>Empty for null and NaN; booleans lower-case; numbers invariant and round-trip.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
