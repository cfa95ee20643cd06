using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using SkiaSharp;

namespace Mosaic.Reporting;

/// <summary>
/// Draws the SVG subset that <see cref="SvgCanvas"/> emits (rect, line, polyline, polygon, path,
/// circle, text, translated groups and the one hatch pattern) onto a SkiaSharp canvas and
/// encodes it as PNG. It is not a general SVG renderer: an element or attribute value outside
/// that subset throws, so a change to the figure code that the raster copy would silently drop
/// fails the report tests instead. Chromium is not needed.
/// </summary>
internal static class SvgRaster
{
    /// <summary>Pixels per SVG unit: 2 keeps 9–11 px labels legible when the PNG is scaled down in a slide.</summary>
    public const float DefaultScale = 2f;

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Liberation Sans has Arial's metrics, so labels take the width a browser's sans-serif gives
    // them; DejaVu Sans covers the most symbols and is the fallback for text Liberation lacks.
    // Families are matched by name first; the NoDependencies native build has no fontconfig, so
    // the usual font files are tried next, and Skia's default typeface last.
    private static readonly (string Family, string Regular, string Bold)[] Fonts =
    [
        ("Liberation Sans", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
        ("Arial", "/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
        ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ("Lato", "/usr/share/fonts/truetype/lato/Lato-Regular.ttf", "/usr/share/fonts/truetype/lato/Lato-Bold.ttf"),
    ];

    private static readonly Lazy<SKTypeface[]> Regular = new(() => ResolveTypefaces(bold: false));
    private static readonly Lazy<SKTypeface[]> Bold = new(() => ResolveTypefaces(bold: true));

    /// <summary>The typeface text is drawn with (for the report's notes and the tests).</summary>
    public static string FontFamily => Regular.Value[0].FamilyName;

    /// <summary>Renders <paramref name="svg"/> and returns the PNG bytes.</summary>
    /// <exception cref="InvalidOperationException">The SVG uses something outside the supported subset.</exception>
    public static byte[] ToPng(string svg, float scale = DefaultScale)
    {
        var root = Parse(svg);
        var width = Number(root, "width");
        var height = Number(root, "height");
        var info = new SKImageInfo((int)Math.Ceiling(width * scale), (int)Math.Ceiling(height * scale), SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException("could not allocate a raster surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        canvas.Scale(scale);
        using var painter = new Painter(canvas, scale);
        foreach (var child in root.Elements())
        {
            painter.Draw(child);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static XElement Parse(string svg)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(svg), settings);
        var root = XDocument.Load(reader).Root ?? throw new InvalidOperationException("empty SVG");
        return root.Name == Svg + "svg" ? root : throw new InvalidOperationException($"root element is {root.Name.LocalName}, not svg");
    }

    private static float Number(XElement element, string attribute, float fallback = float.NaN)
    {
        var text = (string?)element.Attribute(attribute);
        if (text is null)
        {
            return float.IsNaN(fallback) ? throw Unsupported(element, $"missing {attribute}") : fallback;
        }

        return float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static InvalidOperationException Unsupported(XElement element, string what) =>
        new($"SvgRaster: <{element.Name.LocalName}> {what} is outside the SVG subset SvgCanvas emits");

    /// <summary>Every available typeface of <see cref="Fonts"/>, in order; Skia's default when none is.</summary>
    private static SKTypeface[] ResolveTypefaces(bool bold)
    {
        var found = new List<SKTypeface>();
        foreach (var (family, regular, boldFile) in Fonts)
        {
            var typeface = SKFontManager.Default.MatchFamily(family, bold ? SKFontStyle.Bold : SKFontStyle.Normal);
            var file = bold ? boldFile : regular;
            typeface ??= File.Exists(file) ? SKTypeface.FromFile(file) : null;
            if (typeface is not null)
            {
                found.Add(typeface);
            }
        }

        return found.Count > 0 ? [.. found] : [SKTypeface.Default];
    }

    /// <summary>The first typeface that has every glyph of <paramref name="text"/>, else the first.</summary>
    private static SKTypeface Typeface(string text, bool bold)
    {
        var typefaces = bold ? Bold.Value : Regular.Value;
        return typefaces.FirstOrDefault(t => t.ContainsGlyphs(text)) ?? typefaces[0];
    }

    /// <summary>Walks the element tree; owns the hatch shaders built from &lt;pattern&gt;.</summary>
    private sealed class Painter(SKCanvas canvas, float scale) : IDisposable
    {
        private readonly Dictionary<string, SKShader> patterns = new(StringComparer.Ordinal);

        public void Dispose()
        {
            foreach (var shader in patterns.Values)
            {
                shader.Dispose();
            }
        }

        public void Draw(XElement element)
        {
            switch (element.Name.LocalName)
            {
                case "title":
                    return;
                case "defs":
                    foreach (var pattern in element.Elements())
                    {
                        DefinePattern(pattern);
                    }

                    return;
                case "g":
                    DrawGroup(element);
                    return;
                case "rect":
                    using (var path = new SKPath())
                    {
                        path.AddRect(SKRect.Create(Number(element, "x", 0), Number(element, "y", 0), Number(element, "width"), Number(element, "height")));
                        FillAndStroke(element, path);
                    }

                    return;
                case "circle":
                    using (var path = new SKPath())
                    {
                        path.AddCircle(Number(element, "cx"), Number(element, "cy"), Number(element, "r"));
                        FillAndStroke(element, path);
                    }

                    return;
                case "line":
                    using (var path = new SKPath())
                    {
                        path.MoveTo(Number(element, "x1"), Number(element, "y1"));
                        path.LineTo(Number(element, "x2"), Number(element, "y2"));
                        FillAndStroke(element, path);
                    }

                    return;
                case "polyline":
                case "polygon":
                    using (var path = Points(element))
                    {
                        FillAndStroke(element, path);
                    }

                    return;
                case "path":
                    using (var path = SKPath.ParseSvgPathData((string?)element.Attribute("d")) ?? throw Unsupported(element, "path data"))
                    {
                        path.FillType = (string?)element.Attribute("fill-rule") == "evenodd" ? SKPathFillType.EvenOdd : SKPathFillType.Winding;
                        FillAndStroke(element, path);
                    }

                    return;
                case "text":
                    DrawText(element);
                    return;
                default:
                    throw Unsupported(element, "element");
            }
        }

        private void DrawGroup(XElement group)
        {
            canvas.Save();
            var transform = (string?)group.Attribute("transform");
            if (transform is not null)
            {
                var (name, args) = Transform(group, transform);
                if (name != "translate" || args.Length is < 1 or > 2)
                {
                    throw Unsupported(group, $"transform {transform}");
                }

                canvas.Translate(args[0], args.Length > 1 ? args[1] : 0);
            }

            foreach (var child in group.Elements())
            {
                Draw(child);
            }

            canvas.Restore();
        }

        private static (string Name, float[] Args) Transform(XElement element, string text)
        {
            var open = text.IndexOf('(', StringComparison.Ordinal);
            if (open < 0 || !text.EndsWith(')'))
            {
                throw Unsupported(element, $"transform {text}");
            }

            var args = text[(open + 1)..^1].Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
                .Select(a => float.Parse(a, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            return (text[..open].Trim(), args);
        }

        private static SKPath Points(XElement element)
        {
            var values = ((string?)element.Attribute("points") ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
                .Select(a => float.Parse(a, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            var path = new SKPath();
            for (var i = 0; i + 1 < values.Length; i += 2)
            {
                if (i == 0)
                {
                    path.MoveTo(values[0], values[1]);
                }
                else
                {
                    path.LineTo(values[i], values[i + 1]);
                }
            }

            if (element.Name.LocalName == "polygon")
            {
                path.Close();
            }

            return path;
        }

        /// <summary>The hatch: a tile of the pattern's own children, repeated and rotated as patternTransform says.</summary>
        private void DefinePattern(XElement pattern)
        {
            if (pattern.Name.LocalName != "pattern" || (string?)pattern.Attribute("patternUnits") != "userSpaceOnUse")
            {
                throw Unsupported(pattern, "definition");
            }

            var width = Number(pattern, "width");
            var height = Number(pattern, "height");

            // The tile is drawn at the output resolution so the hatch lines stay sharp.
            using var recorder = new SKPictureRecorder();
            var tile = recorder.BeginRecording(SKRect.Create(width * scale, height * scale));
            tile.Scale(scale);
            using var inner = new Painter(tile, scale);
            foreach (var child in pattern.Elements())
            {
                inner.Draw(child);
            }

            using var picture = recorder.EndRecording();
            var matrix = SKMatrix.CreateScale(1 / scale, 1 / scale);
            var transform = (string?)pattern.Attribute("patternTransform");
            if (transform is not null)
            {
                var (name, args) = Transform(pattern, transform);
                if (name != "rotate" || args.Length != 1)
                {
                    throw Unsupported(pattern, $"patternTransform {transform}");
                }

                matrix = matrix.PostConcat(SKMatrix.CreateRotationDegrees(args[0]));
            }

            var id = (string?)pattern.Attribute("id") ?? throw Unsupported(pattern, "without id");
            patterns[id] = SKShader.CreatePicture(picture, SKShaderTileMode.Repeat, SKShaderTileMode.Repeat, SKFilterMode.Linear, matrix, SKRect.Create(width * scale, height * scale));
        }

        private void FillAndStroke(XElement element, SKPath path)
        {
            var fill = (string?)element.Attribute("fill");
            if (fill != "none" && element.Name.LocalName is not "line" and not "polyline")
            {
                using var paint = Paint(element, fill ?? "#000000", (string?)element.Attribute("fill-opacity"));
                paint.Style = SKPaintStyle.Fill;
                canvas.DrawPath(path, paint);
            }
            else if (fill is not null and not "none")
            {
                throw Unsupported(element, $"fill {fill}");
            }

            var stroke = (string?)element.Attribute("stroke");
            if (stroke is null or "none")
            {
                return;
            }

            using var strokePaint = Paint(element, stroke, null);
            strokePaint.Style = SKPaintStyle.Stroke;
            strokePaint.StrokeWidth = Number(element, "stroke-width", 1);
            var dash = (string?)element.Attribute("stroke-dasharray");
            using var effect = dash is null ? null : SKPathEffect.CreateDash(
                [.. dash.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(d => float.Parse(d, NumberStyles.Float, CultureInfo.InvariantCulture))], 0);
            strokePaint.PathEffect = effect;
            canvas.DrawPath(path, strokePaint);
        }

        private SKPaint Paint(XElement element, string colour, string? opacity)
        {
            var paint = new SKPaint { IsAntialias = true };
            if (colour.StartsWith("url(#", StringComparison.Ordinal) && colour.EndsWith(')'))
            {
                paint.Shader = patterns.GetValueOrDefault(colour[5..^1]) ?? throw Unsupported(element, $"reference {colour}");
                return paint;
            }

            if (!SKColor.TryParse(colour, out var parsed))
            {
                throw Unsupported(element, $"colour {colour}");
            }

            if (opacity is not null)
            {
                var alpha = float.Parse(opacity, NumberStyles.Float, CultureInfo.InvariantCulture);
                parsed = parsed.WithAlpha((byte)Math.Round(Math.Clamp(alpha, 0, 1) * 255));
            }

            paint.Color = parsed;
            return paint;
        }

        private void DrawText(XElement element)
        {
            var x = Number(element, "x");
            var y = Number(element, "y");
            var align = (string?)element.Attribute("text-anchor") switch
            {
                null or "start" => SKTextAlign.Left,
                "middle" => SKTextAlign.Center,
                "end" => SKTextAlign.Right,
                var other => throw Unsupported(element, $"text-anchor {other}"),
            };
            var bold = (string?)element.Attribute("font-weight") == "bold";
            using var font = new SKFont(Typeface(element.Value, bold), Number(element, "font-size", 16)) { Subpixel = true };
            using var paint = Paint(element, (string?)element.Attribute("fill") ?? "#000000", null);
            canvas.Save();
            var transform = (string?)element.Attribute("transform");
            if (transform is not null)
            {
                var (name, args) = Transform(element, transform);
                if (name != "rotate" || args.Length != 3)
                {
                    throw Unsupported(element, $"transform {transform}");
                }

                canvas.RotateDegrees(args[0], args[1], args[2]);
            }

            canvas.DrawText(element.Value, x, y, align, font, paint);
            canvas.Restore();
        }
    }
}
