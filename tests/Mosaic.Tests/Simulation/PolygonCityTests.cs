using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Geography;
using Mosaic.Simulation;
using NetTopologySuite.Geometries;

namespace Mosaic.Tests.Simulation;

public sealed class PolygonCityTests
{
    [Fact]
    public void Run_IstanbulPolygons_BuildsThe39DistrictsAndKeepsThePlantedTruth()
    {
        var geojson = SharedData.Path("istanbul/istanbul-districts.json");
        var populations = SharedData.Path("istanbul/istanbul_districts_population_2020_2021.csv");
        if (geojson is null || populations is null || !File.Exists(geojson))
        {
            return; // The shared public data are not beside this checkout.
        }

        using var temp = new TempFolder();
        var table = new StringBuilder("name,population,monthly_rent\n");
        foreach (var line in File.ReadLines(populations).Skip(1))
        {
            var f = line.Split(',');
            // Rent is not what this test checks: a flat figure keeps it independent of the listings data.
            table.Append(CultureInfo.InvariantCulture, $"{f[2]},{f[6]},1000\n");
        }

        var options = new SimulationOptions
        {
            Preset = SimulationPreset.Tiny,
            Seed = 3,
            GeoJsonPath = geojson,
            DistrictTablePath = temp.Write("districts.csv", table.ToString()),
        };
        var folder = temp.File("istanbul");
        var result = Simulator.Run(options, folder);
        Assert.Equal(39, result.Districts);

        using var session = new DuckDbSession();
        DataFolder.Attach(session, folder);
        Assert.Equal(15_840_900, session.ScalarLong("SELECT CAST(sum(population) AS BIGINT) FROM districts"));
        Assert.Equal("Kadıköy", session.Scalar("SELECT name FROM districts WHERE name = 'Kadıköy'"));

        // Every cell lies inside the polygon of its district.
        var shapes = GeoJson.ReadFeatures(Path.Combine(folder, "districts.geojson"))
            .ToDictionary(f => int.Parse(f.Property("district_id")!, CultureInfo.InvariantCulture), f => f.Geometry);
        Assert.Equal(39, shapes.Count);
        foreach (var (district, lat, lon) in session.Query("SELECT district_id, lat, lon FROM cells", r => (r.GetInt32(0), r.GetDouble(1), r.GetDouble(2))))
        {
            Assert.True(shapes[district].Buffer(1e-5).Contains(GeoJson.Factory.CreatePoint(new Coordinate(lon, lat))), $"cell outside district {district}");
        }

        // The planted features hold on real geography too.
        var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, Simulator.TruthFileName))).RootElement;
        var measured = SimulatedCity.MeasureFeatures(session, new StudyCalendar(options.Start));
        foreach (var e in truth.GetProperty("expected").EnumerateArray())
        {
            var key = (e.GetProperty("group").GetString()!, e.GetProperty("week").GetInt32(), e.GetProperty("feature").GetString()!);
            Assert.InRange(measured[key], e.GetProperty("value").GetDouble() - e.GetProperty("tolerance").GetDouble(), e.GetProperty("value").GetDouble() + e.GetProperty("tolerance").GetDouble());
        }
    }

    [Fact]
    public void Run_DistrictTableMissingADistrict_IsBadInputNamingTheFile()
    {
        using var temp = new TempFolder();
        var geojson = temp.Write("d.geojson", """
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"name":"North"},"geometry":{"type":"Polygon","coordinates":[[[29,41],[29.1,41],[29.1,41.1],[29,41.1],[29,41]]]}},
             {"type":"Feature","properties":{"name":"South"},"geometry":{"type":"Polygon","coordinates":[[[29,40.9],[29.1,40.9],[29.1,41],[29,41],[29,40.9]]]}}]}
            """);
        var csv = temp.Write("d.csv", "name,population,monthly_rent\nNorth,1000,300\n");
        var options = new SimulationOptions { Preset = SimulationPreset.Tiny, GeoJsonPath = geojson, DistrictTablePath = csv };
        var error = Assert.Throws<MosaicInputException>(() => Simulator.Run(options, temp.File("out")));
        Assert.Equal($"{csv}: no row for district 'South' of d.geojson", error.Message);

        var bad = temp.Write("bad.csv", "name,population,monthly_rent\nNorth,many,300\nSouth,10,1\n");
        error = Assert.Throws<MosaicInputException>(() => Simulator.Run(options with { DistrictTablePath = bad }, temp.File("out")));
        Assert.Equal($"{bad}:2: population 'many' is not a non-negative integer", error.Message);
    }
}
