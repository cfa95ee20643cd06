using System.Globalization;
using System.Text;
using Mosaic.Data;
using Mosaic.Privacy;

namespace Mosaic.Ingest;

/// <summary>
/// The account of every input file: rows read, accepted and rejected by reason, and the rejected
/// records themselves (file, physical line, reason, text). Structural rejects come from
/// DuckDB's reader, semantic ones from the staging tables; their lines and text are found by one
/// streaming pass per file that has rejects. Identifier fields in reject text are replaced by
/// their pseudonyms (or masked) unless raw text is explicitly kept.
/// </summary>
internal sealed class RejectLedger(DuckDbSession session)
{
    /// <summary>Reject text is kept for at most this many records per file; all are counted.</summary>
    public const int MaxDetailedRejectsPerFile = 100_000;

    private readonly List<Entry> entries = [];
    private readonly List<FileReport> reports = [];

    private sealed record Entry(string Path, string Table, CsvFile Csv, int[] IdColumns, string? UserId)
    {
        public List<(long Record, string Reason)> Rejects { get; } = [];

        /// <summary>Line and text of rejected records already found by their reader.</summary>
        public Dictionary<long, (long Line, string Raw)> Located { get; set; } = [];

        public bool Accounted { get; set; }
    }

    /// <summary>The files accounted for so far, in the order they were opened.</summary>
    public IReadOnlyList<FileReport> Files => reports;

    /// <summary>Opens a CSV file, checks its header and registers it. <paramref name="userId"/> marks a bandicoot user file.</summary>
    public CsvFile Open(string path, string table, IReadOnlyList<string> idColumns, char delimiter = ',', string? userId = null)
    {
        var csv = CsvFile.Open(path, delimiter);
        var ids = idColumns.Select(c => csv.Header.ToList().IndexOf(c)).Where(i => i >= 0).ToArray();
        entries.Add(new Entry(path, table, csv, ids, userId));
        return csv;
    }

    /// <summary>The index of a registered file (used in staging tables and DuckDB reject table names).</summary>
    public int IndexOf(string path) => entries.FindIndex(e => e.Path == path);

    /// <summary>Accounts every registered file of a table not yet accounted for.</summary>
    public void AccountAll(string table, string stagedTable)
    {
        foreach (var entry in entries.Where(e => e.Table == table && !e.Accounted).ToList())
        {
            Account(entry.Path, stagedTable);
        }
    }

    /// <summary>Counts a file's rows from its staging table and the reader's rejects.</summary>
    public void Account(string path, string stagedTable)
    {
        var index = IndexOf(path);
        var entry = entries[index];
        var structural = RejectTableExists($"rejects_{index}") ? CsvFile.StructuralRejects(session, $"rejects_{index}") : [];
        var parsed = session.ScalarLong($"SELECT count(*) FROM {stagedTable} WHERE file_index = {index}");
        var semantic = session.Query(
            $"SELECT parsed_row, reason FROM {stagedTable} WHERE file_index = {index} AND reason IS NOT NULL ORDER BY parsed_row",
            r => (Row: r.GetInt64(0), Reason: r.GetString(1)));

        // Parsed rows skip structural rejects: walk both sorted lists to recover record numbers.
        var skipped = structural.Select(s => s.Record).ToList();
        var cursor = 0;
        foreach (var (row, reason) in semantic)
        {
            while (cursor < skipped.Count && skipped[cursor] <= row + cursor)
            {
                cursor++;
            }

            entry.Rejects.Add((row + cursor, reason));
        }

        entry.Rejects.AddRange(structural);
        Record(entry, parsed + structural.Count);
    }

    /// <summary>
    /// Accounts a file read outside DuckDB: records read and the rejected ones (1-based record
    /// number, reason), with the line and text of those the reader already found (the others are
    /// found by a pass over the file when the rejects are written).
    /// </summary>
    public void Account(string path, long read, IEnumerable<(long Record, string Reason)> rejects, Dictionary<long, (long Line, string Raw)> located)
    {
        var entry = entries[IndexOf(path)];
        entry.Rejects.AddRange(rejects);
        entry.Located = located;
        Record(entry, read);
    }

    private void Record(Entry entry, long read)
    {
        entry.Accounted = true;
        var byReason = entry.Rejects.GroupBy(r => r.Reason).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        reports.Add(new FileReport(DisplayName(entry, null), entry.Table, read, read - entry.Rejects.Count, entry.Rejects.Count, byReason));
    }

    private bool RejectTableExists(string name) =>
        session.ScalarLong($"SELECT count(*) FROM duckdb_tables() WHERE table_name = {Sql.Literal(name)}") > 0;

    /// <summary>Replaces bandicoot user file names (which are subscriber ids) by pseudonymous names in the reports.</summary>
    public void Conceal(Pseudonymizer? pseudonymizer)
    {
        for (var i = 0; i < reports.Count; i++)
        {
            var entry = entries.First(e => DisplayName(e, null) == reports[i].File);
            reports[i] = reports[i] with { File = DisplayName(entry, pseudonymizer) };
        }
    }

    /// <summary>
    /// A bandicoot user file is named after the user, so it is shown by its pseudonym; without a
    /// pseudonymiser (<c>--no-pseudonymize</c>) the names are already pseudonyms and shown as given.
    /// </summary>
    private static string DisplayName(Entry entry, Pseudonymizer? pseudonymizer) => entry.UserId is null || pseudonymizer is null
        ? entry.Path
        : Path.Combine(Path.GetDirectoryName(entry.Path) ?? "", $"user-{pseudonymizer.Pseudonymize(entry.UserId):x16}.csv");

    /// <summary>Writes <c>rejects.parquet</c>: <c>file, line, reason, raw</c>, in file and line order.</summary>
    public void WriteRejects(string path, Pseudonymizer? pseudonymizer, bool keepRaw)
    {
        session.Execute("CREATE OR REPLACE TEMP TABLE rejects_out (file VARCHAR, line BIGINT, reason VARCHAR, raw VARCHAR)");
        using (var appender = session.Connection.CreateAppender("rejects_out"))
        {
            foreach (var entry in entries.Where(e => e.Rejects.Count > 0))
            {
                var detailed = entry.Rejects.OrderBy(r => r.Record).Take(MaxDetailedRejectsPerFile).ToList();
                var located = CsvRecordLocator.Locate(entry.Path, detailed.Select(r => r.Record).Where(r => !entry.Located.ContainsKey(r)).ToHashSet());
                foreach (var (record, found) in entry.Located)
                {
                    located[record] = found;
                }

                var name = DisplayName(entry, pseudonymizer);
                foreach (var (record, reason) in detailed)
                {
                    var row = appender.CreateRow().AppendValue(name);
                    if (located.TryGetValue(record, out var found))
                    {
                        row.AppendValue(found.Line).AppendValue(reason)
                            .AppendValue(reason == RejectReason.InvalidUtf8 ? "[not valid UTF-8; withheld]" : keepRaw ? found.Raw : Mask(entry, found.Raw, pseudonymizer));
                    }
                    else
                    {
                        row.AppendNullValue().AppendValue(reason).AppendNullValue();
                    }

                    row.EndRow();
                }
            }
        }

        session.CopyToParquet("SELECT * FROM rejects_out ORDER BY file, line, reason", path);
    }

    private static string Mask(Entry entry, string raw, Pseudonymizer? pseudonymizer)
    {
        if (entry.IdColumns.Length == 0)
        {
            return raw;
        }

        var fields = CsvFile.SplitFields(raw, entry.Csv.Delimiter);
        foreach (var i in entry.IdColumns.Where(i => i < fields.Count))
        {
            fields[i] = fields[i].Trim().Length == 0 ? fields[i]
                : pseudonymizer is null ? "[id]"
                : "#" + pseudonymizer.Pseudonymize(fields[i].Trim()).ToString("x16", CultureInfo.InvariantCulture);
        }

        var builder = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(entry.Csv.Delimiter);
            }

            var field = fields[i];
            builder.Append(field.AsSpan().IndexOfAny(entry.Csv.Delimiter, '"', '\n') >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field);
        }

        return builder.ToString();
    }
}
