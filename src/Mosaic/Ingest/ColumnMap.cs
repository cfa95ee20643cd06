using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// How an operator's call file maps onto the canonical columns: <c>canonical=source</c> pairs,
/// separated by commas (e.g. <c>caller_id=From,callee_id=To,start_time=Datetime</c>), plus
/// <c>time_format=...</c> in .NET (<c>yyyyMMdd HHmm</c>) or strptime (<c>%Y%m%d %H%M</c>) style.
/// Unmapped canonical columns keep their own names.
/// </summary>
public sealed record ColumnMap
{
    /// <summary>The canonical source columns of an operator call file.</summary>
    public static IReadOnlyList<string> CallColumns { get; } =
    [
        "caller_id", "callee_id", "start_time", "duration_s", "kind", "caller_cell", "callee_cell",
        "caller_lat", "caller_lon", "callee_lat", "callee_lon",
    ];

    /// <summary>No renaming, ISO timestamps.</summary>
    public static ColumnMap Identity { get; } = new();

    /// <summary>Canonical name → source header name.</summary>
    public IReadOnlyDictionary<string, string> Renames { get; init; } = new Dictionary<string, string>();

    /// <summary>strptime format of <c>start_time</c>; null accepts ISO 8601 (<c>2026-01-05 13:45[:07[.250]]</c>, <c>T</c> allowed).</summary>
    public string? TimeFormat { get; init; }

    /// <summary>The source column for a canonical column.</summary>
    public string Source(string canonical) => Renames.TryGetValue(canonical, out var source) ? source : canonical;

    /// <summary>Parses the <c>--map</c> text.</summary>
    public static ColumnMap Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Identity;
        }

        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        string? format = null;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new MosaicInputException($"--map: '{pair}' is not of the form canonical=source");
            }

            var key = pair[..equals].Trim();
            var value = pair[(equals + 1)..].Trim();
            if (key == "time_format")
            {
                format = ToStrptime(value);
            }
            else if (!CallColumns.Contains(key))
            {
                throw new MosaicInputException($"--map: '{key}' is not a canonical column (expected one of {string.Join(", ", CallColumns)}, or time_format)");
            }
            else
            {
                renames[key] = value;
            }
        }

        return new ColumnMap { Renames = renames, TimeFormat = format };
    }

    /// <summary>
    /// Converts a .NET-style date format (<c>yyyy MM dd HH mm ss fff</c>) to DuckDB's strptime;
    /// a format that already contains <c>%</c> is returned unchanged.
    /// </summary>
    public static string ToStrptime(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format.Contains('%', StringComparison.Ordinal))
        {
            return format;
        }

        (string Token, string Spec)[] tokens =
        [
            ("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"),
            ("ffffff", "%f"), ("fff", "%g"),
        ];
        var result = new StringBuilder();
        for (var i = 0; i < format.Length;)
        {
            var match = tokens.FirstOrDefault(t => string.CompareOrdinal(format, i, t.Token, 0, t.Token.Length) == 0);
            if (match.Token is not null)
            {
                result.Append(match.Spec);
                i += match.Token.Length;
            }
            else if (char.IsLetter(format[i]))
            {
                throw new MosaicInputException($"time format '{format}': '{format[i]}' is not supported (use yyyy, yy, MM, dd, HH, mm, ss, fff, ffffff or strptime %-codes)");
            }
            else
            {
                result.Append(format[i]);
                i++;
            }
        }

        return result.ToString();
    }
}
