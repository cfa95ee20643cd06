using System.Globalization;
using Mosaic.Geography;
using NetTopologySuite.Geometries;

namespace Mosaic.Simulation;

/// <summary>
/// A city on real district polygons (GeoJSON features with a <c>name</c> property) and a
/// district table (CSV <c>name,population,monthly_rent</c>, matched by name ignoring case).
/// Districts are numbered 1..n in the order of the GeoJSON features.
/// </summary>
internal static class PolygonCity
{
    public static City Build(string geoJsonPath, string districtTablePath, int cells, ref Rng rng)
    {
        var features = GeoJson.ReadFeatures(geoJsonPath);
        var table = ReadTable(districtTablePath);
        var rows = new List<(string Name, long Population, double Rent, Geometry Shape)>();
        foreach (var feature in features)
        {
            var name = feature.Property("name")
                ?? throw new MosaicInputException(geoJsonPath, null, $"feature {feature.Index} has no 'name' property to match the district table");
            if (!table.TryGetValue(Key(name), out var row))
            {
                throw new MosaicInputException(districtTablePath, null, $"no row for district '{name}' of {Path.GetFileName(geoJsonPath)}");
            }

            rows.Add((name, row.Population, row.Rent, feature.Geometry));
        }

        // The centre is the population-weighted mean of the district centroids.
        var total = rows.Sum(r => (double)r.Population);
        var lat = rows.Sum(r => r.Shape.Centroid.Y * r.Population) / total;
        var lon = rows.Sum(r => r.Shape.Centroid.X * r.Population) / total;
        var plane = new LocalPlane(lat, lon);
        var planePolygons = rows.Select(r => plane.Map(r.Shape, toPlane: true)).ToList();
        var (xs, ys, ds) = City.PlaceCells(planePolygons, rows.Select(r => r.Population).ToList(), cells, ref rng);
        var districts = rows.Select((r, d) =>
        {
            var centroid = planePolygons[d].Centroid;
            return new CityDistrict(d + 1, r.Name, r.Population, r.Rent, r.Shape) { X = centroid.X, Y = centroid.Y };
        }).ToList();
        return new City(plane, districts, xs, ys, ds);
    }

    private static string Key(string name) => name.Trim().ToUpperInvariant();

    /// <summary>Reads <c>name,population,monthly_rent</c> (any column order, more columns allowed; fields without commas or quoted).</summary>
    private static Dictionary<string, (long Population, double Rent)> ReadTable(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new MosaicInputException(path, 1, "empty district table; expected a header name,population,monthly_rent");
        }

        var header = Split(lines[0].TrimStart('\uFEFF'));
        int Column(string name) => Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase)) is var i and >= 0
            ? i : throw new MosaicInputException(path, 1, $"missing column '{name}' (expected name,population,monthly_rent)");
        var (nameCol, popCol, rentCol) = (Column("name"), Column("population"), Column("monthly_rent"));
        var result = new Dictionary<string, (long, double)>(StringComparer.Ordinal);
        for (var l = 1; l < lines.Length; l++)
        {
            if (string.IsNullOrWhiteSpace(lines[l]))
            {
                continue;
            }

            var fields = Split(lines[l]);
            if (fields.Length <= Math.Max(nameCol, Math.Max(popCol, rentCol)))
            {
                throw new MosaicInputException(path, l + 1, $"expected at least {header.Length} fields, found {fields.Length}");
            }

            if (!long.TryParse(fields[popCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out var population) || population < 0)
            {
                throw new MosaicInputException(path, l + 1, $"population '{fields[popCol]}' is not a non-negative integer");
            }

            if (!double.TryParse(fields[rentCol], NumberStyles.Float, CultureInfo.InvariantCulture, out var rent) || !(rent >= 0) || double.IsInfinity(rent))
            {
                throw new MosaicInputException(path, l + 1, $"monthly_rent '{fields[rentCol]}' is not a non-negative number");
            }

            if (!result.TryAdd(Key(fields[nameCol]), (population, rent)))
            {
                throw new MosaicInputException(path, l + 1, $"district '{fields[nameCol]}' appears twice");
            }
        }

        return result;
    }

    private static string[] Split(string line) =>
        [.. line.Split(',').Select(f => f.Trim()).Select(f => f.Length >= 2 && f[0] == '"' && f[^1] == '"' ? f[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : f)];
}
