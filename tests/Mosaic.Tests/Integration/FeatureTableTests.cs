using Mosaic.Data;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class FeatureTableTests
{
    private static string Write(TempFolder folder, string rows)
    {
        var path = folder.File("features.parquet");
        using var session = new DuckDbSession();
        session.Execute($"""
            CREATE TABLE f AS SELECT * FROM (VALUES {rows}) t(subscriber_id, week, "group", home_district, calls_out);
            COPY f TO {Sql.Literal(path)} (FORMAT parquet);
            """);
        return path;
    }

    [Fact]
    public void Load_UnsortedRowsWithNulls_SortedWithNaNAndNoDistrict()
    {
        using var folder = new TempFolder();
        var path = Write(folder, "(7, 2, 'new', NULL, 1.5), (3, 1, 'local', 4, NULL), (7, 3, 'new', 2, 2.5)");
        using var session = new DuckDbSession();
        var table = FeatureTable.Load(session, path);
        Assert.Equal([3L, 7, 7], table.Subscribers);
        Assert.Equal([1, 2, 3], table.Weeks);
        Assert.Equal([(byte)FeatureTable.Local, (byte)FeatureTable.New, (byte)FeatureTable.New], table.Groups);
        Assert.Equal([4, FeatureTable.NoDistrict, 2], table.HomeDistricts);
        Assert.Equal(["calls_out"], table.Columns);
        Assert.True(double.IsNaN(table.Values[0][0]));
        Assert.Equal([1.5, 2.5], table.Values[0][1..]);
        Assert.Contains("n_contacts", table.MissingColumns);
    }

    [Theory]
    [InlineData("(1, 1, 'local', 1, 1.0), (1, 2, 'settled', 1, 1.0)", "change group")]
    [InlineData("(1, 1, 'migrant', 1, 1.0)", "'migrant'")]
    [InlineData("(1, 1, 'local', 1, 1.0), (1, 1, 'local', 1, 2.0)", "duplicate")]
    [InlineData("(1, NULL, 'local', 1, 1.0)", "null subscriber_id or week")]
    public void Load_BadTable_InputErrorNamingTheFile(string rows, string reason)
    {
        using var folder = new TempFolder();
        var path = Write(folder, rows);
        using var session = new DuckDbSession();
        var error = Assert.Throws<MosaicInputException>(() => FeatureTable.Load(session, path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }
}
