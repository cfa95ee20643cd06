using Mosaic.Cli;
using Mosaic.Tests.Features;

namespace Mosaic.Tests.Cli;

public class FeaturesCommandTests
{
    [Fact]
    public void Features_DataFolder_WritesOutputsAndExitsZero()
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");
        FeaturePropertyTests.RandomDataset(3).WriteTo(data);
        var run = Path.Combine(temp.Path, "run");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = CliApp.Run(["features", "--data", data, "--out", run, "--machine-threshold", "500"], output, error);

        Assert.Equal(0, code);
        Assert.Contains("subject-weeks", output.ToString(), StringComparison.Ordinal);
        foreach (var file in new[] { "features.parquet", "report.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(run, "features", file)), file);
        }

        Assert.Contains("\"machine_threshold\": \"500\"", File.ReadAllText(Path.Combine(run, "features", "manifest.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Features_MissingDataFolder_ExitsTwoNamingTheFile()
    {
        using var temp = new TempFolder();
        var error = new StringWriter();
        var code = CliApp.Run(["features", "--data", Path.Combine(temp.Path, "nope"), "--out", temp.Path], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Contains("districts.parquet", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Features_BadThreshold_ExitsTwo()
    {
        var error = new StringWriter();
        var code = CliApp.Run(["features", "--data", "x", "--out", "y", "--machine-threshold", "0"], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Contains("MachineThreshold", error.ToString(), StringComparison.Ordinal);
    }
}
