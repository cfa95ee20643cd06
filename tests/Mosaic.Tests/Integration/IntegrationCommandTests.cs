using Mosaic.Cli;

namespace Mosaic.Tests.Integration;

public class IntegrationCommandTests
{
    [Fact]
    public void Integration_NoFeaturesTableNorData_ExitsTwoNamingTheDataFolder()
    {
        using var folder = new TempFolder();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["integration", "--data", folder.File("data"), "--out", folder.File("run")], output, error);
        Assert.Equal(2, code);
        Assert.Contains("missing from the data folder", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Integration_NoFeaturesTable_ComputesFeaturesFirst()
    {
        using var folder = new TempFolder();
        Mosaic.Simulation.Simulator.Run(new Mosaic.Simulation.SimulationOptions { Preset = Mosaic.Simulation.SimulationPreset.Tiny, Seed = 3 }, folder.File("data"));
        var error = new StringWriter();
        var code = CliApp.Run(["integration", "--data", folder.File("data"), "--out", folder.File("run")], new StringWriter(), error);
        Assert.True(code == 0, error.ToString());
        Assert.True(File.Exists(Path.Combine(folder.File("run"), "features", "features.parquet")));
        Assert.True(File.Exists(Path.Combine(folder.File("run"), "integration", "convergence_by_feature.csv")));
    }

    [Fact]
    public void Integration_BadStart_ExitsTwo()
    {
        using var folder = new TempFolder();
        folder.Write("run/features/features.parquet", "not parquet");
        var error = new StringWriter();
        var code = CliApp.Run(["integration", "--data", folder.File("data"), "--out", folder.File("run"), "--start", "yesterday"], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("--start", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Integration_SmallStudy_ExitsZeroAndListsTheFiles()
    {
        using var folder = new TempFolder();
        new SyntheticStudy(locals: 60, settled: 40, newcomers: 20, gap: 1.0, seed: 3).Write(folder.File("data"), folder.File("run"), callsPerWeek: 3);
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["integration", "--data", folder.File("data"), "--out", folder.File("run")], output, error);
        Assert.True(code == 0, error.ToString());
        var text = output.ToString();
        foreach (var file in new[] { "groups.csv", "mixing.csv", "spatial.csv", "evolution.csv", "convergence.csv", "convergence_by_feature.csv",
            "classification.csv", "coefficients.csv", "confusion_three_way.csv", "misclassified_as_local.csv" })
        {
            Assert.Contains(file, text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder.File("run"), "integration", file)), file);
        }

        Assert.Contains("local 60, settled 40, new 20", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1001", text + error, StringComparison.Ordinal); // no subscriber id leaks (ids start at 1001)
    }
}
