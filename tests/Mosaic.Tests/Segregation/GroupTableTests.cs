using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

public class GroupTableTests
{
    internal const string Census = """
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
}
