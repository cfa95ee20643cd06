using System.Globalization;
using System.Text.Json;

namespace Mosaic.Reporting;

/// <summary>Sections 7–8: the relocation plan (maps before/after, flows, DI baseline, Pareto front) and its rent bill.</summary>
internal static class MitigationSections
{
    private const string Stage = "mitigation";

    public static void WriteMitigation(ReportContext context)
    {
        var section = context.Document.Begin("mitigation", "7. Mitigation");
        if (!Directory.Exists(context.StageFolder(Stage)))
        {
            section.NotRun("the mitigation stage has not run (no mitigation/ folder).");
            section.End();
            return;
        }

        section.Paragraph("The behavioural plan moves refugees between districts so that their call patterns look like the hosts' (each district's refugees at most the capacity share of its population); the DI baseline instead minimises the Dissimilarity Index with at most as many people moved.");
        Summary(context, section);
        var flows = context.Load(section, Stage, "flows.csv", "network", "from_district", "to_district", "people");
        if (flows is not null && flows.Has("network") && flows.Has("people"))
        {
            BeforeAfter(context, section, flows);
            Largest(context, section, flows);
        }

        foreach (var network in new[] { "RT", "RR" })
        {
            if (!File.Exists(Path.Combine(context.StageFolder(Stage), $"mobility_{network}.csv")))
            {
                section.Missing($"{Stage}/mobility_{network}.csv not found (that network may not have been optimised).");
            }
        }

        Pareto(context, section);
        section.End();
    }

    public static void WriteRent(ReportContext context)
    {
        var section = context.Document.Begin("rent", "8. Rent");
        if (!Directory.Exists(context.StageFolder(Stage)))
        {
            section.NotRun("the mitigation stage has not run (no mitigation/ folder).");
            section.End();
            return;
        }

        var rent = context.Load(section, Stage, "rent.csv", "network", "from_district", "to_district", "people");
        var change = rent?.Header.FirstOrDefault(h => h.Contains("change", StringComparison.Ordinal) && !h.Contains("total", StringComparison.Ordinal));
        if (rent is not null && change is null)
        {
            section.Missing($"{Stage}/rent.csv has no per-person rent change column (a name containing 'change').");
        }

        if (rent is not null && change is not null && rent.Has("people"))
        {
            section.Paragraph($"Monthly rent change per relocated person (destination district's rent minus origin's, per person per month; column '{change}'), weighted by the people in each flow.");
            var figures = new List<Figure>();
            foreach (var network in rent.Rows.Select(r => rent.Text(r, "network")).Distinct().Order(StringComparer.Ordinal))
            {
                var rows = rent.Rows.Where(r => rent.Text(r, "network") == network && !rent.Suppressed(r) && rent.Number(r, change) is not null && rent.Number(r, "people") is not null).ToList();
                var id = $"rent_histogram_{IntegrationSections.Slug(network)}";
                figures.Add(new Figure(id, $"Rent change, {network}", Charts.Histogram(id, $"Rent change per person, {network}", "monthly rent change per person (currency/month)", "people", Histogram(rows.Select(r => (rent.Number(r, change)!.Value, rent.Number(r, "people")!.Value)).ToList(), 20)), $"{network}: distribution over relocated people."));
                var subsidy = rows.Where(r => rent.Number(r, change) > 0)
                    .GroupBy(r => IntegrationSections.Id(rent.Text(r, "to_district")))
                    .ToDictionary(g => g.Key, g => (double?)g.Sum(r => rent.Number(r, change)!.Value * rent.Number(r, "people")!.Value));
                var map = context.MapFigure(section, $"rent_subsidy_{IntegrationSections.Slug(network)}", $"Subsidy, {network}", subsidy, "currency/month", diverging: false, $"{network}: monthly subsidy per destination district that offsets every rent increase of the people moving in; hatched: no one moves in at a higher rent.", "none needed");
                if (map is not null)
                {
                    figures.Add(map);
                }
            }

            section.Figures([.. figures], small: false);
        }

        var summary = context.LoadJson(section, Path.Combine(Stage, "rent_summary.json"));
        if (summary is not null)
        {
            var rows = new List<IReadOnlyList<string?>>();
            Scalars(summary.Value, "", rows);
            section.Table("rent_totals", "Rent totals (from rent_summary.json)", ["quantity", "value"], rows, new HashSet<int> { 1 });
        }

        section.End();
    }

    private static void Summary(ReportContext context, ReportDocument.SectionWriter section)
    {
        var summary = context.LoadJson(section, Path.Combine(Stage, "summary.json"));
        var baseline = context.LoadJson(section, Path.Combine(Stage, "di_baseline.json"));
        var columns = new List<(string Name, Dictionary<string, string?> Values)>();
        if (summary is JsonElement s)
        {
            foreach (var (name, element) in Networks(s))
            {
                columns.Add(($"behavioural {name}", Leaves(element)));
            }
        }

        if (baseline is JsonElement b)
        {
            var networks = Networks(b);
            foreach (var (name, element) in networks)
            {
                columns.Add((name.Length > 0 ? $"DI baseline {name}" : "DI baseline", Leaves(element)));
            }
        }

        if (columns.Count == 0)
        {
            return;
        }

        var metrics = columns.SelectMany(c => c.Values.Keys).Distinct().ToList();
        var rows = metrics.Select(m => (IReadOnlyList<string?>)[m, .. columns.Select(c => c.Values.TryGetValue(m, out var v) ? v : "")]).ToList();
        section.Table("mitigation_summary", "Behavioural optimisation against the DI baseline", ["quantity", .. columns.Select(c => c.Name)], rows, new HashSet<int>(Enumerable.Range(1, columns.Count)));
    }

    private static void BeforeAfter(ReportContext context, ReportDocument.SectionWriter section, CsvTable flows)
    {
        var populations = CsvTable.TryLoad(Path.Combine(context.StageFolder("segregation"), "populations.csv"));
        if (populations is null || !populations.Has("refugees") || !populations.Has("hosts"))
        {
            section.Missing("Maps before/after need segregation/populations.csv with refugees and hosts.");
            return;
        }

        var refugees = populations.Rows.ToDictionary(r => IntegrationSections.Id(populations.Text(r, "district_id")), r => populations.Number(r, "refugees"));
        var hosts = populations.Rows.ToDictionary(r => IntegrationSections.Id(populations.Text(r, "district_id")), r => populations.Number(r, "hosts"));
        static double? Share(double? r, double? h) => r is double a && h is double b && a + b > 0 ? 100 * a / (a + b) : null;
        var before = refugees.ToDictionary(p => p.Key, p => Share(p.Value, hosts[p.Key]));
        var figures = new List<Figure>();
        var afterByNetwork = new List<(string Network, Dictionary<int, double?> Shares)>();
        foreach (var network in flows.Rows.Select(r => flows.Text(r, "network")).Distinct().Order(StringComparer.Ordinal))
        {
            var moved = refugees.ToDictionary(p => p.Key, p => p.Value);
            foreach (var row in flows.Rows.Where(r => flows.Text(r, "network") == network && flows.Number(r, "people") is not null))
            {
                var from = IntegrationSections.Id(flows.Text(row, "from_district"));
                var to = IntegrationSections.Id(flows.Text(row, "to_district"));
                var people = flows.Number(row, "people")!.Value;
                if (from != to && moved.ContainsKey(from) && moved.ContainsKey(to))
                {
                    moved[from] -= people;
                    moved[to] += people;
                }
            }

            afterByNetwork.Add((network, moved.ToDictionary(p => p.Key, p => Share(p.Value, hosts[p.Key]))));
        }

        var max = before.Values.Concat(afterByNetwork.SelectMany(a => a.Shares.Values)).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        if (context.Map is null)
        {
            section.Missing($"Maps before/after not drawn: {context.MapProblem}.");
            return;
        }

        figures.Add(new Figure("mitigation_share_before", "Refugee share before", context.Map.Choropleth("mitigation_share_before", "Refugee share before relocation", before, "% refugees", false, "missing", 0, max), "Refugees as % of refugees + hosts, from home locations."));
        foreach (var (network, shares) in afterByNetwork)
        {
            var id = $"mitigation_share_after_{IntegrationSections.Slug(network)}";
            figures.Add(new Figure(id, $"Refugee share after ({network})", context.Map.Choropleth(id, $"Refugee share after the {network} plan", shares, "% refugees", false, "missing", 0, max), $"After applying flows.csv for {network}; same colour scale as before."));
        }

        section.Figures([.. figures], small: false);
        var rows = before.Keys.Order().Select(d => (IReadOnlyList<string?>)[
            d.ToString(CultureInfo.InvariantCulture), context.DistrictName(d), Pct(before[d]), .. afterByNetwork.Select(a => Pct(a.Shares.GetValueOrDefault(d)))]).ToList();
        section.Table("mitigation_refugee_share", "Refugees as % of refugees + hosts, before and after each plan", ["district_id", "district", "before", .. afterByNetwork.Select(a => $"after {a.Network}")], rows, new HashSet<int>(Enumerable.Range(2, 1 + afterByNetwork.Count)));
    }

    private static string? Pct(double? value) => value is double v ? v.ToString("0.00", CultureInfo.InvariantCulture) : null;

    private static void Largest(ReportContext context, ReportDocument.SectionWriter section, CsvTable flows)
    {
        var rows = flows.Rows
            .Where(r => flows.Number(r, "people") is > 0 && flows.Text(r, "from_district") != flows.Text(r, "to_district"))
            .OrderByDescending(r => flows.Number(r, "people")).ThenBy(r => flows.Text(r, "network"), StringComparer.Ordinal)
            .ThenBy(r => IntegrationSections.Id(flows.Text(r, "from_district"))).ThenBy(r => IntegrationSections.Id(flows.Text(r, "to_district")))
            .Take(context.Options.TopFlows)
            .Select(r => (IReadOnlyList<string?>)[
                flows.Text(r, "network"),
                context.DistrictName(IntegrationSections.Id(flows.Text(r, "from_district"))),
                context.DistrictName(IntegrationSections.Id(flows.Text(r, "to_district"))),
                flows.Suppressed(r) ? null : Charts.Num(flows.Number(r, "people")!.Value)])
            .ToList();
        section.Table("mitigation_largest_flows", $"The {rows.Count} largest relocation flows", ["network", "from", "to", "people"], rows, new HashSet<int> { 3 });
    }

    private static void Pareto(ReportContext context, ReportDocument.SectionWriter section)
    {
        var pareto = context.Load(section, Stage, "pareto.csv", "point", "chi2_sum", "di", "relocated", "segregated_districts");
        if (pareto is null || !pareto.Has("chi2_sum") || !pareto.Has("di"))
        {
            return;
        }

        var points = pareto.Rows.Where(r => pareto.Number(r, "chi2_sum") is not null && pareto.Number(r, "di") is not null)
            .Select(r => (pareto.Number(r, "chi2_sum")!.Value, pareto.Number(r, "di")!.Value, $"point {pareto.Text(r, "point")}")).ToList();
        section.Figures(new Figure("mitigation_pareto", "Pareto front", Charts.Scatter("mitigation_pareto", "Pareto front: behavioural vs residential", "sum of chi-square statistics (behavioural segregation)", "Dissimilarity Index", points, connect: true), "Each point is a non-dominated plan; left = calls more like the hosts', down = more even residence."));
        section.Table("mitigation_pareto", "Pareto front", ["point", "chi2 sum", "DI", "relocated", "segregated districts"], [.. pareto.Rows.Select(r => (IReadOnlyList<string?>)[pareto.Text(r, "point"), Num(pareto, r, "chi2_sum"), Num(pareto, r, "di"), Num(pareto, r, "relocated"), Num(pareto, r, "segregated_districts")])], new HashSet<int> { 1, 2, 3, 4 });
    }

    /// <summary>Weighted histogram with equal-width bins over the data's range.</summary>
    internal static List<Bin> Histogram(IReadOnlyList<(double Value, double Weight)> data, int bins)
    {
        if (data.Count == 0)
        {
            return [];
        }

        var lo = data.Min(d => d.Value);
        var hi = data.Max(d => d.Value);
        if (!(hi > lo))
        {
            return [new Bin(lo - 0.5, hi + 0.5, data.Sum(d => d.Weight))];
        }

        var width = (hi - lo) / bins;
        var counts = new double[bins];
        foreach (var (value, weight) in data)
        {
            counts[Math.Min(bins - 1, (int)((value - lo) / width))] += weight;
        }

        return [.. counts.Select((c, i) => new Bin(lo + (i * width), lo + ((i + 1) * width), c))];
    }

    // summary.json may hold one object per network ({"RT": {...}, "RR": {...}}), a list of
    // objects with a "network" field, or a single network's fields.
    private static List<(string Name, JsonElement Element)> Networks(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return [.. root.EnumerateArray().Select((e, i) => (e.TryGetProperty("network", out var n) ? n.ToString() : i.ToString(CultureInfo.InvariantCulture), e))];
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            if (root.TryGetProperty("networks", out var inner) && inner.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                return Networks(inner);
            }

            var objects = root.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Name is "RT" or "RR" or "TR" or "TT").ToList();
            if (objects.Count > 0)
            {
                return [.. objects.Select(p => (p.Name, p.Value))];
            }
        }

        return [("", root)];
    }

    private static Dictionary<string, string?> Leaves(JsonElement element)
    {
        var rows = new List<IReadOnlyList<string?>>();
        Scalars(element, "", rows);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            result.TryAdd(row[0]!, row[1]);
        }

        return result;
    }

    // Scalar leaves only: arrays (histogram bins, per-district lists) are drawn, not tabulated.
    private static void Scalars(JsonElement element, string prefix, List<IReadOnlyList<string?>> rows)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in element.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Array)
                {
                    Scalars(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", rows);
                }
            }
        }
        else if (element.ValueKind != JsonValueKind.Array)
        {
            var part = new List<IReadOnlyList<string?>>();
            SegregationSection.Flatten(element, prefix, part);
            rows.AddRange(part);
        }
    }

    private static string? Num(CsvTable table, string[] row, string column) =>
        table.Number(row, column) is double v ? Charts.Num(v) : table.Text(row, column) is { Length: > 0 } t ? t : null;
}
