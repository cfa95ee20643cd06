using System.Globalization;
using System.Net;
using System.Text;

namespace Mosaic.Reporting;

/// <summary>
/// A minimal SVG writer: every figure is plain SVG 1.1 with no scripts, fonts or external
/// references, so it renders the same inline in the report and as a standalone file.
/// </summary>
internal sealed class SvgCanvas
{
    private readonly StringBuilder body = new();
    private readonly StringBuilder defs = new();

    /// <summary>Starts a figure; <paramref name="id"/> prefixes internal ids (patterns) so that many inline figures never clash.</summary>
    public SvgCanvas(string id, double width, double height, string title)
    {
        Id = id;
        Width = width;
        Height = height;
        Title = title;
    }

    /// <summary>The figure's id (file stem).</summary>
    public string Id { get; }

    /// <summary>Width in px.</summary>
    public double Width { get; }

    /// <summary>Height in px.</summary>
    public double Height { get; }

    /// <summary>Accessible title.</summary>
    public string Title { get; }

    /// <summary>The id of this figure's hatch pattern for suppressed or missing cells.</summary>
    public string HatchUrl
    {
        get
        {
            if (defs.Length == 0)
            {
                defs.Append(CultureInfo.InvariantCulture, $"<pattern id=\"hatch-{Id}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
                    .Append(CultureInfo.InvariantCulture, $"<rect width=\"6\" height=\"6\" fill=\"{Palette.Missing}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6e6e6e\" stroke-width=\"2\"/></pattern>");
            }

            return $"url(#hatch-{Id})";
        }
    }

    /// <summary>Formats a coordinate invariantly with at most two decimals.</summary>
    public static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for XML.</summary>
    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A rectangle.</summary>
    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null, string? tooltip = null)
    {
        body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0, w))}\" height=\"{F(Math.Max(0, h))}\" fill=\"{fill}\"");
        if (stroke is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $" stroke=\"{stroke}\" stroke-width=\"0.5\"");
        }

        Close(tooltip, "rect");
    }

    /// <summary>A straight line.</summary>
    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null) =>
        body.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>");

    /// <summary>A polyline through points (no fill).</summary>
    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5) =>
        body.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{string.Join(' ', points.Select(p => F(p.X) + "," + F(p.Y)))}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"/>");

    /// <summary>A closed filled polygon (confidence bands).</summary>
    public void Polygon(IEnumerable<(double X, double Y)> points, string fill, double opacity) =>
        body.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{string.Join(' ', points.Select(p => F(p.X) + "," + F(p.Y)))}\" fill=\"{fill}\" fill-opacity=\"{F(opacity)}\" stroke=\"none\"/>");

    /// <summary>A path (map polygons), with an optional tooltip.</summary>
    public void Path(string d, string fill, string stroke, string? tooltip = null)
    {
        body.Append(CultureInfo.InvariantCulture, $"<path d=\"{d}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"0.5\" fill-rule=\"evenodd\"");
        Close(tooltip, "path");
    }

    /// <summary>Opens a group translated by (<paramref name="dx"/>, <paramref name="dy"/>).</summary>
    public void BeginGroup(double dx, double dy) =>
        body.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate({F(dx)} {F(dy)})\">");

    /// <summary>Closes the group opened last.</summary>
    public void EndGroup() => body.Append("</g>");

    /// <summary>A dot.</summary>
    public void Circle(double x, double y, double r, string fill, string? tooltip = null)
    {
        body.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"{F(r)}\" fill=\"{fill}\"");
        Close(tooltip, "circle");
    }

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end.</summary>
    public void Text(double x, double y, string text, double size = 11, string anchor = "start", string fill = "#222", double rotate = 0, bool bold = false)
    {
        var transform = rotate == 0 ? "" : $" transform=\"rotate({F(rotate)} {F(x)} {F(y)})\"";
        body.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"{F(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(bold ? " font-weight=\"bold\"" : "")}{transform}>{Escape(text)}</text>");
    }

    /// <summary>The complete SVG document.</summary>
    public override string ToString()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" role=\"img\" aria-labelledby=\"title-{Id}\" font-family=\"sans-serif\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"title-{Id}\">{Escape(Title)}</title>");
        if (defs.Length > 0)
        {
            svg.Append("<defs>").Append(defs).Append("</defs>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{F(Width)}\" height=\"{F(Height)}\" fill=\"#ffffff\"/>");
        svg.Append(body).Append("</svg>");
        return svg.ToString();
    }

    private void Close(string? tooltip, string element)
    {
        if (tooltip is null)
        {
            body.Append("/>");
        }
        else
        {
            body.Append("><title>").Append(Escape(tooltip)).Append("</title></").Append(element).Append('>');
        }
    }
}
