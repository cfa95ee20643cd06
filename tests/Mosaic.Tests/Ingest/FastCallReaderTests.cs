using System.Globalization;
using System.Text;
using Mosaic.Data;
using Mosaic.Ingest;
using Mosaic.Privacy;
using Mosaic.Runs;

namespace Mosaic.Tests.Ingest;

/// <summary>
/// The fast reader against the general (DuckDB) reader, which is the reference: the same file
/// must give the same report, rejects and calls, in the same order, at any thread count.
/// </summary>
public class FastCallReaderTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("fast-reader-test-key-0123456789");

    /// <summary>
    /// A plain file with every reject reason the fast reader decides itself, exact duplicates
    /// (some with empty cells), ties in time, both timestamp lengths and separators, spaces
    /// around fields, kinds in mixed case and signed durations.
    /// </summary>
    private static string PlainCalls(int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\n");
        var previous = new List<string>();
        for (var i = 0; i < rows; i++)
        {
            if (previous.Count > 0 && random.Next(25) == 0)
            {
                text.Append(previous[random.Next(previous.Count)]).Append('\n'); // exact duplicate
                continue;
            }

            var caller = $"+9055{random.Next(60):D4}";
            var callee = random.Next(40) == 0 ? caller : $"+9055{random.Next(60):D4}";
            var time = new DateTime(2026, 1, 1).AddMinutes(random.Next(600));
            var start = random.Next(4) switch
            {
                0 => time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                1 => time.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                _ => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            };
            var kind = random.Next(10) switch { 0 => "TEXT", 1 => "Call", 2 => "fax", 3 => "", 4 => "text", _ => "call" };
            var duration = random.Next(12) switch { 0 => "", 1 => "-3", 2 => "90000", 3 => "+42", 4 => " 7 ", _ => random.Next(600).ToString(CultureInfo.InvariantCulture) };
            string Cell() => random.Next(15) switch { 0 => "", 1 => "C99", _ => $"C{random.Next(1, 6)}" };
            var line = string.Join(',',
                random.Next(60) == 0 ? "" : random.Next(30) == 0 ? $" {caller} " : caller,
                random.Next(60) == 0 ? " " : callee,
                random.Next(80) == 0 ? "" : start,
                duration, kind, Cell(), Cell());
            previous.Add(line);
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static (IngestReport Report, string Out, Manifest Manifest) Ingest(TempFolder dir, string name, string calls, bool fast, int threads) =>
        Ingest(dir, name, [calls], fast, threads);

    /// <summary>Ingests one call file per entry of <paramref name="calls"/> (written once, as name.csv, name-2.csv, ...).</summary>
    private static (IngestReport Report, string Out, Manifest Manifest) Ingest(TempFolder dir, string name, string[] calls, bool fast, int threads)
    {
        var paths = calls.Select((_, i) => dir.File(i == 0 ? name + ".csv" : $"{name}-{i + 1}.csv")).ToList();
        for (var i = 0; i < calls.Length; i++)
        {
            if (!File.Exists(paths[i]))
            {
                File.WriteAllText(paths[i], calls[i]);
            }
        }

        var cells = dir.Write("cells.csv", "cell_id,lat,lon\nC1,41.0,29.0\nC2,41.1,29.1\nC3,41.2,29.2\nC4,41.3,29.3\nC5,41.4,29.4\n");
        // Subscribers that make calls and one that does not: their pseudonyms must agree with the calls'.
        var subscribers = dir.Write("subscribers.csv", "subscriber_id,birthplace,is_refugee,age,gender\n+90550001,Syria,true,30,f\n+90550002,Turkey,false,41,m\nnobody,Turkey,false,50,m\n");
        var output = dir.File($"{name}-{(fast ? "fast" : "general")}-{threads}");
        using var pseudonymizer = new Pseudonymizer(Key);
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = paths,
            CellsFile = cells,
            SubscribersFile = subscribers,
            OutputFolder = output,
            Pseudonymizer = pseudonymizer,
            MaxRejectRate = 1.0,
            FastReader = fast,
            Engine = new EngineOptions(Threads: threads),
        });
        var manifest = Manifest.ReadFrom(output)!;
        return (report, output, manifest);
    }

    private static List<string> Rows(string folder, string sql)
    {
        using var session = new DuckDbSession();
        DataFolder.Attach(session, folder);
        session.Execute($"CREATE VIEW rejects AS SELECT * FROM read_parquet({Sql.Literal(Path.Combine(folder, IngestStage.RejectsFile))})");
        return session.Query(sql, r => string.Join('|', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Run_PlainFile_FastReaderMatchesGeneralReader()
    {
        using var dir = new TempFolder();
        var calls = PlainCalls(4000, seed: 7);
        var general = Ingest(dir, "calls", calls, fast: false, threads: 2);
        var fast = Ingest(dir, "calls", calls, fast: true, threads: 2);

        Assert.Contains("calls_staging_fast", fast.Manifest.TimingsSeconds.Keys);
        Assert.DoesNotContain("calls_staging_fast", general.Manifest.TimingsSeconds.Keys);
        var generalCalls = general.Report.Files.Single(f => f.Table == CanonicalTables.Calls);
        var fastCalls = fast.Report.Files.Single(f => f.Table == CanonicalTables.Calls);
        Assert.Equal(generalCalls, fastCalls, new FileReportComparer());
        // Every reason the fast reader decides occurs, so each is compared with the reference.
        Assert.Superset(
            new HashSet<string> { RejectReason.EmptyId, RejectReason.BadTimestamp, RejectReason.BadDuration, RejectReason.NegativeDuration, RejectReason.AbsurdDuration,
                RejectReason.UnknownKind, RejectReason.SelfCall, RejectReason.UnknownCell, RejectReason.Duplicate },
            fastCalls.RejectedByReason.Keys.ToHashSet());
        Assert.Equal(9, fastCalls.RejectedByReason.Count);
        Assert.Equal(general.Report.TableRows.OrderBy(t => t.Key), fast.Report.TableRows.OrderBy(t => t.Key));

        // Same rows in the same order (calls.parquet is read in file order), same rejects.
        const string CallsInFileOrder = "SELECT * FROM calls";
        const string SubscribersWithCalls = "SELECT s.*, count(c.caller_id) FROM subscribers s LEFT JOIN calls c ON c.caller_id = s.subscriber_id GROUP BY ALL ORDER BY s.subscriber_id";
        Assert.Equal(Rows(general.Out, SubscribersWithCalls), Rows(fast.Out, SubscribersWithCalls));
        Assert.Equal(2, Rows(fast.Out, SubscribersWithCalls).Count(r => !r.EndsWith("|0", StringComparison.Ordinal)));
        Assert.Equal(Rows(general.Out, CallsInFileOrder), Rows(fast.Out, CallsInFileOrder));
        Assert.Equal(Rows(general.Out, "SELECT line, reason, raw FROM rejects"), Rows(fast.Out, "SELECT line, reason, raw FROM rejects"));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(general.Out, CanonicalTables.FileName(CanonicalTables.Cells))),
            File.ReadAllBytes(Path.Combine(fast.Out, CanonicalTables.FileName(CanonicalTables.Cells))));
    }

    [Fact]
    public void Run_FastReader_SameBytesAtAnyThreadCount()
    {
        using var dir = new TempFolder();
        var calls = PlainCalls(3000, seed: 11);
        var one = Ingest(dir, "calls", calls, fast: true, threads: 1);
        var three = Ingest(dir, "calls", calls, fast: true, threads: 3);

        Assert.Contains("calls_staging_fast", three.Manifest.TimingsSeconds.Keys);
        foreach (var file in new[] { CanonicalTables.FileName(CanonicalTables.Calls), IngestStage.RejectsFile, IngestStage.ReportFile })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(one.Out, file)), File.ReadAllBytes(Path.Combine(three.Out, file)));
        }
    }

    [Fact]
    public void Run_TwoFilesWhosePartsOutgrowTheirExpectedRows_FastReaderMatchesGeneralReader()
    {
        using var dir = new TempFolder();
        // Long first lines (the spaces before the caller are trimmed) make the rows expected from
        // their length far too few, so parts move to columns of their own, more than once; the
        // second file repeats some of the first file's lines (duplicates across files).
        var lines = PlainCalls(20_000, seed: 5).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Take(150).Select(l => new string(' ', 300) + l)).Concat(lines.Skip(151))) + "\n";
        var second = PlainCalls(3000, seed: 6) + string.Join('\n', lines.Skip(1000).Take(40)) + "\n";
        var general = Ingest(dir, "calls", [first, second], fast: false, threads: 2);
        var fast = Ingest(dir, "calls", [first, second], fast: true, threads: 2);
        var one = Ingest(dir, "calls", [first, second], fast: true, threads: 1);

        Assert.Contains("calls_staging_fast", fast.Manifest.TimingsSeconds.Keys);
        var generalFiles = general.Report.Files.Where(f => f.Table == CanonicalTables.Calls).ToList();
        var fastFiles = fast.Report.Files.Where(f => f.Table == CanonicalTables.Calls).ToList();
        Assert.Equal(2, fastFiles.Count);
        Assert.Equal(generalFiles, fastFiles, new FileReportComparer());
        // Lines after the second file's own 3,000 rows (header = line 1) repeat the first file's.
        Assert.NotEqual("0", Rows(fast.Out, $"SELECT count(*) FROM rejects WHERE reason = {Sql.Literal(RejectReason.Duplicate)} AND line > 3001 AND file LIKE '%calls-2.csv'").Single());
        Assert.Equal(Rows(general.Out, "SELECT * FROM calls"), Rows(fast.Out, "SELECT * FROM calls"));
        Assert.Equal(Rows(general.Out, "SELECT file, line, reason, raw FROM rejects"), Rows(fast.Out, "SELECT file, line, reason, raw FROM rejects"));
        foreach (var file in new[] { CanonicalTables.FileName(CanonicalTables.Calls), IngestStage.RejectsFile, IngestStage.ReportFile })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(one.Out, file)), File.ReadAllBytes(Path.Combine(fast.Out, file)));
        }
    }

    [Theory]
    [InlineData("a,b,\"2026-01-05 10:00:00\",60,call,C1,C2\n")] // a quote
    [InlineData("a,b,2026-01-05 10:00:00,60,call,C1,C2\r\n")] // CRLF (every line)
    [InlineData("a,b,2026-01-05 10:00:00,60,call,C1\n")] // a missing field
    [InlineData("a,b,05/01/2026 10:00,60,call,C1,C2\n")] // another timestamp format
    [InlineData("a,b,2026-01-05 10:00:00,7.0,call,C1,C2\n")] // a fractional duration
    [InlineData("a,b,2026-01-05 10:00:00,60,call,Ç1,C2\n")] // non-ASCII
    [InlineData("a,b,2026-01-05 10:00:00,60,call,C1,C2\n\n")] // a blank line
    public void Run_AnythingOutsideThePlainCase_GoesToTheGeneralReader(string line)
    {
        using var dir = new TempFolder();
        var calls = "caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\nx,y,2026-01-05 09:00:00,5,call,C1,C2\n" + line;
        if (line.Contains('\r', StringComparison.Ordinal))
        {
            calls = calls.Replace("C2\n", "C2\r\n", StringComparison.Ordinal).Replace("cell\n", "cell\r\n", StringComparison.Ordinal);
        }

        var fast = Ingest(dir, "calls", calls, fast: true, threads: 2);
        var general = Ingest(dir, "calls", calls, fast: false, threads: 2);

        Assert.DoesNotContain("calls_staging_fast", fast.Manifest.TimingsSeconds.Keys);
        Assert.Equal(Rows(general.Out, "SELECT * FROM calls"), Rows(fast.Out, "SELECT * FROM calls"));
        Assert.Equal(Rows(general.Out, "SELECT line, reason FROM rejects"), Rows(fast.Out, "SELECT line, reason FROM rejects"));
    }

    [Theory]
    [InlineData("2026-01-05 10:00:00", true)]
    [InlineData("2026-01-05T10:00", true)]
    [InlineData("2024-02-29 23:59:59", true)]
    [InlineData("2026-02-29 10:00:00", false)]
    [InlineData("2026-01-05 24:00:00", false)]
    [InlineData("2026-01-05 10:00:60", false)]
    [InlineData("2026-1-05 10:00:00", false)]
    [InlineData("2026-01-05 10:00:00.5", false)]
    public void TryParseTimestamp_OnlyTheCommonFormsAreDecided(string text, bool decided)
    {
        Assert.Equal(decided, FastCallReader.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out var ticks));
        if (decided)
        {
            Assert.Equal(DateTime.Parse(text, CultureInfo.InvariantCulture).Ticks, ticks);
        }
    }

    private sealed class FileReportComparer : IEqualityComparer<FileReport>
    {
        public bool Equals(FileReport? x, FileReport? y) =>
            x is not null && y is not null && x.RowsRead == y.RowsRead && x.RowsAccepted == y.RowsAccepted && x.RowsRejected == y.RowsRejected
            && x.RejectedByReason.OrderBy(r => r.Key).SequenceEqual(y.RejectedByReason.OrderBy(r => r.Key));

        public int GetHashCode(FileReport obj) => obj.RowsRead.GetHashCode();
    }
}
