using System.Globalization;
using System.Text;
using Mosaic.Data;
using NetTopologySuite.Geometries;

namespace Mosaic.Simulation;

/// <summary>Writes the simulated districts as a GeoJSON FeatureCollection with properties <c>district_id</c> and <c>name</c>.</summary>
internal static class DistrictsGeoJson
{
    public static void Write(string path, IReadOnlyList<CityDistrict> districts)
    {
        var text = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for (var d = 0; d < districts.Count; d++)
        {
            var district = districts[d];
            text.Append("{\"type\":\"Feature\",\"properties\":{\"district_id\":")
                .Append(district.Id.ToString(CultureInfo.InvariantCulture))
                .Append(",\"name\":").Append(System.Text.Json.JsonSerializer.Serialize(district.Name))
                .Append("},\"geometry\":");
            AppendGeometry(text, district.Polygon);
            text.Append('}').Append(d + 1 < districts.Count ? ",\n" : "\n");
        }

        text.Append("]}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static void AppendGeometry(StringBuilder text, Geometry geometry)
    {
        var polygons = Enumerable.Range(0, geometry.NumGeometries).Select(geometry.GetGeometryN).OfType<Polygon>().ToList();
        text.Append("{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (var p = 0; p < polygons.Count; p++)
        {
            text.Append('[');
            var rings = new[] { polygons[p].ExteriorRing }.Concat(polygons[p].InteriorRings).ToList();
            for (var r = 0; r < rings.Count; r++)
            {
                text.Append('[');
                var coords = rings[r].Coordinates;
                for (var c = 0; c < coords.Length; c++)
                {
                    text.Append('[').Append(coords[c].X.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                        .Append(coords[c].Y.ToString("R", CultureInfo.InvariantCulture)).Append(']').Append(c + 1 < coords.Length ? "," : "");
                }

                text.Append(']').Append(r + 1 < rings.Count ? "," : "");
            }

            text.Append(']').Append(p + 1 < polygons.Count ? "," : "");
        }

        text.Append("]}");
    }
}
