using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

public class SegregationStageTests
{
    /// <summary>Writes a data folder from SQL <c>VALUES</c> lists (districts, cells, subscribers, calls).</summary>
    internal static string WriteFolder(TempFolder temp, string districts, string cells, string subscribers, string calls, string? siteTraffic = null)
    {
        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        session.Execute($"INSERT INTO districts VALUES {districts}");
        session.Execute($"INSERT INTO cells VALUES {cells}");
        if (subscribers.Length > 0)
        {
            session.Execute($"INSERT INTO subscribers VALUES {subscribers}");
        }

        if (calls.Length > 0)
        {
            session.Execute($"INSERT INTO calls VALUES {calls}");
        }

        if (siteTraffic is not null)
        {
            session.Execute(CanonicalTables.CreateStatement(CanonicalTables.SiteTraffic));
            session.Execute($"INSERT INTO site_traffic VALUES {siteTraffic}");
        }

        var folder = Path.Combine(temp.Path, "data");
        DataFolder.Write(session, folder, includeSiteTraffic: siteTraffic is not null);
        return folder;
    }

    private const string Districts = "(1, 'a', 1000, 10.0, 100), (2, 'b', 2000, 20.0, 50), (3, 'c', 500, 5.0, 100)";
    private const string Cells = "(10, 'c10', NULL, NULL, 1), (20, 'c20', NULL, NULL, 2), (30, 'c30', NULL, NULL, 3), (40, 'c40', NULL, NULL, NULL)";
    private const string Subscribers = """
        (1, 'x', true, 30, 'F'), (2, 'x', true, 30, 'M'), (3, 'city', false, 40, 'F'),
        (4, 'city', false, 50, 'M'), (5, 'y', NULL, NULL, NULL)
        """;

    // Night calls (23:00). Subscriber 99 is unattributed; 5 has an unknown refugee status.
    private static string Call(int from, int to, string fromCell, string toCell, string kind = "call", int minute = 0) =>
        $"({from}, {to}, TIMESTAMP '2026-01-05 23:{minute:00}:00', {(kind == "call" ? 60 : 0)}, '{kind}', {fromCell}, {toCell})";

    private static readonly string HandCalls = string.Join(",\n", new[]
    {
        Call(1, 3, "10", "20", minute: 1), Call(1, 3, "10", "20", minute: 2), Call(1, 3, "10", "20", minute: 3), // RT 1→2 ×3
        Call(1, 4, "10", "30", minute: 4),                                         // RT 1→3
        Call(1, 2, "10", "10", minute: 5),                                         // RR 1→1
        Call(3, 4, "10", "10", minute: 6), Call(3, 4, "10", "10", minute: 7),      // TT 1→1 ×2 (4's home is cell 10)
        Call(3, 4, "10", "20", minute: 8),                                         // TT 1→2
        Call(3, 99, "10", "30", minute: 9),                                        // TT 1→3 when unknown = host
        Call(3, 1, "20", "10", minute: 10),                                        // TR 2→1
        Call(1, 4, "10", "NULL", minute: 11),                                      // RT 1→home(4) = 1
        Call(1, 3, "10", "20", "text", minute: 12),                                // a text: not counted
        Call(2, 3, "NULL", "20", minute: 13),                                      // no origin
        Call(5, 3, "10", "20", minute: 14),                                        // unknown caller: TT 1→2 when host
    });

    private static SegregationResult RunHand(TempFolder temp, SegregationOptions? options = null)
    {
        var data = WriteFolder(temp, Districts, Cells, Subscribers, HandCalls);
        return SegregationStage.Run(options ?? new SegregationOptions { MinSubscribers = 0, Engine = new EngineOptions(Threads: 1) }, data, Path.Combine(temp.Path, "run"));
    }

    private static long[] Row(SegregationResult result, string network, int origin) =>
        Enumerable.Range(0, 3).Select(j => result.Matrices.Calls[network][origin, j]).ToArray();

    [Fact]
    public void Run_HandCity_MatricesFollowDefinitions()
    {
        using var temp = new TempFolder();
        var result = RunHand(temp);

        Assert.Equal([1L, 3, 1], Row(result, "RT", 0));
        Assert.Equal([2L, 2, 1], Row(result, "TT", 0));
        Assert.Equal([1L, 0, 0], Row(result, "RR", 0));
        Assert.Equal([1L, 0, 0], Row(result, "TR", 1));
        Assert.Equal(13, result.Counts["calls_read"]);
        Assert.Equal(12, result.Counts["calls_used"]);
        Assert.Equal(1, result.Counts["calls_without_origin"]);
        Assert.Equal(0, result.Counts["calls_unknown_status_excluded"]);
        Assert.Equal(PopulationSource.Districts, result.PopulationSourceUsed);
        var d1 = result.Populations[0];
        Assert.Equal((100.0, 900.0, 6L, 5L), (d1.Refugees, d1.Hosts, d1.RefugeesFromCalls, d1.HostsFromCalls));
    }

    [Fact]
    public void Run_ExcludeUnknownStatus_DropsUnattributedAndNullStatus()
    {
        using var temp = new TempFolder();
        var result = RunHand(temp, new SegregationOptions { MinSubscribers = 0, UnknownStatus = UnknownStatusPolicy.Exclude });
        Assert.Equal([2L, 1, 0], Row(result, "TT", 0));
        Assert.Equal(2, result.Counts["calls_unknown_status_excluded"]);
    }

    [Fact]
    public void Run_HandCity_TestsMatchDirectComputation()
    {
        using var temp = new TempFolder();
        var result = RunHand(temp);

        var rt = result.Tests.Single(t => t.Comparison == SegregationStage.RtVsTt && t.DistrictId == 1);
        var expected = ChiSquareTest.Homogeneity([1.0, 3, 1], [2.0, 2, 1]);
        Assert.Equal(expected, rt.Test);
        Assert.Equal(expected.PValue, rt.QValue, 15); // the only testable district: q = p
        Assert.Null(result.Tests.Single(t => t.Comparison == SegregationStage.RtVsTt && t.DistrictId == 2).Test);

        // RR_vs_TT on densities: RR [1,0,0]/R and TT [2,2,1]/T, each rescaled to its total.
        var b = new[] { 2 / 900.0, 2 / 1950.0, 1 / 400.0 };
        var scale = 5 / b.Sum();
        var rr = result.Tests.Single(t => t.Comparison == SegregationStage.RrVsTt && t.DistrictId == 1).Test!;
        var direct = ChiSquareTest.Homogeneity([1.0, 0, 0], b.Select(x => x * scale).ToArray());
        Assert.Equal(direct.Statistic, rr.Statistic, 12);
        Assert.Equal(direct.PValue, rr.PValue, 12);
    }

    [Fact]
    public void Run_HandCity_WritesIssueFormats()
    {
        using var temp = new TempFolder();
        var result = RunHand(temp);
        var folder = result.OutputFolder;

        var matrices = File.ReadAllLines(Path.Combine(folder, "call_matrices.csv"));
        Assert.Equal("network,origin_district,dest_district,calls,suppressed", matrices[0]);
        Assert.Contains("RT,1,2,3,false", matrices);
        Assert.Contains("TR,2,1,1,false", matrices);

        var populations = File.ReadAllLines(Path.Combine(folder, "populations.csv"));
        Assert.Equal("district_id,refugees,hosts,refugees_from_calls,hosts_from_calls,suppressed", populations[0]);
        Assert.Equal("1,100,900,6,5,false", populations[1]);

        var tests = File.ReadAllLines(Path.Combine(folder, "district_tests.csv"));
        Assert.Equal("comparison,district_id,chi2,dof,p_value,q_value,cramers_v,segregated,suppressed", tests[0]);
        Assert.Equal(7, tests.Length); // header + 2 comparisons × 3 districts
        Assert.StartsWith("RT_vs_TT,1,", tests[1], StringComparison.Ordinal);
        Assert.Equal("RT_vs_TT,2,,,,,,,false", tests[2]);

        using var indices = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "indices.json")));
        var di = indices.RootElement.GetProperty("dissimilarity");
        // Populations: refugees [100, 50, 100]/250, hosts [900, 1950, 400]/3250.
        var expected = 0.5 * (Math.Abs(0.4 - (900 / 3250.0)) + Math.Abs(0.2 - (1950 / 3250.0)) + Math.Abs(0.4 - (400 / 3250.0)));
        Assert.Equal(expected, di.GetProperty("from_populations").GetDouble(), 12);
        Assert.True(indices.RootElement.GetProperty("refugee_host").GetProperty("single_group").TryGetProperty("refugee", out _));
        Assert.True(indices.RootElement.GetProperty("local_settled_new").GetProperty("multigroup").GetProperty("groups_used").GetInt32() >= 2);
        Assert.True(File.Exists(Path.Combine(folder, "manifest.json")));
    }

    [Fact]
    public void Run_DefaultK_SuppressesSmallCellsAndTests()
    {
        using var temp = new TempFolder();
        var result = RunHand(temp, new SegregationOptions());
        var matrices = File.ReadAllLines(Path.Combine(result.OutputFolder, "call_matrices.csv"));
        Assert.Contains("RT,1,2,,true", matrices);
        Assert.DoesNotContain(matrices.Skip(1), line => line.EndsWith(",false", StringComparison.Ordinal));
        var tests = File.ReadAllLines(Path.Combine(result.OutputFolder, "district_tests.csv"));
        Assert.Contains("RT_vs_TT,1,,,,,,,true", tests);
        var populations = File.ReadAllLines(Path.Combine(result.OutputFolder, "populations.csv"));
        Assert.Equal("1,,,,,true", populations[1]);
    }

    [Fact]
    public void Run_SameInputsTwice_ByteIdenticalOutputs()
    {
        using var temp = new TempFolder();
        var data = WriteFolder(temp, Districts, Cells, Subscribers, HandCalls);
        var one = SegregationStage.Run(new SegregationOptions { MinSubscribers = 0, Engine = new EngineOptions(Threads: 1) }, data, Path.Combine(temp.Path, "one"));
        var two = SegregationStage.Run(new SegregationOptions { MinSubscribers = 0, Engine = new EngineOptions(Threads: 2) }, data, Path.Combine(temp.Path, "two"));
        foreach (var file in new[] { "call_matrices.csv", "populations.csv", "district_tests.csv", "indices.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(one.OutputFolder, file)), File.ReadAllBytes(Path.Combine(two.OutputFolder, file)));
        }
    }

    [Fact]
    public void Run_SiteTrafficOnly_RefugeeCallsAsRtRestAsTt()
    {
        using var temp = new TempFolder();
        var data = WriteFolder(temp, Districts, Cells, "", "", """
            (TIMESTAMP '2017-01-01 10:00:00', 10, 20, 50, 20, 3000.0),
            (TIMESTAMP '2017-01-01 11:00:00', 10, 20, 10, 0, 600.0),
            (TIMESTAMP '2017-01-01 10:00:00', 10, 30, 40, 10, 100.0),
            (TIMESTAMP '2017-01-01 10:00:00', 20, 10, 7, 7, 100.0)
            """);
        var result = SegregationStage.Run(new SegregationOptions { MinSubscribers = 0 }, data, Path.Combine(temp.Path, "run"));
        Assert.Equal(CallSource.SiteTraffic, result.CallSourceUsed);
        Assert.Equal(["RT", "TT"], result.Matrices.Networks);
        Assert.Equal([0L, 20, 10], Row(result, "RT", 0));
        Assert.Equal([0L, 40, 30], Row(result, "TT", 0));
        Assert.Equal([7L, 0, 0], Row(result, "RT", 1));
        Assert.DoesNotContain(result.Tests, t => t.Comparison == SegregationStage.RrVsTt);
        Assert.Equal(ChiSquareTest.Homogeneity([0.0, 20, 10], [0.0, 40, 30]), result.Tests[0].Test);
    }

    [Fact]
    public void Run_DuplicateSubscriber_IsInputErrorWithoutIds()
    {
        using var temp = new TempFolder();
        var data = WriteFolder(temp, Districts, Cells, Subscribers + ", (4, 'city', true, NULL, NULL)", HandCalls);
        var error = Assert.Throws<MosaicInputException>(() => SegregationStage.Run(new SegregationOptions(), data, Path.Combine(temp.Path, "run")));
        Assert.Contains("subscribers.parquet: 1 subscriber ids appear more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BadAlpha_IsInputError() =>
        Assert.Throws<MosaicInputException>(() => SegregationStage.Run(new SegregationOptions { Alpha = 1.5 }, "nowhere", "nowhere"));

    [Fact]
    public void Densities_ZeroPopulationDestination_DroppedThenRescaled()
    {
        var populations = new[]
        {
            new DistrictPopulation(1, 10, 90, 0, 0, false, false),
            new DistrictPopulation(2, 0, 100, 0, 0, false, false),
            new DistrictPopulation(3, 30, 60, 0, 0, false, false),
        };
        var (a, b) = SegregationStage.Densities([4.0, 5, 6], [9.0, 10, 6], populations);
        // Refugee densities 0.4, –, 0.2 rescaled to 15: 10, 0, 5. Host densities 0.1, –, 0.1 rescaled to 25.
        Assert.Equal([10.0, 0, 5], a.Select(x => Math.Round(x, 12)));
        Assert.Equal([12.5, 0, 12.5], b.Select(x => Math.Round(x, 12)));
    }
}
