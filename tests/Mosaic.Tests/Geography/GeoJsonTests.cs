using Mosaic.Geography;
using NetTopologySuite.Geometries;

namespace Mosaic.Tests.Geography;

public class GeoJsonTests
{
    private const string Square = """
        {"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"A","district_id":1},
           "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"name":"B"},
           "geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]]]]}}]}
        """;

    [Fact]
    public void ReadFeatures_PolygonAndMultiPolygon_ReadWithProperties()
    {
        using var dir = new TempFolder();
        var features = GeoJson.ReadFeatures(dir.Write("d.geojson", Square));
        Assert.Equal(2, features.Count);
        Assert.Equal("A", features[0].Property("name"));
        Assert.Equal("1", features[0].Property("district_id"));
        Assert.IsType<MultiPolygon>(features[1].Geometry);
        Assert.Equal(1.0, features[0].Geometry.Area, 12);
    }

    [Theory]
    [InlineData("[[[0,0],[1,0],[1,1],[0,1]]]", "not closed")]
    [InlineData("[[[0,0],[1,0],[0,0]]]", "at least 4")]
    [InlineData("[[[0,0],[1,1],[1,0],[0,1],[0,0]]]", "invalid polygon")]
    public void ReadFeatures_BadRing_IsBadInputNamingFeature(string rings, string reason)
    {
        using var dir = new TempFolder();
        var path = dir.Write("bad.geojson",
            $$$"""{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X"},"geometry":{"type":"Polygon","coordinates":{{{rings}}}}}]}""");
        var error = Assert.Throws<MosaicInputException>(() => GeoJson.ReadFeatures(path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("feature 0 ('X')", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFeatures_NotJson_IsBadInput()
    {
        using var dir = new TempFolder();
        Assert.Throws<MosaicInputException>(() => GeoJson.ReadFeatures(dir.Write("x.geojson", "\u0001\u0002 not json")));
    }

    [Fact]
    public void WriteDistricts_RoundTrips()
    {
        using var dir = new TempFolder();
        var features = GeoJson.ReadFeatures(dir.Write("d.geojson", Square));
        var path = dir.File("out.geojson");
        GeoJson.WriteDistricts(path, features.Select((f, i) => new DistrictShape(i + 1, f.Property("name")!, f.Geometry)));
        var again = GeoJson.ReadFeatures(path);
        Assert.Equal(["1", "2"], again.Select(f => f.Property("district_id")));
        Assert.True(again[1].Geometry.EqualsTopologically(features[1].Geometry));
    }

    [Fact]
    public void DistrictLocator_SharedBoundary_GoesToSmallerId()
    {
        using var dir = new TempFolder();
        var features = GeoJson.ReadFeatures(dir.Write("d.geojson", Square));
        var locator = new DistrictLocator(features.Select((f, i) => (i + 1, f.Geometry)));
        Assert.Equal(1, locator.Locate(lat: 0.5, lon: 0.5));
        Assert.Equal(2, locator.Locate(lat: 0.5, lon: 1.5));
        Assert.Equal(1, locator.Locate(lat: 0.5, lon: 1.0));
        Assert.Null(locator.Locate(lat: 5, lon: 5));
    }

    [Fact]
    public void IstanbulDistricts_ReadAndLocateLandmarks()
    {
        var path = SharedData.Path("istanbul/istanbul-districts.json");
        if (path is null || !File.Exists(path))
        {
            return; // ../shared is absent: nothing to check against.
        }

        var features = GeoJson.ReadFeatures(path);
        Assert.Equal(39, features.Count);
        var locator = new DistrictLocator(features.Select(f => (f.Index, f.Geometry)));
        string? NameAt(double lat, double lon) => locator.Locate(lat, lon) is int i ? features[i].Property("name") : null;
        Assert.Equal("Kadıköy", NameAt(40.9906, 29.0290));   // Kadıköy pier
        Assert.Equal("Fatih", NameAt(41.0086, 28.9802));     // Hagia Sophia
        Assert.Equal("Beşiktaş", NameAt(41.0391, 29.0003));  // Dolmabahçe
        Assert.Null(NameAt(39.93, 32.85));                   // Ankara
    }
}
