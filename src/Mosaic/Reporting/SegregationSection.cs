using System.Globalization;
using System.Text.Json;

namespace Mosaic.Reporting;

/// <summary>Section 6: segregated districts (RT, RR) with Cramér's V, call matrices and the indices table.</summary>
internal static class SegregationSection
{
    private const string Stage = "segregation";

    public static void Write(ReportContext context)
    {
        var section = context.Document.Begin("segregation", "6. Segregation");
        if (!Directory.Exists(context.StageFolder(Stage)))
        {
            section.NotRun("the segregation stage has not run (no segregation/ folder).");
            section.End();
            return;
        }

        Tests(context, section);
        Populations(context, section);
        Matrices(context, section);
        Indices(context, section);
        section.End();
    }

    private static void Tests(ReportContext context, ReportDocument.SectionWriter section)
    {
        var tests = context.Load(section, Stage, "district_tests.csv", "comparison", "district_id", "chi2", "dof", "p_value", "q_value", "cramers_v", "segregated");
        if (tests is null || !tests.Has("comparison") || !tests.Has("district_id"))
        {
            return;
        }

        section.Paragraph("For each origin district, a chi-square test compares where refugees' calls go with where hosts' calls go (RT_vs_TT: refugee→host against host→host; RR_vs_TT: refugee→refugee against host→host, each scaled by the destination group's population). With millions of calls nearly every test rejects, so the maps show the effect size, Cramér's V (0 = same pattern, 1 = entirely different), and the table gives Benjamini–Hochberg q-values.");
        var comparisons = tests.Rows.Select(r => tests.Text(r, "comparison")).Distinct().Order(StringComparer.Ordinal).ToList();
        var figures = new List<Figure>();
        foreach (var comparison in comparisons)
        {
            var rows = tests.Rows.Where(r => tests.Text(r, "comparison") == comparison).ToList();
            var v = rows.ToDictionary(r => IntegrationSections.Id(tests.Text(r, "district_id")), r => tests.Suppressed(r) ? null : tests.Number(r, "cramers_v"));
            var segregated = rows.Count(r => IsTrue(tests.Text(r, "segregated")));
            var map = context.MapFigure(section, $"segregation_cramers_v_{IntegrationSections.Slug(comparison)}", $"Cramér's V, {comparison}", v, "Cramér's V", diverging: false, $"{segregated} of {rows.Count} districts segregated (p < alpha) for {comparison}; hatched: no test (suppressed or no calls).", "no test");
            if (map is not null)
            {
                figures.Add(map);
            }

            var flags = rows.ToDictionary(r => IntegrationSections.Id(tests.Text(r, "district_id")), r => tests.Text(r, "segregated").Length == 0 || tests.Suppressed(r) ? (double?)null : IsTrue(tests.Text(r, "segregated")) ? 1 : 0);
            var flagMap = context.MapFigure(section, $"segregation_segregated_{IntegrationSections.Slug(comparison)}", $"Segregated districts, {comparison}", flags, "1 = segregated", diverging: false, $"Districts whose {comparison} test rejects (yellow) or not (purple).", "no test");
            if (flagMap is not null)
            {
                figures.Add(flagMap);
            }
        }

        section.Figures([.. figures], small: false);
        var table = tests.Rows
            .OrderBy(r => tests.Text(r, "comparison"), StringComparer.Ordinal).ThenBy(r => IntegrationSections.Id(tests.Text(r, "district_id")))
            .Select(r => (IReadOnlyList<string?>)[
                tests.Text(r, "comparison"), tests.Text(r, "district_id"), context.DistrictName(IntegrationSections.Id(tests.Text(r, "district_id"))),
                Sig(tests, r, "chi2"), tests.Suppressed(r) ? null : tests.Text(r, "dof"), Sig(tests, r, "p_value"), Sig(tests, r, "q_value"), Sig(tests, r, "cramers_v"),
                tests.Suppressed(r) ? null : IsTrue(tests.Text(r, "segregated")) ? "yes" : "no"])
            .ToList();
        section.Table("segregation_district_tests", "Chi-square tests per origin district", ["comparison", "district_id", "district", "chi2", "dof", "p", "q (BH)", "Cramér's V", "segregated"], table, new HashSet<int> { 3, 4, 5, 6, 7 });
    }

    private static void Populations(ReportContext context, ReportDocument.SectionWriter section)
    {
        var populations = context.Load(section, Stage, "populations.csv", "district_id", "refugees", "hosts", "refugees_from_calls", "hosts_from_calls");
        if (populations is null || !populations.Has("district_id"))
        {
            return;
        }

        var figures = new List<Figure>();
        foreach (var (refugees, hosts, label) in new[] { ("refugees", "hosts", "home locations"), ("refugees_from_calls", "hosts_from_calls", "outgoing calls") })
        {
            if (!populations.Has(refugees) || !populations.Has(hosts))
            {
                continue;
            }

            var share = populations.Rows.ToDictionary(
                r => IntegrationSections.Id(populations.Text(r, "district_id")),
                r => populations.Number(r, refugees) is double a && populations.Number(r, hosts) is double b && a + b > 0 ? 100 * a / (a + b) : (double?)null);
            var map = context.MapFigure(section, $"segregation_refugee_share_{IntegrationSections.Slug(label)}", $"Refugee share ({label})", share, "% refugees", diverging: false, $"Refugees as a percentage of refugees + hosts per district, from {label}.");
            if (map is not null)
            {
                figures.Add(map);
            }
        }

        section.Figures([.. figures], small: false);
    }

    private static void Matrices(ReportContext context, ReportDocument.SectionWriter section)
    {
        var matrices = context.Load(section, Stage, "call_matrices.csv", "network", "origin_district", "dest_district", "calls");
        if (matrices is null || !matrices.Has("network") || !matrices.Has("calls"))
        {
            return;
        }

        var districts = matrices.Rows.SelectMany(r => new[] { IntegrationSections.Id(matrices.Text(r, "origin_district")), IntegrationSections.Id(matrices.Text(r, "dest_district")) }).Distinct().Order().ToList();
        var labels = districts.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList();
        var max = Math.Log10(1 + matrices.Rows.Select(r => matrices.Number(r, "calls") ?? 0).DefaultIfEmpty(0).Max());
        var figures = new List<Figure>();
        foreach (var network in matrices.Rows.Select(r => matrices.Text(r, "network")).Distinct().Order(StringComparer.Ordinal))
        {
            var values = new double?[districts.Count, districts.Count];
            for (var i = 0; i < districts.Count; i++)
            {
                for (var j = 0; j < districts.Count; j++)
                {
                    values[i, j] = 0;
                }
            }

            foreach (var row in matrices.Rows.Where(r => matrices.Text(r, "network") == network))
            {
                var i = districts.IndexOf(IntegrationSections.Id(matrices.Text(row, "origin_district")));
                var j = districts.IndexOf(IntegrationSections.Id(matrices.Text(row, "dest_district")));
                values[i, j] = matrices.Suppressed(row) || matrices.Number(row, "calls") is not double c ? null : Math.Log10(1 + c);
            }

            var id = $"segregation_calls_{IntegrationSections.Slug(network)}";
            figures.Add(new Figure(id, $"Calls {network}", Charts.Heatmap(id, $"Calls, network {network}", "origin district", "destination district", labels, labels, values, 0, Math.Max(max, 1), "log10(1 + calls)", cell: Math.Clamp(260.0 / Math.Max(1, districts.Count), 4, 40)), ""));
        }

        section.Heading("District-to-district call matrices");
        section.Figures(figures, small: true);
    }

    private static void Indices(ReportContext context, ReportDocument.SectionWriter section)
    {
        var json = context.LoadJson(section, Path.Combine(Stage, "indices.json"));
        if (json is null)
        {
            return;
        }

        var rows = new List<IReadOnlyList<string?>>();
        Flatten(json.Value, "", rows);
        section.Table("segregation_indices", "Segregation indices (PySAL segregation's definitions; DI = Dissimilarity Index)", ["index", "value"], rows, new HashSet<int> { 1 });
    }

    /// <summary>Flattens a JSON document's scalar leaves to (dotted path, value) rows, in document order.</summary>
    internal static void Flatten(JsonElement element, string prefix, List<IReadOnlyList<string?>> rows)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", rows);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}[{i++}]", rows);
                }

                break;
            case JsonValueKind.Number:
                rows.Add([prefix, element.TryGetDouble(out var d) ? d.ToString("G6", CultureInfo.InvariantCulture) : element.GetRawText()]);
                break;
            case JsonValueKind.Null:
                rows.Add([prefix, null]);
                break;
            default:
                rows.Add([prefix, element.ToString()]);
                break;
        }
    }

    internal static bool IsTrue(string text) => text.Trim().ToUpperInvariant() is "TRUE" or "1" or "YES";

    private static string? Sig(CsvTable table, string[] row, string column) =>
        table.Suppressed(row) || table.Number(row, column) is not double v ? null
        : v != 0 && (Math.Abs(v) < 1e-3 || Math.Abs(v) >= 1e6) ? v.ToString("0.###E+0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
}
