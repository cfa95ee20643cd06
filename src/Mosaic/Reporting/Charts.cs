using System.Globalization;

namespace Mosaic.Reporting;

/// <summary>A point of a line series; <see cref="Low"/>/<see cref="High"/> draw a confidence band.</summary>
internal readonly record struct ChartPoint(double X, double Y, double? Low = null, double? High = null);

/// <summary>A named line series; <see cref="Colour"/> fixes its colour (else by position).</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string? Colour = null);

/// <summary>A histogram bin [Low, High) with its count (null when suppressed).</summary>
internal readonly record struct Bin(double Low, double High, double? Count);

/// <summary>A figure: its file stem, title, SVG text and the caption the report shows under it.</summary>
internal sealed record Figure(string Id, string Title, string Svg, string Caption);

/// <summary>
/// The report's chart kinds, drawn directly as SVG: line charts with bands, grouped bars,
/// heatmaps, histograms and scatter plots. Axes use "nice" ticks; missing or suppressed
/// values are drawn hatched (heatmaps) or left out and said in the caption (lines, bars).
/// </summary>
internal static class Charts
{
    private const double Left = 58, Right = 14, Top = 30, Bottom = 46;

    /// <summary>A line chart (optionally with bands), one colour per series and a legend.</summary>
    public static string Lines(string id, string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, double width = 520, double height = 300, bool integerX = true, bool legend = true)
    {
        var canvas = new SvgCanvas(id, width, height, title);
        var points = series.SelectMany(s => s.Points).ToList();
        var xs = points.Select(p => p.X).DefaultIfEmpty(0).ToList();
        var ys = points.SelectMany(p => new[] { p.Y, p.Low ?? p.Y, p.High ?? p.Y }).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var frame = Frame(canvas, title, xLabel, yLabel, xs.Min(), xs.Max(), ys.Min(), ys.Max(), integerX, legend && series.Count > 1 ? 110 : 0);
        for (var i = 0; i < series.Count; i++)
        {
            var colour = series[i].Colour ?? Palette.Series(i);
            var ordered = series[i].Points.Where(p => double.IsFinite(p.Y)).OrderBy(p => p.X).ToList();
            var banded = ordered.Where(p => p.Low is not null && p.High is not null).ToList();
            if (banded.Count > 1)
            {
                canvas.Polygon(
                    banded.Select(p => (frame.X(p.X), frame.Y(p.High!.Value))).Concat(banded.AsEnumerable().Reverse().Select(p => (frame.X(p.X), frame.Y(p.Low!.Value)))),
                    colour,
                    0.18);
            }

            if (ordered.Count > 1)
            {
                canvas.Polyline(ordered.Select(p => (frame.X(p.X), frame.Y(p.Y))), colour, 2);
            }

            foreach (var p in ordered)
            {
                canvas.Circle(frame.X(p.X), frame.Y(p.Y), 2.5, colour, $"{series[i].Name}: {Num(p.X)}, {Num(p.Y)}");
            }
        }

        if (legend && series.Count > 1)
        {
            Legend(canvas, width - 116, Top + 4, [.. series.Select((s, i) => (s.Name, s.Colour ?? Palette.Series(i)))]);
        }

        return canvas.ToString();
    }

    /// <summary>
    /// ROC curves: false against true positive rate on [0, 1] × [0, 1], one line per series
    /// through the published points (chords, whose area is the curve's trapezoid AUC), with the
    /// chance diagonal dashed. <paramref name="notes"/> (e.g. each series' AUC) are written under
    /// the legend entries.
    /// </summary>
    public static string Roc(string id, string title, IReadOnlyList<ChartSeries> series, IReadOnlyList<string>? notes = null, double width = 330, double height = 300, bool legend = true)
    {
        var canvas = new SvgCanvas(id, width, height, title);
        var withLegend = legend && series.Count > 1;
        var frame = Frame(canvas, title, "false positive rate", "true positive rate", 0, 1, 0, 1, integerX: false, withLegend ? 110 : 0);
        canvas.Line(frame.X(0), frame.Y(0), frame.X(1), frame.Y(1), "#999999", 1, "4 3");
        for (var i = 0; i < series.Count; i++)
        {
            var ordered = series[i].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
            if (ordered.Count > 1)
            {
                canvas.Polyline(ordered.Select(p => (frame.X(p.X), frame.Y(p.Y))), series[i].Colour ?? Palette.Series(i), 2);
            }
        }

        for (var i = 0; withLegend && i < series.Count; i++)
        {
            var y = Top + 4 + (i * 28);
            canvas.Rect(width - 116, y, 12, 10, series[i].Colour ?? Palette.Series(i));
            canvas.Text(width - 100, y + 9, Shorten(series[i].Name, 16), 10);
            if (notes is not null && i < notes.Count && notes[i].Length > 0)
            {
                canvas.Text(width - 100, y + 21, Shorten(notes[i], 18), 9, fill: "#555555");
            }
        }

        return canvas.ToString();
    }

    /// <summary>Grouped vertical bars: one group per category, one bar per series; null values are left out.</summary>
    public static string Bars(string id, string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<(string Name, IReadOnlyList<double?> Values)> series, double width = 520, double height = 300, double? yMin = null, double? yMax = null)
    {
        var canvas = new SvgCanvas(id, width, height, title);
        var values = series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value).ToList();
        var lo = yMin ?? Math.Min(0, values.DefaultIfEmpty(0).Min());
        var hi = yMax ?? Math.Max(values.DefaultIfEmpty(1).Max(), lo + 1e-9);
        var legendWidth = series.Count > 1 ? 110 : 0;
        var frame = Frame(canvas, title, "", yLabel, 0, categories.Count, lo, hi, integerX: false, legendWidth, xTicks: false);
        var slot = (frame.Right - frame.Left) / Math.Max(1, categories.Count);
        var bar = slot * 0.8 / Math.Max(1, series.Count);
        for (var c = 0; c < categories.Count; c++)
        {
            var x0 = frame.Left + (slot * c) + (slot * 0.1);
            canvas.Text(frame.Left + (slot * (c + 0.5)), frame.Bottom + 14, Shorten(categories[c], (int)(slot / 6)), 10, "middle");
            for (var s = 0; s < series.Count; s++)
            {
                if (series[s].Values[c] is not double v)
                {
                    // Suppressed: a hatched full-height bar, so a gap is never read as zero.
                    canvas.Rect(x0 + (bar * s), frame.Top, bar - 1, frame.Bottom - frame.Top, canvas.HatchUrl, tooltip: $"{categories[c]} · {series[s].Name}: suppressed");
                    continue;
                }

                var y0 = frame.Y(Math.Max(lo, 0));
                var y1 = frame.Y(v);
                canvas.Rect(x0 + (bar * s), Math.Min(y0, y1), bar - 1, Math.Abs(y0 - y1), Palette.Series(s), tooltip: $"{categories[c]} · {series[s].Name}: {Num(v)}");
            }
        }

        if (series.Count > 1)
        {
            Legend(canvas, width - 116, Top + 4, [.. series.Select((s, i) => (s.Name, Palette.Series(i)))]);
        }

        return canvas.ToString();
    }

    /// <summary>A heatmap of <paramref name="values"/>[row, col] with a colour bar; null cells hatched.</summary>
    public static string Heatmap(string id, string title, string rowTitle, string colTitle, IReadOnlyList<string> rows, IReadOnlyList<string> cols, double?[,] values, double lo, double hi, string unit, bool diverging = false, double cell = 0)
    {
        cell = cell > 0 ? cell : Math.Clamp(360.0 / Math.Max(rows.Count, cols.Count), 6, 70);
        var labelWidth = 8 + (6.5 * rows.Select(r => r.Length).DefaultIfEmpty(4).Max());
        var width = labelWidth + 24 + (cols.Count * cell) + 110;
        var height = Top + 30 + (rows.Count * cell) + 50;
        var canvas = new SvgCanvas(id, width, height, title);
        canvas.Text(8, 18, title, 13, bold: true);
        var x0 = labelWidth + 24;
        var y0 = Top + 24;
        var annotate = cell >= 34;
        for (var r = 0; r < rows.Count; r++)
        {
            if (cell >= 10)
            {
                canvas.Text(x0 - 4, y0 + (r * cell) + (cell / 2) + 4, rows[r], 10, "end");
            }

            for (var c = 0; c < cols.Count; c++)
            {
                var v = values[r, c];
                var fill = v is double d ? Colour(d, lo, hi, diverging) : canvas.HatchUrl;
                canvas.Rect(x0 + (c * cell), y0 + (r * cell), cell, cell, fill, "#ffffff", $"{rows[r]} → {cols[c]}: {(v is double e ? Num(e) : "suppressed or missing")}");
                if (annotate && v is double a)
                {
                    var t = diverging ? Math.Abs(a) / Math.Max(Math.Abs(lo), Math.Abs(hi)) : (a - lo) / (hi - lo);
                    canvas.Text(x0 + (c * cell) + (cell / 2), y0 + (r * cell) + (cell / 2) + 4, Num(a), 10, "middle", diverging ? "#222" : (t < 0.6 ? "#ffffff" : "#222"));
                }
            }
        }

        if (cell >= 10)
        {
            for (var c = 0; c < cols.Count; c++)
            {
                canvas.Text(x0 + (c * cell) + (cell / 2), y0 - 4, Shorten(cols[c], (int)(cell / 6)), 10, "middle");
            }
        }

        canvas.Text(x0 + (cols.Count * cell / 2), y0 + (rows.Count * cell) + 18, colTitle, 11, "middle");
        canvas.Text(12, y0 + (rows.Count * cell / 2), rowTitle, 11, "middle", rotate: -90);
        ColourBar(canvas, x0 + (cols.Count * cell) + 16, y0, Math.Max(120, rows.Count * cell * 0.8), lo, hi, unit, diverging);
        return canvas.ToString();
    }

    /// <summary>A histogram; bins with a null count (suppressed) are drawn hatched at full height.</summary>
    public static string Histogram(string id, string title, string xLabel, string yLabel, IReadOnlyList<Bin> bins, double width = 520, double height = 300)
    {
        var canvas = new SvgCanvas(id, width, height, title);
        var lo = bins.Select(b => b.Low).DefaultIfEmpty(0).Min();
        var hi = bins.Select(b => b.High).DefaultIfEmpty(1).Max();
        var top = bins.Select(b => b.Count ?? 0).DefaultIfEmpty(1).Max();
        var frame = Frame(canvas, title, xLabel, yLabel, lo, hi, 0, Math.Max(top, 1), integerX: false, 0);
        foreach (var bin in bins)
        {
            var x = frame.X(bin.Low);
            var w = frame.X(bin.High) - x;
            if (bin.Count is double n)
            {
                canvas.Rect(x, frame.Y(n), w - 0.5, frame.Y(0) - frame.Y(n), Palette.Series(0), tooltip: $"[{Num(bin.Low)}, {Num(bin.High)}): {Num(n)}");
            }
            else
            {
                canvas.Rect(x, frame.Top, w - 0.5, frame.Bottom - frame.Top, canvas.HatchUrl, tooltip: $"[{Num(bin.Low)}, {Num(bin.High)}): suppressed");
            }
        }

        return canvas.ToString();
    }

    /// <summary>A scatter plot; <paramref name="connect"/> joins the points in x order (a front).</summary>
    public static string Scatter(string id, string title, string xLabel, string yLabel, IReadOnlyList<(double X, double Y, string Label)> points, bool connect, double width = 520, double height = 320)
    {
        var canvas = new SvgCanvas(id, width, height, title);
        // Pad x so that the extreme points are not drawn on the axes.
        var xLo = points.Select(p => p.X).DefaultIfEmpty(0).Min();
        var xHi = points.Select(p => p.X).DefaultIfEmpty(1).Max();
        var xPad = Math.Max((xHi - xLo) * 0.04, 1e-9);
        var frame = Frame(
            canvas, title, xLabel, yLabel,
            xLo - xPad, xHi + xPad,
            points.Select(p => p.Y).DefaultIfEmpty(0).Min(), points.Select(p => p.Y).DefaultIfEmpty(1).Max(),
            integerX: false, 0);
        if (connect && points.Count > 1)
        {
            canvas.Polyline(points.OrderBy(p => p.X).Select(p => (frame.X(p.X), frame.Y(p.Y))), Palette.Series(0), 1.5);
        }

        foreach (var p in points)
        {
            canvas.Circle(frame.X(p.X), frame.Y(p.Y), 4, Palette.Series(1), $"{p.Label}: {Num(p.X)}, {Num(p.Y)}");
        }

        return canvas.ToString();
    }

    /// <summary>The colour of a value on a sequential (viridis) or diverging scale.</summary>
    public static string Colour(double value, double lo, double hi, bool diverging)
    {
        if (diverging)
        {
            var m = Math.Max(Math.Abs(lo), Math.Abs(hi));
            return Palette.Diverging(m > 0 ? value / m : 0);
        }

        return Palette.Viridis(hi > lo ? (value - lo) / (hi - lo) : 0.5);
    }

    /// <summary>A vertical colour bar with end and middle labels and the unit.</summary>
    public static void ColourBar(SvgCanvas canvas, double x, double y, double height, double lo, double hi, string unit, bool diverging)
    {
        const int Steps = 24;
        if (diverging)
        {
            var m = Math.Max(Math.Abs(lo), Math.Abs(hi));
            (lo, hi) = (-m, m);
        }

        for (var i = 0; i < Steps; i++)
        {
            var v = hi - ((hi - lo) * (i + 0.5) / Steps);
            canvas.Rect(x, y + (height * i / Steps), 14, (height / Steps) + 0.5, Colour(v, lo, hi, diverging));
        }

        canvas.Text(x + 18, y + 8, Num(hi), 10);
        canvas.Text(x + 18, y + (height / 2) + 4, Num((lo + hi) / 2), 10);
        canvas.Text(x + 18, y + height, Num(lo), 10);
        canvas.Text(x, y + height + 16, unit, 10);
    }

    /// <summary>Compact number formatting for labels (3 significant digits, thousands grouped).</summary>
    public static string Num(double value)
    {
        if (!double.IsFinite(value))
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        var a = Math.Abs(value);
        return a >= 1000 ? value.ToString("#,0", CultureInfo.InvariantCulture)
            : a >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
            : a >= 10 ? value.ToString("0.#", CultureInfo.InvariantCulture)
            : a >= 0.01 || a == 0 ? value.ToString("0.###", CultureInfo.InvariantCulture)
            : value.ToString("0.##E+0", CultureInfo.InvariantCulture);
    }

    /// <summary>"Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps).</summary>
    public static IReadOnlyList<double> Ticks(double lo, double hi, int count = 5)
    {
        if (!(hi > lo))
        {
            return [lo];
        }

        var raw = (hi - lo) / count;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (var t = Math.Ceiling(lo / step) * step; t <= hi + (step * 1e-9); t += step)
        {
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }

        return ticks;
    }

    private static void Legend(SvgCanvas canvas, double x, double y, List<(string Name, string Colour)> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            canvas.Rect(x, y + (i * 16), 12, 10, entries[i].Colour);
            canvas.Text(x + 16, y + (i * 16) + 9, Shorten(entries[i].Name, 16), 10);
        }
    }

    private static string Shorten(string text, int max) => max >= 3 && text.Length > max ? text[..(max - 1)] + "…" : text;

    private static PlotFrame Frame(SvgCanvas canvas, string title, string xLabel, string yLabel, double xLo, double xHi, double yLo, double yHi, bool integerX, double legendWidth, bool xTicks = true)
    {
        if (!(xHi > xLo))
        {
            (xLo, xHi) = (xLo - 0.5, xHi + 0.5);
        }

        if (!(yHi > yLo))
        {
            (yLo, yHi) = (yLo - 0.5, yHi + 0.5);
        }

        var pad = (yHi - yLo) * 0.05;
        yLo = yLo >= 0 && yLo - pad < 0 ? 0 : yLo - pad;
        yHi += pad;
        var frame = new PlotFrame(Left, canvas.Width - Right - legendWidth, Top, canvas.Height - Bottom, xLo, xHi, yLo, yHi);
        canvas.Text(8, 18, title, canvas.Width < 300 ? 11 : 13, bold: true);
        foreach (var t in Ticks(yLo, yHi))
        {
            canvas.Line(frame.Left, frame.Y(t), frame.Right, frame.Y(t), "#e5e5e5");
            canvas.Text(frame.Left - 4, frame.Y(t) + 3, Num(t), 9, "end");
        }

        if (xTicks)
        {
            var ticks = integerX && xHi - xLo <= 12
                ? Enumerable.Range((int)Math.Ceiling(xLo), (int)Math.Floor(xHi) - (int)Math.Ceiling(xLo) + 1).Select(i => (double)i).ToList()
                : Ticks(xLo, xHi, canvas.Width < 300 ? 3 : 5);
            foreach (var t in ticks)
            {
                canvas.Line(frame.X(t), frame.Bottom, frame.X(t), frame.Bottom + 4, "#444");
                canvas.Text(frame.X(t), frame.Bottom + 15, Num(t), 9, "middle");
            }
        }

        canvas.Line(frame.Left, frame.Bottom, frame.Right, frame.Bottom, "#444");
        canvas.Line(frame.Left, frame.Top, frame.Left, frame.Bottom, "#444");
        canvas.Text((frame.Left + frame.Right) / 2, canvas.Height - 8, xLabel, 11, "middle");
        canvas.Text(14, (frame.Top + frame.Bottom) / 2, yLabel, 11, "middle", rotate: -90);
        return frame;
    }

    private sealed record PlotFrame(double Left, double Right, double Top, double Bottom, double XLo, double XHi, double YLo, double YHi)
    {
        public double X(double x) => Left + ((x - XLo) / (XHi - XLo) * (Right - Left));

        public double Y(double y) => Bottom - ((y - YLo) / (YHi - YLo) * (Bottom - Top));
    }
}
