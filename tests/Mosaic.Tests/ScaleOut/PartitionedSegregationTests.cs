using System.Text.Json.Nodes;
using Mosaic.Data;
using Mosaic.ScaleOut;
using Mosaic.Segregation;

namespace Mosaic.Tests.ScaleOut;

public class PartitionedSegregationTests(TinyCityRun city) : IClassFixture<TinyCityRun>
{
    private static readonly EngineOptions Engine = new(Threads: 2);

    /// <summary>
    /// Home-location populations (the partitions' home exchange), and a sample small enough that
    /// the distinct callers are hash-sampled with an exact recount below k, as on big inputs.
    /// </summary>
    private static SegregationOptions Options(PopulationSource populations) => new()
    {
        Engine = Engine,
        Populations = populations,
        ExactCallersBelow = 500,
    };

    /// <summary>The tiny city with one callee cell in eight unknown, so homes stand in for them (the simulator always knows the cell).</summary>
    private string WithUnknownCalleeCells(TempFolder temp)
    {
        var data = temp.File("data");
        Directory.CreateDirectory(data);
        foreach (var file in Directory.GetFiles(city.Data))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        using var session = new DuckDbSession(Engine);
        var calls = DataFolder.TablePath(data, CanonicalTables.Calls);
        session.CopyToParquet($"""
            SELECT * REPLACE (CASE WHEN hash(caller_id, callee_id, start_time) % 8 = 0 THEN NULL ELSE callee_cell END AS callee_cell)
            FROM read_parquet({Sql.Literal(DataFolder.TablePath(city.Data, CanonicalTables.Calls))})
            """, calls);
        return data;
    }

    private static void RunPartitions(SegregationOptions options, string pdir, string run, int n, IEnumerable<int>? computeOnly = null)
    {
        for (var k = 0; k < n; k++)
        {
            SegregationPartitions.Exchange(options, pdir, run, new PartitionSpec(k, n));
        }

        foreach (var k in computeOnly ?? Enumerable.Range(0, n))
        {
            SegregationPartitions.Compute(options, pdir, run, new PartitionSpec(k, n));
        }
    }

    [Theory]
    [InlineData(1, PopulationSource.HomeLocations)]
    [InlineData(4, PopulationSource.HomeLocations)]
    [InlineData(4, PopulationSource.Districts)]
    public void Merge_OfPartitions_WritesTheSameFilesAsOneMachine(int n, PopulationSource populations)
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        var options = Options(populations);
        var data = WithUnknownCalleeCells(temp);
        var single = SegregationStage.Run(options, data, temp.File("single"));
        Partitioner.Run(data, pdir, n, Engine);
        RunPartitions(options, pdir, run, n);

        var merged = SegregationPartitions.Merge(Engine, pdir, run);

        var files = Directory.GetFiles(single.OutputFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(single.OutputFolder, f))
            .Where(f => f != "manifest.json")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(6, files.Count);
        foreach (var file in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(single.OutputFolder, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(merged.OutputFolder, file))), file);
        }

        foreach (var part in new[] { "counts", "parameters", "inputs" })
        {
            Assert.Equal(ManifestPart(single.OutputFolder, part), ManifestPart(merged.OutputFolder, part));
        }
        // The comparison must cover the hard parts: suppressed and published cells, sampled callers.
        var matrices = File.ReadAllText(Path.Combine(merged.OutputFolder, "call_matrices.csv"));
        Assert.Contains(",true\n", matrices, StringComparison.Ordinal);
        Assert.Contains(",false\n", matrices, StringComparison.Ordinal);
        Assert.True(single.Counts["calls_callee_cell_unknown"] > 0);
        Assert.NotEqual(0UL, CallMatrixQuery.SampleMask(single.Counts["calls_read"], options.ExactCallersBelow));
    }

    [Fact]
    public void Merge_IncompleteSet_RefusesAndNamesTheMissingPartitions()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        Partitioner.Run(city.Data, pdir, 3, Engine);
        RunPartitions(Options(PopulationSource.Auto), pdir, run, 3, computeOnly: [1]);

        var e = Assert.Throws<MosaicInputException>(() => SegregationPartitions.Merge(Engine, pdir, run));

        Assert.Contains("2 of 3 have not finished `segregation --partition K/N`: 0, 2", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, SegregationStage.Name, "call_matrices.csv")));
    }

    [Fact]
    public void Compute_WithOtherOptionsThanTheExchange_Refuses()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        Partitioner.Run(city.Data, pdir, 2, Engine);
        RunPartitions(Options(PopulationSource.Auto), pdir, run, 2, computeOnly: []);

        var e = Assert.Throws<MosaicInputException>(() =>
            SegregationPartitions.Compute(Options(PopulationSource.Auto) with { IncludeTexts = true }, pdir, run, new PartitionSpec(0, 2)));

        Assert.Contains("other options", e.Message, StringComparison.Ordinal);
    }

    internal static string ManifestPart(string folder, string part) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")))![part]!.ToJsonString();
}
