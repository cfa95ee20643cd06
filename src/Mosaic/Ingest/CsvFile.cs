using System.Text;
using Mosaic.Data;

namespace Mosaic.Ingest;

/// <summary>
/// One CSV input: its header (read and checked before any data), the DuckDB <c>read_csv</c>
/// call that parses it in parallel with every field as text, and the structural rejects that
/// DuckDB reports. Fields are RFC 4180: quotes double to escape, quoted fields may hold the
/// delimiter and newlines; UTF-8 with or without BOM; LF or CRLF line ends.
/// </summary>
internal sealed class CsvFile
{
    private CsvFile(string path, char delimiter, IReadOnlyList<string> header)
    {
        Path = path;
        Delimiter = delimiter;
        Header = header;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The field delimiter.</summary>
    public char Delimiter { get; }

    /// <summary>Column names from the first line, trimmed.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Reads and checks the header line.</summary>
    /// <exception cref="MosaicInputException">The file is empty, binary, or its header is unreadable.</exception>
    public static CsvFile Open(string path, char delimiter = ',')
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new MosaicInputException(path, null, "file not found");
        }

        if (info.Length == 0)
        {
            throw new MosaicInputException(path, 1, "the file is empty (a header line is required)");
        }

        var head = new byte[Math.Min(info.Length, 1 << 16)];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadExactly(head);
        }

        var span = head.AsSpan();
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        var end = span.IndexOfAny((byte)'\n', (byte)'\r');
        if (end < 0 && head.Length < info.Length)
        {
            throw new MosaicInputException(path, 1, "the header line is longer than 64 KiB: this is not a CSV file");
        }

        var line = end < 0 ? span : span[..end];
        if (line.Contains((byte)0))
        {
            throw new MosaicInputException(path, 1, "binary data where a CSV header was expected");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(line);
        }
        catch (DecoderFallbackException)
        {
            throw new MosaicInputException(path, 1, "the header is not valid UTF-8");
        }

        var header = SplitFields(text, delimiter).Select(h => h.Trim()).ToList();
        var other = header.Count == 1 ? ";\t|".FirstOrDefault(c => c != delimiter && text.Contains(c, StringComparison.Ordinal)) : '\0';
        if (other != '\0')
        {
            var name = other == '\t' ? "tab" : $"'{other}'";
            throw new MosaicInputException(path, 1, $"the header has one column; the file looks {name}-separated (expected '{delimiter}'; set --delimiter)");
        }

        var empty = header.IndexOf("");
        if (empty >= 0 && header.Count > 1)
        {
            throw new MosaicInputException(path, 1, $"column {empty + 1} of the header has no name");
        }

        var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MosaicInputException(path, 1, $"column '{duplicate.Key}' appears twice in the header");
        }

        return new CsvFile(path, delimiter, header);
    }

    /// <summary>Splits one record into fields (RFC 4180 quotes; the record may span lines).</summary>
    public static List<string> SplitFields(string line, char delimiter)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }

    /// <summary>True when the header has the column.</summary>
    public bool Has(string column) => Header.Contains(column, StringComparer.Ordinal);

    /// <summary>Fails with exit code 2 naming the file and the first missing column.</summary>
    public void Require(IEnumerable<string> columns, string? hint = null)
    {
        foreach (var column in columns)
        {
            if (!Has(column))
            {
                var suffix = hint is null ? "" : $"; {hint}";
                throw new MosaicInputException(Path, 1, $"missing column '{column}' (the header has: {string.Join(", ", Header)}){suffix}");
            }
        }
    }

    /// <summary>
    /// A <c>read_csv</c> table expression that yields every record as text, in file order, with
    /// structural errors (field count, encoding) diverted to the named reject tables.
    /// </summary>
    public string ReadCsvSql(string rejectsTable, string scansTable) =>
        $"read_csv({Sql.Literal(Path)}, auto_detect = false, header = true, columns = {{{string.Join(", ", Header.Select(h => $"{Sql.Literal(h)}: 'VARCHAR'"))}}}, " +
        $"delim = {Sql.Literal(Delimiter.ToString())}, " +
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, " +
        $"store_rejects = true, rejects_table = {Sql.Literal(rejectsTable)}, rejects_scan = {Sql.Literal(scansTable)}, " +
        "max_line_size = 1048576)";

    /// <summary>
    /// Runs a statement that reads this file through <see cref="ReadCsvSql"/>. Bytes that DuckDB's
    /// CSV reader cannot parse at all (it gives up on the whole file rather than rejecting a row)
    /// are bad input naming the file, not an engine failure.
    /// </summary>
    public void Load(DuckDbSession session, string sql)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            session.Execute(sql);
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (e.Message.StartsWith("Invalid Input Error", StringComparison.Ordinal))
        {
            throw new MosaicInputException(
                $"{Path}: the CSV reader could not parse the file ({e.Message.Split('\n')[0].Trim()}); is it a text CSV file?", e);
        }
    }

    /// <summary>
    /// Structural rejects reported by DuckDB: data record number (1-based, header excluded) and
    /// reason, one per record.
    /// </summary>
    public static List<(long Record, string Reason)> StructuralRejects(DuckDbSession session, string rejectsTable)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Query($"""
            SELECT line - 1 AS record,
                   CASE WHEN bool_or(error_type = 'INVALID ENCODING') THEN '{RejectReason.InvalidUtf8}'
                        WHEN bool_or(error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS')) THEN '{RejectReason.WrongFieldCount}'
                        ELSE '{RejectReason.MalformedCsv}' END AS reason
            FROM {rejectsTable}
            GROUP BY line ORDER BY line
            """, r => (r.GetInt64(0), r.GetString(1)));
    }
}
