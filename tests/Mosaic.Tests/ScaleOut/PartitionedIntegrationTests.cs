using Mosaic.Data;
using Mosaic.Features;
using Mosaic.Integration;
using Mosaic.ScaleOut;

namespace Mosaic.Tests.ScaleOut;

public class PartitionedIntegrationTests(TinyCityRun city) : IClassFixture<TinyCityRun>
{
    private static readonly EngineOptions Engine = new(Threads: 2);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Merge_OfPartitions_WritesTheSameFilesAsOneMachine(int n)
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        var run = temp.File("run");
        // k = 5 publishes some mixing cells of the tiny city and suppresses others.
        var options = new IntegrationOptions { Engine = Engine, MinimumCellSize = 5 };
        var single = IntegrationStage.Run(options, city.Data, Path.GetDirectoryName(city.OneMachine.OutputFolder)!);
        Partitioner.Run(city.Data, pdir, n, Engine);
        for (var k = 0; k < n; k++)
        {
            FeaturePartitions.Exchange(new FeatureOptions { Engine = Engine }, pdir, run, new PartitionSpec(k, n));
        }

        for (var k = 0; k < n; k++)
        {
            FeaturePartitions.Compute(Engine, pdir, run, new PartitionSpec(k, n));
        }

        for (var k = 0; k < n; k++)
        {
            IntegrationPartitions.Compute(options, pdir, run, new PartitionSpec(k, n));
        }

        FeaturePartitions.Merge(Engine, pdir, run);

        var merged = IntegrationPartitions.Merge(options, pdir, run);

        var files = Directory.GetFiles(single.OutputFolder).Select(Path.GetFileName).Where(f => f != "manifest.json").Order(StringComparer.Ordinal).ToList();
        Assert.Contains("mixing.csv", files);
        foreach (var file in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(single.OutputFolder, file!)).SequenceEqual(File.ReadAllBytes(Path.Combine(merged.OutputFolder, file!))), file);
        }

        foreach (var part in new[] { "counts", "parameters" })
        {
            Assert.Equal(PartitionedSegregationTests.ManifestPart(single.OutputFolder, part), PartitionedSegregationTests.ManifestPart(merged.OutputFolder, part));
        }

        var mixing = File.ReadAllText(Path.Combine(merged.OutputFolder, "mixing.csv"));
        Assert.Contains(",true\n", mixing, StringComparison.Ordinal);
        Assert.Contains(",false\n", mixing, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_BeforeEveryPartitionsFeatures_RefusesAndNamesThem()
    {
        using var temp = new TempFolder();
        var pdir = temp.File("pdir");
        Partitioner.Run(city.Data, pdir, 2, Engine);

        var e = Assert.Throws<MosaicInputException>(() => IntegrationPartitions.Compute(new IntegrationOptions { Engine = Engine }, pdir, temp.File("run"), new PartitionSpec(0, 2)));

        Assert.Contains("2 of 2 have not finished `features --partition K/N`: 0, 1", e.Message, StringComparison.Ordinal);
    }
}
