using Mosaic.Cli;
using Mosaic.Data;
using Mosaic.Features;
using Mosaic.ScaleOut;

namespace Mosaic.Tests.ScaleOut;

public class PartitionedFeaturesTests(TinyCityRun city) : IClassFixture<TinyCityRun>
{
    private static readonly EngineOptions Engine = new(Threads: 2);

    private static void RunAll(string pdir, string run, int n, IEnumerable<int>? computeOnly = null)
    {
        for (var k = 0; k < n; k++)
        {
            FeaturePartitions.Exchange(new FeatureOptions { Engine = Engine }, pdir, run, new PartitionSpec(k, n));
        }

        foreach (var k in computeOnly ?? Enumerable.Range(0, n))
        {
            FeaturePartitions.Compute(Engine, pdir, run, new PartitionSpec(k, n));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Merge_OfPartitions_IsByteIdenticalToOneMachine(int n)
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        Partitioner.Run(city.Data, pdir, n, Engine);
        RunAll(pdir, run, n);

        var merged = FeaturePartitions.Merge(Engine, pdir, run);

        Assert.Equal(File.ReadAllBytes(city.OneMachine.FeaturesPath), File.ReadAllBytes(merged.FeaturesPath));
        Assert.Equal(TinyCityRun.ReportWithoutTimings(city.OneMachine.OutputFolder), TinyCityRun.ReportWithoutTimings(merged.OutputFolder));
        // The graph terms must be exercised, or the exchange is not tested.
        Assert.True(merged.Report.TrianglesByWeek.Values.Sum() > 0);
    }

    [Fact]
    public void Compute_InSlices_WritesTheSamePartialsAsOneSlice()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        const int n = 2;
        Partitioner.Run(city.Data, pdir, n, Engine);
        RunAll(pdir, run, n, computeOnly: []);
        var spec = new PartitionSpec(1, n);
        var folder = FeaturePartitions.Folder(run, 1);

        var one = FeaturePartitions.Compute(Engine, pdir, run, spec, slices: 1);
        var onePartial = File.ReadAllBytes(Path.Combine(folder, FeatureStage.FeaturesFile));
        var three = FeaturePartitions.Compute(Engine, pdir, run, spec, slices: 3);

        Assert.Equal(onePartial, File.ReadAllBytes(Path.Combine(folder, FeatureStage.FeaturesFile)));
        Assert.Equal(one with { Seconds = 0 }, three with { Seconds = 0, EdgesByWeek = one.EdgesByWeek, TriangleCornersByWeek = one.TriangleCornersByWeek });
        Assert.Equal(one.EdgesByWeek, three.EdgesByWeek);
        Assert.Equal(one.TriangleCornersByWeek, three.TriangleCornersByWeek);
        Assert.True(three.TriangleCornersByWeek.Values.Sum() > 0);
        Assert.False(Directory.Exists(Path.Combine(folder, FeatureSlices.ScratchName)));
    }

    [Fact]
    public void SliceOf_InsideAPartition_SpreadsItsSubscribersOverEverySlice()
    {
        using var session = new DuckDbSession(Engine);
        DataFolder.Attach(session, city.Data);
        var spec = new PartitionSpec(1, 4);

        // Every owned id is ≡ 1 mod 4: id mod 3 alone would still spread, id mod 4 would not; the stride must.
        var perSlice = session.Query($"""
            SELECT {FeatureSlices.SliceOf("subscriber_id", 4, spec)} AS slice, count(*) FROM subscribers
            WHERE {spec.Owns("subscriber_id")} GROUP BY ALL ORDER BY slice
            """, r => (Slice: Convert.ToInt32(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Count: r.GetInt64(1)));
        var whole = session.ScalarLong($"SELECT count(DISTINCT {FeatureSlices.SliceOf("subscriber_id", 4, null)}) FROM subscribers WHERE {spec.Owns("subscriber_id")}");

        Assert.Equal([0, 1, 2, 3], perSlice.Select(s => s.Slice));
        Assert.All(perSlice, s => Assert.True(s.Count > perSlice.Sum(x => x.Count) / 8, $"slice {s.Slice} holds only {s.Count}"));
        Assert.Equal(1, whole); // without the stride, one slice would hold everything
    }

    [Fact]
    public void Partition_StoresEachCallWithBothEndpoints_OwnsItOnce()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        const int n = 3;

        var layout = Partitioner.Run(city.Data, pdir, n, Engine);

        using var session = new DuckDbSession(Engine);
        DataFolder.Attach(session, city.Data);
        Assert.Equal(session.ScalarLong("SELECT count(*) FROM calls"), layout.CallsOwned.Sum());
        Assert.Equal(session.ScalarLong("SELECT count(*) FROM subscribers"), layout.Subscribers.Sum());
        for (var k = 0; k < n; k++)
        {
            var spec = new PartitionSpec(k, n);
            var expected = session.ScalarLong($"SELECT count(*) FROM calls WHERE {spec.Owns("caller_id")} OR {spec.Owns("callee_id")}");
            var part = Sql.Literal(DataFolder.TablePath(PartitionLayout.PartFolder(pdir, k), CanonicalTables.Calls));
            Assert.Equal(expected, layout.CallsStored[k]);
            // Same rows, not only the same number: nothing outside the partition slipped in.
            Assert.Equal(0, session.ScalarLong($"SELECT count(*) FROM read_parquet({part}) WHERE NOT ({spec.Owns("caller_id")} OR {spec.Owns("callee_id")})"));
        }

        // Calls between two partitions are stored twice, so storage exceeds the total.
        Assert.True(layout.CallsStored.Sum() > layout.Calls);
    }

    [Fact]
    public void Merge_IncompleteSet_RefusesAndNamesTheMissingPartitions()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        Partitioner.Run(city.Data, pdir, 3, Engine);
        RunAll(pdir, run, 3, computeOnly: [0, 2]);
        var error = new StringWriter();

        var code = CliApp.Run(["merge", "--data", pdir, "--out", run], TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.Contains("1 of 3 have not finished `features --partition K/N`: 1", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, FeatureStage.Name, FeatureStage.FeaturesFile)));
    }

    [Fact]
    public void Compute_BeforeEveryExchange_RefusesAndNamesThem()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        Partitioner.Run(city.Data, pdir, 3, Engine);
        FeaturePartitions.Exchange(new FeatureOptions { Engine = Engine }, pdir, run, new PartitionSpec(1, 3));

        var e = Assert.Throws<MosaicInputException>(() => FeaturePartitions.Compute(Engine, pdir, run, new PartitionSpec(1, 3)));

        Assert.Contains("2 of 3", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(": 0, 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("-1/3")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void PartitionSpec_BadText_IsInputError(string text) =>
        Assert.Throws<MosaicInputException>(() => PartitionSpec.Parse(text));

    [Fact]
    public void PartitionSpec_OwnerSqlAndCSharpAgree_ForNegativeIds()
    {
        using var session = new DuckDbSession(Engine);
        foreach (var id in new[] { long.MinValue, -7L, -1L, 0L, 5L, long.MaxValue })
        {
            Assert.Equal(PartitionSpec.OwnerOf(id, 7), (int)session.ScalarLong($"SELECT {PartitionSpec.OwnerSql($"CAST({id} AS BIGINT)", 7)}"));
        }

        Assert.Equal(new PartitionSpec(2, 5), PartitionSpec.Parse("2/5"));
    }

    [Fact]
    public void Cli_MisusedScaleOutOptions_ExitTwoWithTheReason()
    {
        using var temp = new TempFolder();
        var error = new StringWriter();

        Assert.Equal(2, CliApp.Run(["features", "--data", city.Data, "--out", temp.Path, "--exchange"], TextWriter.Null, error));
        Assert.Contains("--exchange needs --partition", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, CliApp.Run(["cluster", "status", temp.Path], TextWriter.Null, error));
        Assert.Contains("no cluster submission", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, CliApp.Run(["features", "--data", temp.Path, "--out", temp.Path, "--partition", "0/2"], TextWriter.Null, error));
        Assert.Contains("not a partitioned data folder", error.ToString(), StringComparison.Ordinal);
    }
}
