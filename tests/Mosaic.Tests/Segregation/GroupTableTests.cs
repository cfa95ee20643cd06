using System.Text.Json;
using Mosaic.Cli;
using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

public class GroupTableTests
{
    private const string Census = """
        district,refugees,hosts,total
        a,10,10,20
        b,0,0,0
        c,30,10,40
        d,0,40,40
        """;

    [Fact]
    public void FromCsv_HandTable_SameIndicesAsInMemory()
    {
        using var temp = new TempFolder();
        var path = temp.Write("census.csv", Census);
        var report = GroupTable.FromCsv(path, "district", ["refugees", "hosts"]).Compute();
        Assert.Equal(4, report.Units);
        Assert.Equal(40, report.GroupTotals["refugees"]);
        // Same table as SegregationIndicesTests' single-group hand case.
        Assert.Equal(32.0 / 48.0, report.SingleGroup["refugees"].Dissimilarity, 12);
        Assert.Equal(0.75, report.SingleGroup["refugees"].Gini, 12);
        Assert.Equal(report.SingleGroup["refugees"].Dissimilarity, report.Multigroup!.Dissimilarity, 12);
    }

    [Fact]
    public void FromCsv_TotalColumn_UsedForSingleGroup()
    {
        using var temp = new TempFolder();
        var path = temp.Write("census.csv", "unit,x,t\na,10,100\nb,10,20\n");
        var report = GroupTable.FromCsv(path, "unit", ["x"], "t").Compute();
        // P = 20/120; D = (100·|0.1 − 1/6| + 20·|0.5 − 1/6|) / (2·120·(1/6)(5/6)).
        var p = 20 / 120.0;
        Assert.Equal(((100 * Math.Abs(0.1 - p)) + (20 * Math.Abs(0.5 - p))) / (2 * 120 * p * (1 - p)), report.SingleGroup["x"].Dissimilarity, 12);
        Assert.Null(report.Multigroup);
    }

    [Theory]
    [InlineData("unit,x\na,1\na,2\n", "unit", "census.csv:3: unit 'a' appears more than once")]
    [InlineData("unit,x\na,1\nb,-2\n", "unit", "census.csv:3: column 'x': '-2' is not a non-negative number")]
    [InlineData("unit,x\na,1\nb,lots\n", "unit", "census.csv:3: column 'x': 'lots' is not a non-negative number")]
    [InlineData("unit,x\na,1\n", "district", "census.csv:1: column 'district' not found")]
    public void FromCsv_BadInput_InputErrorWithFileAndLine(string content, string unit, string expected)
    {
        using var temp = new TempFolder();
        var path = temp.Write("census.csv", content);
        var error = Assert.Throws<Mosaic.MosaicInputException>(() => GroupTable.FromCsv(path, unit, ["x"]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

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
