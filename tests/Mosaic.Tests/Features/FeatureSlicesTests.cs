using Mosaic.Data;
using Mosaic.Features;
using Mosaic.Tests.ScaleOut;

namespace Mosaic.Tests.Features;

public class FeatureSlicesTests(TinyCityRun city) : IClassFixture<TinyCityRun>
{
    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    public void Run_InSlices_IsByteIdenticalToOnePass(int slices)
    {
        using var temp = new TempFolder();

        var sliced = FeatureStage.Run(new FeatureOptions { Slices = slices, Engine = new EngineOptions(Threads: 2) }, city.Data, temp.File("run"));

        Assert.Equal(File.ReadAllBytes(city.OneMachine.FeaturesPath), File.ReadAllBytes(sliced.FeaturesPath));
        Assert.Equal(TinyCityRun.ReportWithoutTimings(city.OneMachine.OutputFolder), TinyCityRun.ReportWithoutTimings(sliced.OutputFolder));
        // The slices' timings prove the sliced path ran; the graph must have triangles to be tested.
        Assert.Contains("writing slices", sliced.Report.TimingsSeconds.Keys);
        Assert.True(sliced.Report.TrianglesByWeek.Values.Sum() > 0);
        Assert.False(Directory.Exists(Path.Combine(sliced.OutputFolder, FeatureSlices.ScratchName)));
    }

    [Fact]
    public void Run_StaleSpillAndSlicesFromAnInterruptedRun_AreRemoved()
    {
        using var temp = new TempFolder();
        var output = Path.Combine(temp.File("run"), FeatureStage.Name);
        foreach (var folder in new[] { FeatureStage.SpillFolder, FeatureSlices.ScratchName })
        {
            Directory.CreateDirectory(Path.Combine(output, folder));
            File.WriteAllText(Path.Combine(output, folder, "leftover.tmp"), "x");
        }

        FeatureStage.Run(new FeatureOptions { Slices = 2, Engine = new EngineOptions(Threads: 2) }, city.Data, temp.File("run"));

        Assert.False(Directory.Exists(Path.Combine(output, FeatureStage.SpillFolder)));
        Assert.False(Directory.Exists(Path.Combine(output, FeatureSlices.ScratchName)));
    }

    [Fact]
    public void Run_FailingMidway_LeavesNoSpillOrSlices()
    {
        using var temp = new TempFolder();
        var output = Path.Combine(temp.File("run"), FeatureStage.Name);
        // A file where the features file must go makes the final write fail after the slices exist.
        Directory.CreateDirectory(Path.Combine(output, FeatureStage.FeaturesFile));

        Assert.ThrowsAny<Exception>(() =>
            FeatureStage.Run(new FeatureOptions { Slices = 2, Engine = new EngineOptions(Threads: 2) }, city.Data, temp.File("run")));

        Assert.False(Directory.Exists(Path.Combine(output, FeatureStage.SpillFolder)));
        Assert.False(Directory.Exists(Path.Combine(output, FeatureSlices.ScratchName)));
    }

    [Theory]
    [InlineData(4_870_000L, "16GB", 1)]
    [InlineData(10_000_000L, "16GB", 1)]
    [InlineData(100_000_000L, "16GB", 5)]
    [InlineData(651_932_272L, "16GB", 33)]
    [InlineData(651_932_272L, "16GiB", 31)]
    [InlineData(20_000_001L, "16000MB", 2)]
    public void Choose_SlicesFromCallsAndMemory(long calls, string memory, int expected) =>
        Assert.Equal(expected, FeatureSlices.Choose(calls, memory));

    [Theory]
    [InlineData(65_000_000L, "12GB", 42, 8)]
    [InlineData(1_000L, "12GB", 42, 1)]
    [InlineData(1_000_000_000_000L, "1GB", 42, 42)]
    public void Regroup_SlicesFromEventsAndMemory_AtMostTheFoldersWritten(long events, string memory, int buckets, int expected) =>
        Assert.Equal(expected, FeatureSlices.Regroup(events, memory, buckets));
}
