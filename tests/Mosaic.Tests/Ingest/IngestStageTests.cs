using System.Text;
using Mosaic.Data;
using Mosaic.Ingest;
using Mosaic.Privacy;

namespace Mosaic.Tests.Ingest;

public class IngestStageTests
{
    private const string Header = "caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\n";
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("ingest-test-key-0123456789");

    private static (IngestReport Report, string Out) Ingest(TempFolder dir, string calls, Func<IngestOptions, IngestOptions>? configure = null, string name = "calls.csv")
    {
        var path = dir.Write(name, calls);
        var output = dir.File("data");
        var options = new IngestOptions
        {
            CallFiles = [path],
            OutputFolder = output,
            Pseudonymizer = new Pseudonymizer(Key),
            MaxRejectRate = 1.0,
        };
        options = configure?.Invoke(options) ?? options;
        return (IngestStage.Run(options), output);
    }

    private static List<T> Read<T>(string folder, string sql, Func<DuckDB.NET.Data.DuckDBDataReader, T> map)
    {
        using var session = new DuckDbSession();
        DataFolder.Attach(session, folder);
        session.Execute($"CREATE VIEW rejects AS SELECT * FROM read_parquet({Sql.Literal(Path.Combine(folder, IngestStage.RejectsFile))})");
        return session.Query(sql, map);
    }

    [Fact]
    public void Run_EveryRejectReason_CountedWithLineAndReconciled()
    {
        using var dir = new TempFolder();
        var rows = Header +
            "a,b,2026-01-05 10:00:00,60,call,C1,C2\n" +        // line 2 ok
            ",b,2026-01-05 10:00:00,60,call,C1,C2\n" +         // 3 empty_id
            "a,b,05/01/2026 10:00,60,call,C1,C2\n" +           // 4 bad_timestamp
            "a,b,2026-01-05 10:01:00,abc,call,C1,C2\n" +       // 5 bad_duration
            "a,b,2026-01-05 10:02:00,-1,call,C1,C2\n" +        // 6 negative_duration
            "a,b,2026-01-05 10:03:00,90000,call,C1,C2\n" +     // 7 absurd_duration
            "a,b,2026-01-05 10:04:00,5,fax,C1,C2\n" +          // 8 unknown_kind
            "a,a,2026-01-05 10:05:00,5,call,C1,C2\n" +         // 9 self_call
            "a,b,2026-01-05 10:00:00,60,call,C1,C2\n" +        // 10 duplicate of line 2
            "a,b,2026-01-05 10:06:00,5,call\n" +               // 11 wrong_field_count
            "b,a,2026-01-05 10:07:00,,text,C2,\n" +            // 12 ok (text without duration)
            "a,b,2026-01-05 10:08:00,5,call,C9,C2\n" +         // 13 unknown_cell
            "\"a\",\"b\",2026-01-05 10:09:00,7.5,call,C1,C2\n";  // 14 bad_duration (fractional)
        var cells = dir.Write("cells.csv", "cell_id,lat,lon\nC1,41.0,29.0\nC2,41.1,29.1\n");
        var (report, output) = Ingest(dir, rows, o => o with { CellsFile = cells });

        var calls = report.Files.Single(f => f.Table == CanonicalTables.Calls);
        Assert.Equal(13, calls.RowsRead);
        Assert.Equal(2, calls.RowsAccepted);
        Assert.Equal(11, calls.RowsRejected);
        Assert.True(calls.Reconciles);
        var expected = new Dictionary<string, long>
        {
            [RejectReason.EmptyId] = 1,
            [RejectReason.BadTimestamp] = 1,
            [RejectReason.BadDuration] = 2,
            [RejectReason.NegativeDuration] = 1,
            [RejectReason.AbsurdDuration] = 1,
            [RejectReason.UnknownKind] = 1,
            [RejectReason.SelfCall] = 1,
            [RejectReason.Duplicate] = 1,
            [RejectReason.WrongFieldCount] = 1,
            [RejectReason.UnknownCell] = 1,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), calls.RejectedByReason.OrderBy(e => e.Key));

        var rejects = Read(output, "SELECT line, reason FROM rejects ORDER BY line", r => (r.GetInt64(0), r.GetString(1)));
        Assert.Equal(
            [(3L, "empty_id"), (4, "bad_timestamp"), (5, "bad_duration"), (6, "negative_duration"), (7, "absurd_duration"), (8, "unknown_kind"),
             (9, "self_call"), (10, "duplicate"), (11, "wrong_field_count"), (13, "unknown_cell"), (14, "bad_duration")],
            rejects);
        Assert.Equal(2L, Read(output, "SELECT count(*) FROM calls", r => r.GetInt64(0)).Single());
        Assert.Equal(0, Read(output, "SELECT duration_s FROM calls WHERE kind = 'text'", r => r.GetInt32(0)).Single());
    }

    [Fact]
    public void Run_QuotedNewlineBomAndCrlf_LinesArePhysical()
    {
        using var dir = new TempFolder();
        var rows = "\uFEFF" + Header.Replace("\n", "\r\n", StringComparison.Ordinal) +
            "\"a,1\",b,2026-01-05 10:00:00,60,call,\"C\r\n1\",C2\r\n" + // lines 2-3: quoted comma and newline
            "a,a,2026-01-05 10:00:00,60,call,C1,C2\r\n";              // line 4: self call
        var (report, output) = Ingest(dir, rows);
        var calls = report.Files.Single();
        Assert.Equal((2L, 1L, 1L), (calls.RowsRead, calls.RowsAccepted, calls.RowsRejected));
        Assert.Equal([4L], Read(output, "SELECT line FROM rejects", r => r.GetInt64(0)));
        Assert.Equal(["C\r\n1", "C2"], Read(output, "SELECT cell_code FROM cells ORDER BY cell_code", r => r.GetString(0)));
    }

    [Fact]
    public void Run_MissingColumn_IsBadInputNamingFileAndColumn()
    {
        using var dir = new TempFolder();
        var error = Assert.Throws<MosaicInputException>(() => Ingest(dir, "caller_id,callee_id,duration_s\na,b,1\n"));
        Assert.Contains("calls.csv:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'start_time'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("caller_id;callee_id;start_time;duration_s\n")]
    public void Run_EmptyOrWrongDelimiter_IsBadInput(string content)
    {
        using var dir = new TempFolder();
        Assert.Throws<MosaicInputException>(() => Ingest(dir, content));
    }

    [Fact]
    public void Run_HeaderOnly_IngestsNothing()
    {
        using var dir = new TempFolder();
        var (report, _) = Ingest(dir, Header);
        Assert.Equal(0, report.Files.Single().RowsRead);
        Assert.Equal(0, report.TableRows[CanonicalTables.Calls]);
    }

    [Fact]
    public void Run_AboveMaxRejectRate_FailsAndWritesNoTables()
    {
        using var dir = new TempFolder();
        var rows = Header + "a,b,2026-01-05 10:00:00,60,call,,\na,a,2026-01-05 10:00:00,60,call,,\n";
        var error = Assert.Throws<MosaicInputException>(() => Ingest(dir, rows, o => o with { MaxRejectRate = 0.01 }));
        Assert.Contains("1 of 2 call rows rejected", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.File("data"), "calls.parquet")));
        Assert.True(File.Exists(Path.Combine(dir.File("data"), IngestStage.ReportFile)));
    }

    [Fact]
    public void Run_SameKey_SamePseudonyms_AndNoRawIdAnywhere()
    {
        using var dir = new TempFolder();
        var rows = Header + "+905551234567,+905559876543,2026-01-05 10:00:00,60,call,,\n+905551234567,+905551234567,2026-01-05 11:00:00,1,call,,\n";
        var subscribers = dir.Write("subs.csv", "subscriber_id,birthplace,is_refugee,age,gender\n+905551234567,city,false,34,f\n");
        var (_, first) = Ingest(dir, rows, o => o with { SubscribersFile = subscribers });
        using var other = new TempFolder();
        other.Write("subs.csv", File.ReadAllText(subscribers));
        var (_, second) = Ingest(other, rows, o => o with { SubscribersFile = other.File("subs.csv") });

        var ids = Read(first, "SELECT caller_id, callee_id FROM calls", r => (r.GetInt64(0), r.GetInt64(1)));
        Assert.Equal(ids, Read(second, "SELECT caller_id, callee_id FROM calls", r => (r.GetInt64(0), r.GetInt64(1))));
        using var p = new Pseudonymizer(Key);
        Assert.Equal((p.Pseudonymize("+905551234567"), p.Pseudonymize("+905559876543")), ids.Single());
        Assert.Equal(["F"], Read(first, "SELECT gender FROM subscribers", r => r.GetString(0)));

        // No raw id in any output: decoded tables (rejects included) and every text file.
        var text = string.Join('\n', Read(first, """
            SELECT concat_ws(',', * COLUMNS(*)) FROM (SELECT CAST(COLUMNS(*) AS VARCHAR) FROM calls)
            UNION ALL SELECT concat_ws(',', file, line, reason, raw) FROM rejects
            UNION ALL SELECT concat_ws(',', subscriber_id, birthplace) FROM subscribers
            """, r => r.IsDBNull(0) ? "" : r.GetString(0)));
        text += string.Concat(Directory.GetFiles(first, "*.json").Select(File.ReadAllText));
        Assert.DoesNotContain("5551234567", text, StringComparison.Ordinal);
        Assert.DoesNotContain("5559876543", text, StringComparison.Ordinal);
        Assert.Contains("self_call", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ColumnMapAndTimeFormat_VastLayout()
    {
        using var dir = new TempFolder();
        var rows = "From,To,Datetime,Duration(seconds),Cell Tower\n349,23,20060601 0008,1634,1\n379,364,20060601 0011,640,24\n";
        var map = ColumnMap.Parse("caller_id=From,callee_id=To,start_time=Datetime,duration_s=Duration(seconds),caller_cell=Cell Tower,time_format=yyyyMMdd HHmm");
        var (report, output) = Ingest(dir, rows, o => o with { Map = map });
        Assert.Equal(2, report.TableRows[CanonicalTables.Calls]);
        Assert.Equal(
            [(new DateTime(2006, 6, 1, 0, 8, 0), "1"), (new DateTime(2006, 6, 1, 0, 11, 0), "24")],
            Read(output, "SELECT start_time, c.cell_code FROM calls JOIN cells c ON c.cell_id = caller_cell ORDER BY start_time", r => (r.GetDateTime(0), r.GetString(1))));
    }

    [Fact]
    public void Run_Coordinates_EachDistinctPositionIsACell()
    {
        using var dir = new TempFolder();
        var rows = "caller_id,callee_id,start_time,duration_s,caller_lat,caller_lon,callee_lat,callee_lon\n" +
            "a,b,2026-01-05 10:00:00,5,31.2304,121.4737,31.2,121.5\n" +
            "b,a,2026-01-05 11:00:00,5,31.2,121.5,,\n" +
            "a,b,2026-01-05 12:00:00,5,95,121.5,,\n"; // latitude out of range
        var (report, output) = Ingest(dir, rows);
        Assert.Equal(1, report.Files.Single().RejectedByReason[RejectReason.BadCoordinates]);
        Assert.Equal(
            [(31.2, 121.5), (31.2304, 121.4737)],
            Read(output, "SELECT lat, lon FROM cells ORDER BY lat", r => (r.GetDouble(0), r.GetDouble(1))));
    }

    [Fact]
    public void Run_SiteTrafficWithHoursOneTo24_ShiftsToHourStart()
    {
        using var dir = new TempFolder();
        var rows = "timestamp,outgoing_site_id,incoming_site_id,number_of_calls,number_of_refugee_calls,total_call_duration\n" +
            "2017-01-01 1,S1,S2,10,3,600\n2017-01-01 24,S2,S1,4,0,100\n2017-01-01 5,S2,S1,4,9,100\n";
        var (report, output) = Ingest(dir, rows, o => o with { Format = CallFormat.D4r });
        Assert.Equal(1, report.Files.Single().RejectedByReason[RejectReason.BadValue]); // refugee calls > calls
        using var session = new DuckDbSession();
        Assert.Equal(
            [(new DateTime(2017, 1, 1, 0, 0, 0), 10L), (new DateTime(2017, 1, 1, 23, 0, 0), 4L)],
            session.Query($"SELECT hour_start, number_of_calls FROM read_parquet({Sql.Literal(Path.Combine(output, "site_traffic.parquet"))}) ORDER BY 1",
                r => (r.GetDateTime(0), r.GetInt64(1))));
    }
}
