using Mosaic.Cli;

namespace Mosaic.Tests.Simulation;

public sealed class SimulateCommandTests
{
    [Fact]
    public void Simulate_BadWeeks_ExitsTwoWithAMessage()
    {
        using var temp = new TempFolder();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["simulate", "--out", temp.File("out"), "--preset", "tiny", "--weeks", "0"], output, error);
        Assert.Equal(2, code);
        Assert.Equal("mosaic: --weeks must be between 1 and 52 (got 0)\n", error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Simulate_UnknownPreset_ExitsTwo()
    {
        var error = new StringWriter();
        Assert.Equal(2, CliApp.Run(["simulate", "--out", "x", "--preset", "huge"], new StringWriter(), error));
        Assert.Contains("huge", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_TwoWeekTinyCity_WritesTheDataFolderAndSummarises()
    {
        using var temp = new TempFolder();
        var output = new StringWriter();
        var folder = temp.File("out");
        var code = CliApp.Run(["simulate", "--out", folder, "--preset", "tiny", "--weeks", "2", "--subscribers", "4000", "--seed", "5"], output, new StringWriter());
        Assert.Equal(0, code);
        Assert.StartsWith("simulated ", output.ToString(), StringComparison.Ordinal);
        foreach (var file in new[] { "calls.parquet", "subscribers.parquet", "cells.parquet", "districts.parquet", "districts.geojson", "truth.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }
    }
}
