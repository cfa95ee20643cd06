using System.Globalization;
using System.Text;
using Mosaic.Data;

namespace Mosaic.Reporting;

/// <summary>
/// A small CSV table read whole (stage outputs are aggregates, kilobytes to a few megabytes).
/// RFC 4180 quoting; the first line is the header. Empty numeric cells are missing values
/// (the stages write suppressed cells as empty), never zero.
/// </summary>
internal sealed class CsvTable
{
    private readonly Dictionary<string, int> index;

    private CsvTable(string path, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
        index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            index.TryAdd(header[i], i);
        }
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows (each as long as the header; short rows padded with empty cells).</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Reads a CSV file, or returns null when it does not exist.</summary>
    public static CsvTable? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var records = Parse(File.ReadAllText(path, Encoding.UTF8));
        if (records.Count == 0)
        {
            return new CsvTable(path, [], []);
        }

        var header = records[0].Select(h => h.Trim()).ToArray();
        var rows = records.Skip(1)
            .Where(r => !(r.Length == 1 && r[0].Length == 0))
            .Select(r => r.Length >= header.Length ? r : [.. r, .. Enumerable.Repeat("", header.Length - r.Length)])
            .ToList();
        return new CsvTable(path, header, rows);
    }

    /// <summary>True when the column exists.</summary>
    public bool Has(string column) => index.ContainsKey(column);

    /// <summary>The promised columns that are absent, in the order given.</summary>
    public IReadOnlyList<string> Missing(params string[] columns) => [.. columns.Where(c => !Has(c))];

    /// <summary>A cell as text ("" when the column is absent).</summary>
    public string Text(string[] row, string column) => index.TryGetValue(column, out var i) && i < row.Length ? row[i] : "";

    /// <summary>A cell as a number; null when empty, absent, or not a number.</summary>
    public double? Number(string[] row, string column)
    {
        var text = Text(row, column);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>True when the row carries a true <c>suppressed</c> marker.</summary>
    public bool Suppressed(string[] row) =>
        Text(row, "suppressed").Trim().ToUpperInvariant() is "TRUE" or "1" or "YES";

    /// <summary>Writes rows as CSV atomically (quoting only where needed).</summary>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', header.Select(Quote)).Append('\n');
        foreach (var row in rows)
        {
            text.AppendJoin(',', row.Select(Quote)).Append('\n');
        }

        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        return records;
    }
}
