using System.Globalization;
using System.Text;
using Mosaic.Geography;
using NetTopologySuite.Geometries;

namespace Mosaic.Reporting;

/// <summary>
/// District polygons projected for drawing: equirectangular with longitudes scaled by
/// cos(latitude of the map's centre), which keeps shapes right at city scale, fitted into a
/// fixed box with north up. Each district's outline is precomputed as an SVG path.
/// </summary>
internal sealed class DistrictMap
{
    private const double MapWidth = 420, MapHeight = 360, Margin = 6;

    private DistrictMap(IReadOnlyDictionary<int, string> paths, IReadOnlyDictionary<int, string> names, double width, double height)
    {
        Paths = paths;
        Names = names;
        Width = width;
        Height = height;
    }

    /// <summary>SVG path per district id, in map pixels.</summary>
    public IReadOnlyDictionary<int, string> Paths { get; }

    /// <summary>District names from the GeoJSON (id as text when absent).</summary>
    public IReadOnlyDictionary<int, string> Names { get; }

    /// <summary>Width of the drawn map in px.</summary>
    public double Width { get; }

    /// <summary>Height of the drawn map in px.</summary>
    public double Height { get; }

    /// <summary>Projects every feature that has an integer <c>district_id</c> property.</summary>
    public static DistrictMap FromFeatures(IReadOnlyList<GeoFeature> features)
    {
        var shapes = new List<(int Id, string Name, Geometry Geometry)>();
        foreach (var feature in features)
        {
            if (int.TryParse(feature.Property("district_id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                shapes.Add((id, feature.Property("name") ?? id.ToString(CultureInfo.InvariantCulture), feature.Geometry));
            }
        }

        var envelope = new Envelope();
        foreach (var shape in shapes)
        {
            envelope.ExpandToInclude(shape.Geometry.EnvelopeInternal);
        }

        var kx = Math.Cos(envelope.Centre.Y * Math.PI / 180);
        var spanX = Math.Max(envelope.Width * kx, 1e-9);
        var spanY = Math.Max(envelope.Height, 1e-9);
        var scale = Math.Min((MapWidth - (2 * Margin)) / spanX, (MapHeight - (2 * Margin)) / spanY);
        var width = (spanX * scale) + (2 * Margin);
        var height = (spanY * scale) + (2 * Margin);
        var paths = new SortedDictionary<int, string>();
        var names = new SortedDictionary<int, string>();
        foreach (var (id, name, geometry) in shapes.OrderBy(s => s.Id))
        {
            var d = new StringBuilder();
            for (var g = 0; g < geometry.NumGeometries; g++)
            {
                if (geometry.GetGeometryN(g) is not Polygon polygon)
                {
                    continue;
                }

                foreach (var ring in new[] { polygon.ExteriorRing }.Concat(polygon.InteriorRings))
                {
                    var first = true;
                    foreach (var c in ring.Coordinates)
                    {
                        var x = Margin + ((c.X - envelope.MinX) * kx * scale);
                        var y = Margin + ((envelope.MaxY - c.Y) * scale);
                        d.Append(first ? 'M' : 'L').Append(SvgCanvas.F(x)).Append(',').Append(SvgCanvas.F(y));
                        first = false;
                    }

                    d.Append('Z');
                }
            }

            paths[id] = paths.TryGetValue(id, out var existing) ? existing + d : d.ToString();
            names[id] = name;
        }

        return new DistrictMap(paths, names, width, height);
    }

    /// <summary>
    /// A choropleth: districts coloured by value on a viridis (sequential) or blue–orange
    /// (diverging, centred on 0) scale; districts without a value are hatched grey.
    /// </summary>
    public string Choropleth(string id, string title, IReadOnlyDictionary<int, double?> values, string unit, bool diverging, string? legendNote = null, double? lo = null, double? hi = null)
    {
        var present = values.Values.Where(v => v is double d && double.IsFinite(d)).Select(v => v!.Value).ToList();
        var min = lo ?? present.DefaultIfEmpty(0).Min();
        var max = hi ?? present.DefaultIfEmpty(1).Max();
        if (!(max > min))
        {
            max = min + 1;
        }

        var canvas = new SvgCanvas(id, Width + 130, Math.Max(Height + 34, 230), title);
        canvas.Text(8, 18, title, 13, bold: true);
        const double Offset = 26;
        canvas.BeginGroup(0, Offset);
        foreach (var (district, d) in Paths)
        {
            var name = Names[district];
            var hasValue = values.TryGetValue(district, out var v) && v is double value && double.IsFinite(value);
            var fill = hasValue ? Charts.Colour(v!.Value, min, max, diverging) : canvas.HatchUrl;
            var tip = hasValue ? $"{name} ({district}): {Charts.Num(v!.Value)} {unit}" : $"{name} ({district}): no value (suppressed or missing)";
            canvas.Path(d, fill, "#555555", tip);
        }

        canvas.EndGroup();

        Charts.ColourBar(canvas, Width + 14, Offset + 10, 140, min, max, unit, diverging);
        canvas.Rect(Width + 14, Offset + 180, 14, 12, canvas.HatchUrl, "#555555");
        canvas.Text(Width + 32, Offset + 190, legendNote ?? "no value", 10);
        return canvas.ToString();
    }
}
