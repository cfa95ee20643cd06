using System.Globalization;
using System.Net;
using System.Text;
using Mosaic.Data;

namespace Mosaic.Reporting;

/// <summary>
/// Accumulates the report's sections as HTML while writing each figure to
/// <c>figures/&lt;id&gt;.svg</c> and each table to <c>tables/&lt;id&gt;.csv</c>. The page has
/// inline CSS and inline SVG only: no scripts, fonts, images or links that leave the file.
/// </summary>
internal sealed class ReportDocument(string runFolder, bool png)
{
    private readonly List<(ReportSection Section, string Html)> sections = [];
    private readonly SortedSet<string> figures = new(StringComparer.Ordinal);
    private readonly SortedSet<string> tables = new(StringComparer.Ordinal);

    public string FiguresFolder { get; } = Path.Combine(runFolder, "figures");

    /// <summary>Whether each figure is also written as <c>figures/&lt;id&gt;.png</c>.</summary>
    public bool Png { get; } = png;

    /// <summary>How many PNG copies were written.</summary>
    public int PngCount { get; private set; }

    public string TablesFolder { get; } = Path.Combine(runFolder, "tables");

    public IReadOnlyList<ReportSection> Sections => [.. sections.Select(s => s.Section)];

    public IReadOnlyList<string> Figures => [.. figures];

    public IReadOnlyList<string> Tables => [.. tables];

    public SectionWriter Begin(string key, string title) => new(this, key, title);

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Renders an HTML table; null cells are shown as suppressed.</summary>
    public static string HtmlTable(string id, string caption, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string?>> rows, ISet<int>? numericColumns = null)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<table id=\"table-{id}\">\n<caption>{Encode(caption)}</caption>\n<thead><tr>");
        foreach (var h in header)
        {
            html.Append("<th>").Append(Encode(h)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (var c = 0; c < row.Count; c++)
            {
                var cell = row[c];
                var numeric = numericColumns?.Contains(c) == true;
                html.Append(cell is null ? "<td class=\"suppressed\">suppressed</td>" : numeric ? $"<td class=\"num\">{Encode(cell)}</td>" : $"<td>{Encode(cell)}</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        return html.ToString();
    }

    public string Render(string title, string preface)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<title>{Encode(title)}</title>\n<style>\n{Css}</style>\n</head>\n<body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<header><h1>{Encode(title)}</h1>\n{preface}<nav><ol>");
        foreach (var (section, _) in sections)
        {
            var badge = section.Status switch
            {
                SectionStatus.NotRun => " <span class=\"badge notrun\">not run</span>",
                SectionStatus.Partial => " <span class=\"badge partial\">partial</span>",
                _ => "",
            };
            html.Append(CultureInfo.InvariantCulture, $"<li><a href=\"#{section.Key}\">{Encode(section.Title)}</a>{badge}</li>");
        }

        html.Append("</ol></nav></header>\n<main>\n");
        foreach (var (_, body) in sections)
        {
            html.Append(body);
        }

        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private const string Css = """
        body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 0 24px 48px; color: #222; line-height: 1.45; }
        header { border-bottom: 2px solid #0072B2; margin-bottom: 12px; }
        h1 { margin: 18px 0 6px; } h2 { border-bottom: 1px solid #ccc; padding-top: 14px; } h3 { margin-bottom: 4px; }
        nav ol { columns: 3; font-size: 14px; }
        section { margin-bottom: 28px; }
        .figures { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
        figure { margin: 0; } figcaption { font-size: 12px; color: #555; max-width: 560px; }
        .multiples { display: flex; flex-wrap: wrap; gap: 4px; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0 14px; }
        caption { text-align: left; font-weight: bold; padding-bottom: 4px; white-space: nowrap; }
        .legend { font-size: 13px; } .swatch { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 10px; }
        th, td { border: 1px solid #d0d0d0; padding: 3px 7px; } th { background: #f0f4f8; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.suppressed { color: #777; font-style: italic; background: repeating-linear-gradient(45deg, #eee, #eee 4px, #ddd 4px, #ddd 8px); }
        .note { background: #fff8e1; border-left: 4px solid #E69F00; padding: 6px 10px; font-size: 14px; }
        .notrun { background: #eeeeee; border-left: 4px solid #777; padding: 6px 10px; }
        .badge { font-size: 11px; border-radius: 3px; padding: 1px 5px; }
        .badge.notrun { background: #ddd; border: none; } .badge.partial { background: #fde9c4; }
        .privacy { background: #e8f1f8; border-left: 4px solid #0072B2; padding: 6px 10px; font-size: 14px; }
        @page { margin: 12mm; }
        @media print { body { max-width: none; padding: 0; } figure, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } }

        """;

    /// <summary>Builds one section; <see cref="End"/> adds it to the document.</summary>
    internal sealed class SectionWriter(ReportDocument document, string key, string title)
    {
        private readonly StringBuilder html = new();
        private readonly List<string> notes = [];
        private bool notRun;
        private bool partial;
        private bool content;

        public string Key => key;

        public void Paragraph(string text) => html.Append("<p>").Append(Encode(text)).Append("</p>\n");

        public void RawHtml(string fragment) => html.Append(fragment);

        public void Heading(string text) => html.Append("<h3>").Append(Encode(text)).Append("</h3>\n");

        /// <summary>Marks the section (or a part of it) as not run, with the reason shown to the reader.</summary>
        public void NotRun(string reason)
        {
            notRun = true;
            notes.Add(reason);
            html.Append("<p class=\"notrun\">Not run: ").Append(Encode(reason)).Append("</p>\n");
        }

        /// <summary>Records something missing (a file or promised columns) and shows it.</summary>
        public void Missing(string what)
        {
            partial = true;
            notes.Add(what);
            html.Append("<p class=\"note\">").Append(Encode(what)).Append("</p>\n");
        }

        public void Privacy(string text) => html.Append("<p class=\"privacy\">").Append(Encode(text)).Append("</p>\n");

        /// <summary>Writes figures to <c>figures/</c> and shows them inline side by side.</summary>
        public void Figures(params Figure[] figures) => Figures(figures, small: false);

        public void Figures(IReadOnlyList<Figure> figures, bool small)
        {
            content = true;
            html.Append(small ? "<div class=\"multiples\">\n" : "<div class=\"figures\">\n");
            foreach (var figure in figures)
            {
                Directory.CreateDirectory(document.FiguresFolder);
                AtomicFile.WriteAllText(Path.Combine(document.FiguresFolder, figure.Id + ".svg"), figure.Svg + "\n");
                document.figures.Add($"figures/{figure.Id}.svg");
                if (document.Png)
                {
                    var png = SvgRaster.ToPng(figure.Svg);
                    AtomicFile.Write(Path.Combine(document.FiguresFolder, figure.Id + ".png"), temp => File.WriteAllBytes(temp, png));
                    document.PngCount++;
                }
                html.Append(CultureInfo.InvariantCulture, $"<figure id=\"fig-{figure.Id}\">{figure.Svg}");
                if (figure.Caption.Length > 0)
                {
                    html.Append("<figcaption>").Append(Encode(figure.Caption)).Append("</figcaption>");
                }

                html.Append("</figure>\n");
            }

            html.Append("</div>\n");
        }

        /// <summary>Shows a table and writes it to <c>tables/&lt;id&gt;.csv</c> (suppressed cells empty, with a suppressed column when any).</summary>
        public void Table(string id, string caption, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string?>> rows, ISet<int>? numericColumns = null)
        {
            content = true;
            html.Append(HtmlTable(id, caption, header, rows, numericColumns));
            Directory.CreateDirectory(document.TablesFolder);
            var anySuppressed = rows.Any(r => r.Any(c => c is null)) && !header.Contains("suppressed");
            var csvHeader = anySuppressed ? [.. header, "suppressed"] : header;
            var csvRows = rows.Select(r => anySuppressed
                ? (IReadOnlyList<string>)[.. r.Select(c => c ?? ""), r.Any(c => c is null) ? "true" : "false"]
                : [.. r.Select(c => c ?? "")]);
            CsvTable.Write(Path.Combine(document.TablesFolder, id + ".csv"), csvHeader, csvRows);
            document.tables.Add($"tables/{id}.csv");
        }

        public void End()
        {
            var status = notRun && !content ? SectionStatus.NotRun : notRun || partial ? SectionStatus.Partial : SectionStatus.Complete;
            var body = new StringBuilder();
            body.Append(CultureInfo.InvariantCulture, $"<section id=\"{key}\">\n<h2>{Encode(title)}</h2>\n").Append(html).Append("</section>\n");
            document.sections.Add((new ReportSection(key, title, status, notes), body.ToString()));
        }
    }
}
