using System.Text.Json;
using Mosaic.Cli;

namespace Mosaic.Tests.Segregation;

/// <summary>The <c>segregation</c> and <c>indices</c> verbs: parse, call the library, exit codes.</summary>
public class SegregationCommandTests
{
    private const string Census = GroupTableTests.Census;

    [Fact]
    public void IndicesVerb_CensusTable_WritesJsonAndExitsZero()
    {
        using var temp = new TempFolder();
        var path = temp.Write("census.csv", Census);
        var json = temp.File("out.json");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(["indices", "--table", path, "--unit", "district", "--groups", "refugees,hosts", "--total", "total", "--out", json], output, error);
        Assert.Equal(0, code);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var single = document.RootElement.GetProperty("single_group").GetProperty("refugees");
        Assert.Equal(32.0 / 48.0, single.GetProperty("dissimilarity").GetDouble(), 12);
        Assert.Equal("total", document.RootElement.GetProperty("total_column").GetString());
        Assert.True(document.RootElement.GetProperty("multigroup").TryGetProperty("simpsons_interaction", out _));
    }

    [Fact]
    public void IndicesVerb_MissingColumn_ExitTwoWithMessage()
    {
        using var temp = new TempFolder();
        var path = temp.Write("census.csv", Census);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(["indices", "--table", path, "--unit", "district", "--groups", "refugees,nobody", "--out", temp.File("x.json")], output, error);
        Assert.Equal(2, code);
        Assert.Contains("column 'nobody' not found", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SegregationVerb_PlantedCity_ExitZeroWithSummaryAndOutputs()
    {
        using var temp = new TempFolder();
        var data = PlantedCityTests.MakeCity(temp, effect: 0.1, planted: [1, 2, 3], callsPerSubscriber: 20);
        var run = Path.Combine(temp.Path, "run");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(["segregation", "--data", data, "--out", run, "--alpha", "0.01", "--threads", "1"], output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("RT_vs_TT: 3 of 8 districts segregated (p < 0.01)", output.ToString(), StringComparison.Ordinal);
        foreach (var file in new[] { "call_matrices.csv", "populations.csv", "district_tests.csv", "indices.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(run, "segregation", file)), file);
        }
    }

    [Fact]
    public void SegregationVerb_MissingDataFolder_ExitTwo()
    {
        using var temp = new TempFolder();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(["segregation", "--data", temp.File("nothing"), "--out", temp.File("run")], output, error);
        Assert.Equal(2, code);
        Assert.Contains("data folder not found", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SegregationVerb_HelpListsOptions()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        CliApp.Run(["segregation", "--help"], output, error);
        var help = output.ToString();
        foreach (var option in new[] { "--data", "--out", "--alpha", "--unknown-status", "--k", "--populations", "--calls" })
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
        }
    }
}
