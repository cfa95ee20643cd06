using System.Globalization;
using Mosaic.Definitions;

namespace Mosaic.Reporting;

/// <summary>Sections 2–4: where groups live, who calls whom, and weekly convergence.</summary>
internal static class IntegrationSections
{
    private const string Stage = "integration";

    public static void WriteSpatial(ReportContext context)
    {
        var section = context.Document.Begin("spatial", "2. Where groups live");
        var spatial = Open(context, section, "spatial.csv", "district_id", "group", "share", "log_ratio");
        if (spatial is not null && spatial.Has("district_id") && spatial.Has("group"))
        {
            section.Paragraph("Each map shows a group's log-ratio log P_group(d) − log P_all(d) of home locations per district: orange where the group is over-represented, blue where under-represented (natural log; 0 = the city's average).");
            var groups = OrderGroups(spatial.Rows.Select(r => spatial.Text(r, "group")));
            var limit = spatial.Rows.Select(r => spatial.Number(r, "log_ratio")).Where(v => v is double d && double.IsFinite(d)).Select(v => Math.Abs(v!.Value)).DefaultIfEmpty(1).Max();
            var figures = new List<Figure>();
            foreach (var group in groups)
            {
                var values = spatial.Rows.Where(r => spatial.Text(r, "group") == group)
                    .ToDictionary(r => Id(spatial.Text(r, "district_id")), r => spatial.Suppressed(r) ? null : spatial.Number(r, "log_ratio"));
                var figure = context.MapFigure(section, $"spatial_{Slug(group)}", $"Where {group} subscribers live", values, "log-ratio (ln)", diverging: true, $"log P_{group}(d) − log P_all(d) per district; hatched: suppressed (fewer than k subscribers) or no homes.", "suppressed / none");
                if (figure is not null)
                {
                    figures.Add(figure);
                }
            }

            section.Figures([.. figures], small: false);
            var districts = spatial.Rows.Select(r => Id(spatial.Text(r, "district_id"))).Distinct().Order().ToList();
            var rows = districts.Select(d => (IReadOnlyList<string?>)[
                d.ToString(CultureInfo.InvariantCulture), context.DistrictName(d),
                .. groups.Select(g => spatial.Rows.FirstOrDefault(r => spatial.Text(r, "group") == g && Id(spatial.Text(r, "district_id")) == d) is { } row && !spatial.Suppressed(row) && spatial.Number(row, "log_ratio") is double v ? Num(v) : null)]).ToList();
            section.Table("spatial_log_ratio", "Log-ratio of home locations per district and group", ["district_id", "district", .. groups], rows, new HashSet<int>(Enumerable.Range(2, groups.Count)));
        }

        section.End();
    }

    public static void WriteMixing(ReportContext context)
    {
        var section = context.Document.Begin("mixing", "3. Who calls whom");
        var mixing = Open(context, section, "mixing.csv", "week", "weighting", "caller_group", "callee_group", "probability", "homophily_ratio");
        if (mixing is not null && mixing.Has("caller_group") && mixing.Has("callee_group") && mixing.Has("probability"))
        {
            section.Paragraph("P(callee group | caller group) per study week: each row of a heatmap sums to 1 over callee groups. Homophily ratio = that probability divided by the callee group's share of all contacts (1 = no preference).");
            var weightings = mixing.Rows.Select(r => mixing.Text(r, "weighting")).Distinct().Order(StringComparer.Ordinal).ToList();
            var weeks = mixing.Rows.Select(r => mixing.Text(r, "week")).Distinct().OrderBy(w => int.TryParse(w, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue).ThenBy(w => w, StringComparer.Ordinal).ToList();
            var callers = OrderGroups(mixing.Rows.Select(r => mixing.Text(r, "caller_group")));
            var callees = OrderGroups(mixing.Rows.Select(r => mixing.Text(r, "callee_group")));
            foreach (var weighting in weightings)
            {
                var figures = new List<Figure>();
                foreach (var week in weeks)
                {
                    var values = new double?[callers.Count, callees.Count];
                    foreach (var row in mixing.Rows.Where(r => mixing.Text(r, "weighting") == weighting && mixing.Text(r, "week") == week))
                    {
                        var i = callers.IndexOf(mixing.Text(row, "caller_group"));
                        var j = callees.IndexOf(mixing.Text(row, "callee_group"));
                        values[i, j] = mixing.Suppressed(row) ? null : mixing.Number(row, "probability");
                    }

                    var id = $"mixing_{Slug(weighting)}_week{Slug(week)}";
                    var title = $"Week {week}, {(weighting.Length > 0 ? weighting + "-weighted" : "")}";
                    figures.Add(new Figure(id, title, Charts.Heatmap(id, title, "caller group", "callee group", callers, callees, values, 0, 1, "probability", cell: 46), ""));
                }

                section.Heading(weighting.Length > 0 ? $"Mixing, {weighting}-weighted" : "Mixing");
                section.Figures([.. figures], small: true);
            }

            if (mixing.Has("homophily_ratio") && mixing.Has("week"))
            {
                var weighting = weightings.FirstOrDefault(w => w.StartsWith("contact", StringComparison.Ordinal)) ?? weightings.FirstOrDefault() ?? "";
                var series = callers.Where(callees.Contains).Select(g => new ChartSeries(g, [.. mixing.Rows
                    .Where(r => mixing.Text(r, "weighting") == weighting && mixing.Text(r, "caller_group") == g && mixing.Text(r, "callee_group") == g && !mixing.Suppressed(r))
                    .Where(r => mixing.Number(r, "week") is not null && mixing.Number(r, "homophily_ratio") is not null)
                    .Select(r => new ChartPoint(mixing.Number(r, "week")!.Value, mixing.Number(r, "homophily_ratio")!.Value))], GroupColour(g))).ToList();
                section.Figures(new Figure("mixing_homophily", "Homophily by week", Charts.Lines("mixing_homophily", $"Homophily by week ({weighting})", "study week", "homophily ratio (1 = none)", series), "Ratio of P(same group | caller group) to the group's share of all contacts, per week."));
                var rows = mixing.Rows
                    .Where(r => mixing.Text(r, "caller_group") == mixing.Text(r, "callee_group"))
                    .OrderBy(r => mixing.Text(r, "weighting"), StringComparer.Ordinal).ThenBy(r => mixing.Number(r, "week") ?? 0).ThenBy(r => callers.IndexOf(mixing.Text(r, "caller_group")))
                    .Select(r => (IReadOnlyList<string?>)[mixing.Text(r, "weighting"), mixing.Text(r, "week"), mixing.Text(r, "caller_group"), NumOrNull(mixing, r, "probability"), NumOrNull(mixing, r, "homophily_ratio")])
                    .ToList();
                section.Table("mixing_homophily", "Within-group contact probability and homophily ratio", ["weighting", "week", "group", "P(same group)", "homophily ratio"], rows, new HashSet<int> { 3, 4 });
            }
        }

        section.End();
    }

    public static void WriteConvergence(ReportContext context)
    {
        var section = context.Document.Begin("convergence", "4. Convergence");
        if (!Directory.Exists(context.StageFolder(Stage)))
        {
            section.NotRun("the integration stage has not run (no integration/ folder).");
            section.End();
            return;
        }

        var distance = context.Load(section, Stage, "convergence.csv", "week", "pair", "distance");
        if (distance is not null && distance.Has("pair") && distance.Has("distance"))
        {
            var series = distance.Rows.Select(r => distance.Text(r, "pair")).Distinct().Order(StringComparer.Ordinal)
                .Select(p => new ChartSeries(p, [.. distance.Rows.Where(r => distance.Text(r, "pair") == p && distance.Number(r, "week") is not null && distance.Number(r, "distance") is not null)
                    .Select(r => new ChartPoint(distance.Number(r, "week")!.Value, distance.Number(r, "distance")!.Value))])).ToList();
            section.Figures(new Figure("convergence_distance", "Distance between group centroids", Charts.Lines("convergence_distance", "Distance between group centroids", "study week", "standardised Euclidean distance", series), "A falling line means the two groups' behaviour converges week by week."));
        }

        var evolution = context.Load(section, Stage, "evolution.csv", "group", "week", "feature", "mean", "std", "n", "ci_low", "ci_high");
        if (evolution is not null && evolution.Has("feature") && evolution.Has("mean"))
        {
            var features = evolution.Rows.Select(r => evolution.Text(r, "feature")).Distinct().Order(StringComparer.Ordinal).ToList();
            var shown = features.Take(context.Options.MaxFeaturePanels).ToList();
            section.Paragraph($"Weekly mean of each feature per group with its confidence band (ci_low to ci_high), grouped by feature family (the name's prefix before the first underscore). {(shown.Count < features.Count ? $"The first {shown.Count} of {features.Count} features are drawn; all are in the CSV." : "")}");
            section.RawHtml(GroupLegend(OrderGroups(evolution.Rows.Select(r => evolution.Text(r, "group")))));
            foreach (var family in shown.GroupBy(Family))
            {
                section.Heading($"Family: {family.Key}");
                var figures = family.Select(feature =>
                {
                    var series = OrderGroups(evolution.Rows.Where(r => evolution.Text(r, "feature") == feature).Select(r => evolution.Text(r, "group")))
                        .Select(g => new ChartSeries(
                            g,
                            [.. evolution.Rows
                                .Where(r => evolution.Text(r, "feature") == feature && evolution.Text(r, "group") == g && !evolution.Suppressed(r) && evolution.Number(r, "week") is not null && evolution.Number(r, "mean") is not null)
                                .Select(r => new ChartPoint(evolution.Number(r, "week")!.Value, evolution.Number(r, "mean")!.Value, evolution.Number(r, "ci_low"), evolution.Number(r, "ci_high")))],
                            GroupColour(g)))
                        .ToList();
                    var id = $"evolution_{Slug(feature)}";
                    return new Figure(id, feature, Charts.Lines(id, feature, "week", "mean", series, width: 250, height: 180, legend: false), "");
                }).ToList();
                section.Figures(figures, small: true);
            }
        }

        var byFeature = context.Load(section, Stage, "convergence_by_feature.csv", "feature", "pair", "first_week_gap", "last_week_gap", "direction");
        if (byFeature is not null && byFeature.Has("pair") && byFeature.Has("direction"))
        {
            var pairs = byFeature.Rows.Select(r => byFeature.Text(r, "pair")).Distinct().Order(StringComparer.Ordinal).ToList();
            var directions = new[] { "towards", "away", "flat" };
            section.Table(
                "convergence_summary",
                "Features moving towards / away from each other, per group pair",
                ["pair", .. directions],
                [.. pairs.Select(p => (IReadOnlyList<string?>)[p, .. directions.Select(d => byFeature.Rows.Count(r => byFeature.Text(r, "pair") == p && byFeature.Text(r, "direction") == d).ToString(CultureInfo.InvariantCulture))])],
                new HashSet<int> { 1, 2, 3 });
            var rows = byFeature.Rows.Select(r => (IReadOnlyList<string?>)[byFeature.Text(r, "feature"), byFeature.Text(r, "pair"), NumOrNull(byFeature, r, "first_week_gap"), NumOrNull(byFeature, r, "last_week_gap"), byFeature.Text(r, "direction")]).ToList();
            section.Table("convergence_by_feature", "Gap between groups in the first and last week, per feature and pair", ["feature", "pair", "first-week gap", "last-week gap", "direction"], rows, new HashSet<int> { 2, 3 });
        }

        section.End();
    }

    /// <summary>Opens an integration CSV, or marks the section not run when the stage has no folder.</summary>
    internal static CsvTable? Open(ReportContext context, ReportDocument.SectionWriter section, string file, params string[] columns)
    {
        if (!Directory.Exists(context.StageFolder(Stage)))
        {
            section.NotRun("the integration stage has not run (no integration/ folder).");
            return null;
        }

        return context.Load(section, Stage, file, columns);
    }

    /// <summary>Groups in the study's order (local, settled, new, unknown), others after, alphabetically.</summary>
    internal static List<string> OrderGroups(IEnumerable<string> groups) =>
        [.. groups.Distinct().OrderBy(g => Groups.All.IndexOf(g) is var i && i >= 0 ? i : int.MaxValue).ThenBy(g => g, StringComparer.Ordinal)];

    internal static int Id(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : -1;

    internal static string Slug(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_')]);

    // Negative zero (and values that round to it) would print "-0".
    internal static string Num(double value) => value.ToString("0.####", CultureInfo.InvariantCulture) is "-0" ? "0" : value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>A group's fixed colour (Okabe–Ito by the study's group order), so every chart agrees.</summary>
    internal static string GroupColour(string group) =>
        Palette.Series(Groups.All.IndexOf(group) is var i && i >= 0 ? i : Groups.All.Count + (group.Length % 3));

    /// <summary>An HTML legend of group colours, for small multiples drawn without their own legends.</summary>
    internal static string GroupLegend(IEnumerable<string> groups) =>
        "<p class=\"legend\">" + string.Join(" ", groups.Select(g => $"<span class=\"swatch\" style=\"background:{GroupColour(g)}\"></span>{ReportDocument.Encode(g)}")) + "</p>\n";

    internal static string? NumOrNull(CsvTable table, string[] row, string column) =>
        table.Suppressed(row) || table.Number(row, column) is not double v ? null : Num(v);

    private static string Family(string feature) => feature.Split('_', 2)[0];

    private static int IndexOf(this IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }

        return -1;
    }
}
