using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using NetTopologySuite.Geometries;


namespace Mosaic.Geography;

/// <summary>One feature of a GeoJSON FeatureCollection: a polygonal geometry and its properties.</summary>
/// <param name="Index">0-based position in the collection (used in messages).</param>
/// <param name="Geometry">A <see cref="Polygon"/> or <see cref="MultiPolygon"/>, x = longitude, y = latitude (WGS84).</param>
/// <param name="Properties">Scalar properties rendered as invariant strings; JSON null as null.</param>
public sealed record GeoFeature(int Index, Geometry Geometry, IReadOnlyDictionary<string, string?> Properties)
{
    /// <summary>A property value, or null when absent.</summary>
    public string? Property(string name) => Properties.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A district polygon to write.</summary>
/// <param name="DistrictId">The district's id.</param>
/// <param name="Name">The district's name.</param>
/// <param name="Geometry">Polygon or MultiPolygon in WGS84 (x = longitude).</param>
public sealed record DistrictShape(int DistrictId, string Name, Geometry Geometry);

/// <summary>
/// Reads and writes the GeoJSON Mosaic needs: FeatureCollections of Polygon and MultiPolygon
/// features (NetTopologySuite's GeoJSON package is not available, and this subset is small).
/// Invalid geometry is bad input, never silently repaired: a ring that is not closed or has
/// fewer than four positions, or a polygon that is not valid (self-intersection), is reported
/// with the file and the feature's index and name.
/// </summary>
public static class GeoJson
{
    /// <summary>The factory for WGS84 geometries (SRID 4326).</summary>
    public static GeometryFactory Factory { get; } = new(new PrecisionModel(), 4326);

    /// <summary>Reads every feature of a FeatureCollection file.</summary>
    /// <exception cref="MosaicInputException">The file is missing, not JSON, or has invalid geometry.</exception>
    public static IReadOnlyList<GeoFeature> ReadFeatures(string path)
    {
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "GeoJSON file not found");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new MosaicInputException(path, e.LineNumber + 1, $"not valid JSON: {e.Message.Split('.')[0]}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                throw new MosaicInputException(path, null, "not a GeoJSON FeatureCollection (no 'features' array)");
            }

            var result = new List<GeoFeature>();
            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                if (feature.ValueKind != JsonValueKind.Object)
                {
                    throw new MosaicInputException(path, null, $"feature {index} is a JSON {feature.ValueKind.ToString().ToLowerInvariant()}, not a Feature object");
                }

                result.Add(ReadFeature(path, index++, feature));
            }

            if (result.Count == 0)
            {
                throw new MosaicInputException(path, null, "the FeatureCollection has no features");
            }

            return result;
        }
    }

    private static GeoFeature ReadFeature(string path, int index, JsonElement feature)
    {
        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (feature.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in props.EnumerateObject())
            {
                properties[p.Name] = p.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => p.Value.GetString(),
                    _ => p.Value.GetRawText(),
                };
            }
        }

        var label = properties.TryGetValue("name", out var name) && name is not null ? $"feature {index} ('{name}')" : $"feature {index}";
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            throw new MosaicInputException(path, null, $"{label} has no geometry");
        }

        var type = geometry.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            throw new MosaicInputException(path, null, $"{label} has no coordinates");
        }

        Geometry shape = type switch
        {
            "Polygon" => ReadPolygon(path, label, coordinates),
            "MultiPolygon" => Factory.CreateMultiPolygon(Elements(path, label, coordinates, "a MultiPolygon's coordinates").Select(p => ReadPolygon(path, label, p)).ToArray()),
            _ => throw new MosaicInputException(path, null, $"{label} is a {type ?? "geometry without type"}; districts must be Polygon or MultiPolygon"),
        };
        if (!shape.IsValid)
        {
            var reason = new NetTopologySuite.Operation.Valid.IsValidOp(shape).ValidationError;
            throw new MosaicInputException(path, null, $"{label} has an invalid polygon: {reason?.Message ?? "invalid"} near ({reason?.Coordinate?.X.ToString(CultureInfo.InvariantCulture)}, {reason?.Coordinate?.Y.ToString(CultureInfo.InvariantCulture)})");
        }

        return new GeoFeature(index, shape, properties);
    }

    private static Polygon ReadPolygon(string path, string label, JsonElement rings)
    {
        if (rings.ValueKind != JsonValueKind.Array || rings.GetArrayLength() == 0)
        {
            throw new MosaicInputException(path, null, $"{label} has a polygon without rings");
        }

        var linear = rings.EnumerateArray().Select(r => ReadRing(path, label, Elements(path, label, r, "a ring"))).ToArray();
        return Factory.CreatePolygon(linear[0], linear[1..]);
    }

    /// <summary>The items of a JSON array that the GeoJSON grammar requires; anything else is bad input, not a crash.</summary>
    private static JsonElement.ArrayEnumerator Elements(string path, string label, JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray()
            : throw new MosaicInputException(path, null, $"{label}: {what} is a JSON {element.ValueKind.ToString().ToLowerInvariant()}, not an array");

    private static LinearRing ReadRing(string path, string label, JsonElement.ArrayEnumerator ring)
    {
        var points = new List<Coordinate>();
        foreach (var position in ring)
        {
            if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2
                || position[0].ValueKind != JsonValueKind.Number || position[1].ValueKind != JsonValueKind.Number
                || !position[0].TryGetDouble(out var x) || !position[1].TryGetDouble(out var y)
                || !double.IsFinite(x) || !double.IsFinite(y))
            {
                throw new MosaicInputException(path, null, $"{label} has a position that is not [longitude, latitude]");
            }

            points.Add(new Coordinate(x, y));
        }

        if (points.Count < 4)
        {
            throw new MosaicInputException(path, null, $"{label} has a ring with {points.Count} positions; at least 4 are needed");
        }

        if (!points[0].Equals2D(points[^1]))
        {
            throw new MosaicInputException(path, null, $"{label} has a ring that is not closed (first and last positions differ)");
        }

        return Factory.CreateLinearRing(points.ToArray());
    }

    /// <summary>Writes districts as a FeatureCollection with properties <c>district_id</c> and <c>name</c>, atomically.</summary>
    public static void WriteDistricts(string path, IEnumerable<DistrictShape> districts)
    {
        ArgumentNullException.ThrowIfNull(districts);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "FeatureCollection");
            json.WriteStartArray("features");
            foreach (var district in districts.OrderBy(d => d.DistrictId))
            {
                json.WriteStartObject();
                json.WriteString("type", "Feature");
                json.WriteStartObject("properties");
                json.WriteNumber("district_id", district.DistrictId);
                json.WriteString("name", district.Name);
                json.WriteEndObject();
                json.WriteStartObject("geometry");
                WriteGeometry(json, district.Geometry);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        AtomicFile.Write(path, temp => File.WriteAllBytes(temp, buffer.ToArray()));
    }

    private static void WriteGeometry(Utf8JsonWriter json, Geometry geometry)
    {
        switch (geometry)
        {
            case Polygon polygon:
                json.WriteString("type", "Polygon");
                json.WritePropertyName("coordinates");
                WritePolygon(json, polygon);
                break;
            case MultiPolygon multi:
                json.WriteString("type", "MultiPolygon");
                json.WriteStartArray("coordinates");
                foreach (var part in multi.Geometries.Cast<Polygon>())
                {
                    WritePolygon(json, part);
                }

                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"districts must be polygons, not {geometry.GeometryType}", nameof(geometry));
        }
    }

    private static void WritePolygon(Utf8JsonWriter json, Polygon polygon)
    {
        json.WriteStartArray();
        foreach (var ring in new[] { polygon.Shell }.Concat(polygon.Holes))
        {
            json.WriteStartArray();
            foreach (var c in ring.Coordinates)
            {
                json.WriteStartArray();
                // Six decimals is about 0.1 m: enough for districts, and stable bytes.
                json.WriteRawValue(Math.Round(c.X, 6).ToString("0.######", CultureInfo.InvariantCulture));
                json.WriteRawValue(Math.Round(c.Y, 6).ToString("0.######", CultureInfo.InvariantCulture));
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
    }
}
