using System.Text;
using Mosaic.Data;
using Mosaic.Ingest;
using Mosaic.Privacy;

namespace Mosaic.Tests.Ingest;

/// <summary>The bandicoot folder and district-polygon adapters, on the shared public data when present.</summary>
public class AdapterTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("adapter-test-key-0123456789");

    private static List<T> Query<T>(string folder, string sql, Func<DuckDB.NET.Data.DuckDBDataReader, T> map)
    {
        using var session = new DuckDbSession();
        DataFolder.Attach(session, folder);
        return session.Query(sql, map);
    }

    [Fact]
    public void Bandicoot_CallInBothUsersFiles_CountedOnceWithBothCells()
    {
        using var dir = new TempFolder();
        // A's outgoing call to B, recorded in both files with each party's own antenna.
        dir.Write("users/A.csv", "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n" +
            "call,out,B,2014-07-07 22:13:30,122,1\ntext,in,C,2014-07-08 09:00:00,,1\n");
        dir.Write("users/B.csv", "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n" +
            "call,in,A,2014-07-07 22:13:30,122,2\n");
        var antennas = dir.Write("antennas.csv", "antenna_id,latitude,longitude\n1,42.36,-71.08\n2,42.38,-71.13\n");
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = [dir.File("users")],
            Format = CallFormat.Bandicoot,
            CellsFile = antennas,
            OutputFolder = dir.File("data"),
            Pseudonymizer = new Pseudonymizer(Key),
        });

        Assert.Equal(3, report.Files.Where(f => f.Table == CanonicalTables.Calls).Sum(f => f.RowsRead));
        Assert.Equal(1, report.Files.Sum(f => f.RejectedByReason.GetValueOrDefault(RejectReason.MergedWithCounterpart)));
        Assert.Equal(0, report.CallRejectRate);
        Assert.All(report.Files, f => Assert.True(f.Reconciles));
        Assert.DoesNotContain(report.Files, f => f.File.EndsWith("A.csv", StringComparison.Ordinal));
        var calls = Query(dir.File("data"), """
            SELECT kind, c1.cell_code, c2.cell_code FROM calls
            LEFT JOIN cells c1 ON c1.cell_id = caller_cell LEFT JOIN cells c2 ON c2.cell_id = callee_cell ORDER BY start_time
            """, r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
        Assert.Equal([("call", "1", "2"), ("text", null, "1")], calls);
        Assert.Equal(2L, Query(dir.File("data"), "SELECT count(*) FROM subscribers", r => r.GetInt64(0)).Single());
    }

    [Fact]
    public void Bandicoot_NetworkSample_EveryRecordAccountedFor()
    {
        var folder = SharedData.Path("bandicoot/bandicoot/tests/samples/network");
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        using var dir = new TempFolder();
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = [folder],
            Format = CallFormat.Bandicoot,
            OutputFolder = dir.File("data"),
            Pseudonymizer = new Pseudonymizer(Key),
            MaxRejectRate = 0.05, // the sample holds one exact duplicate in 39 records
        });
        var records = Directory.GetFiles(folder, "*.csv").Sum(f => File.ReadAllLines(f).Count(l => l.Length > 0) - 1);
        Assert.Equal(records, report.Files.Sum(f => f.RowsRead));
        Assert.All(report.Files, f => Assert.True(f.Reconciles));
        var merged = report.Files.Sum(f => f.RejectedByReason.GetValueOrDefault(RejectReason.MergedWithCounterpart));
        var duplicates = report.Files.Sum(f => f.RejectedByReason.GetValueOrDefault(RejectReason.Duplicate));
        Assert.Equal(records - merged - duplicates, report.TableRows[CanonicalTables.Calls]);
        Assert.True(merged > 0);
    }

    [Fact]
    public void Bandicoot_WithoutKey_ReportAndRejectsNameUserFilesAlikeAndNeverByUser()
    {
        var folder = SharedData.Path("bandicoot/bandicoot/tests/samples/network");
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        using var dir = new TempFolder();
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = [folder],
            Format = CallFormat.Bandicoot,
            OutputFolder = dir.File("data"),
            MaxRejectRate = 0.05,
        });
        Assert.True(report.EphemeralKey);
        var reported = report.Files.Select(f => f.File).ToHashSet();
        Assert.DoesNotContain(reported, f => Path.GetFileName(f) is "ego.csv" or "A.csv");
        using var session = new DuckDbSession();
        var rejectFiles = session.Query(
            $"SELECT DISTINCT file FROM read_parquet({Sql.Literal(Path.Combine(dir.File("data"), IngestStage.RejectsFile))})", r => r.GetString(0));
        Assert.NotEmpty(rejectFiles);
        Assert.All(rejectFiles, f => Assert.Contains(f, reported));
    }

    [Fact]
    public void Istanbul_CellsGetDistrictsByPolygon_OutsideReported()
    {
        var geojson = SharedData.Path("istanbul/istanbul-districts.json");
        if (geojson is null || !File.Exists(geojson))
        {
            return;
        }

        using var dir = new TempFolder();
        var cells = dir.Write("cells.csv", "cell_id,lat,lon\nKADIKOY,40.9906,29.0290\nFATIH,41.0086,28.9802\nANKARA,39.93,32.85\nNOPOS,,\n");
        var calls = dir.Write("calls.csv", "caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\na,b,2021-03-01 10:00:00,60,call,KADIKOY,FATIH\n");
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = [calls],
            CellsFile = cells,
            GeoJsonFile = geojson,
            OutputFolder = dir.File("data"),
            Pseudonymizer = new Pseudonymizer(Key),
        });
        Assert.Equal(["ANKARA"], report.CellsOutsideDistricts);
        Assert.Equal(1, report.CellsWithoutPosition);
        var assigned = Query(dir.File("data"), """
            SELECT c.cell_code, d.name FROM cells c LEFT JOIN districts d USING (district_id) ORDER BY c.cell_code
            """, r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)));
        Assert.Equal([("ANKARA", null), ("FATIH", "Fatih"), ("KADIKOY", "Kadıköy"), ("NOPOS", null)], assigned);
        Assert.Equal(39L, Query(dir.File("data"), "SELECT count(*) FROM districts", r => r.GetInt64(0)).Single());
        Assert.True(File.Exists(Path.Combine(dir.File("data"), CanonicalTables.DistrictsGeoJson)));
    }

    [Fact]
    public void Istanbul_DistrictTableMatchesPolygonsByTurkishUpperCaseName()
    {
        var geojson = SharedData.Path("istanbul/istanbul-districts.json");
        var populations = SharedData.Path("istanbul/istanbul_districts_population_2020_2021.csv");
        if (geojson is null || !File.Exists(geojson) || populations is null)
        {
            return;
        }

        using var dir = new TempFolder();
        // The TURKSTAT table spells districts in Turkish upper case (FATİH, KADIKÖY): matching must fold that.
        var lines = File.ReadAllLines(populations).Skip(1).Select(l => l.Split(','))
            .Select((f, i) => $"{i + 1},{f[1]},{f[6]},{5000 + i}");
        var districts = dir.Write("districts.csv", "district_id,name,population,monthly_rent\n" + string.Join('\n', lines) + "\n");
        var cells = dir.Write("cells.csv", "cell_id,lat,lon\nKADIKOY,40.9906,29.0290\n");
        var calls = dir.Write("calls.csv", "caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\na,b,2021-03-01 10:00:00,60,call,KADIKOY,\n");
        var report = IngestStage.Run(new IngestOptions
        {
            CallFiles = [calls],
            CellsFile = cells,
            DistrictsFile = districts,
            GeoJsonFile = geojson,
            OutputFolder = dir.File("data"),
            Pseudonymizer = new Pseudonymizer(Key),
        });
        Assert.Empty(report.DistrictsWithoutPolygon);
        Assert.Equal(["KADIKÖY"], Query(dir.File("data"), "SELECT d.name FROM cells JOIN districts d USING (district_id)", r => r.GetString(0)));
    }

    [Fact]
    public void Districts_PolygonWithoutTableRow_IsBadInput()
    {
        using var dir = new TempFolder();
        var geojson = dir.Write("d.geojson", """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Elsewhere"},
             "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}
            """);
        var districts = dir.Write("districts.csv", "district_id,name,population,monthly_rent\n1,Somewhere,10,100\n");
        var calls = dir.Write("calls.csv", "caller_id,callee_id,start_time,duration_s\na,b,2021-03-01 10:00:00,60\n");
        var error = Assert.Throws<MosaicInputException>(() => IngestStage.Run(new IngestOptions
        {
            CallFiles = [calls],
            DistrictsFile = districts,
            GeoJsonFile = geojson,
            OutputFolder = dir.File("data"),
            Pseudonymizer = new Pseudonymizer(Key),
        }));
        Assert.Contains("('Elsewhere') matches no row", error.Message, StringComparison.Ordinal);
    }
}
