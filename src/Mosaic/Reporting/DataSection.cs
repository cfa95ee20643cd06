using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;

namespace Mosaic.Reporting;

/// <summary>Section 1: records, rejects by reason, coverage by week and hour, group sizes, privacy threshold.</summary>
internal static class DataSection
{
    public static void Write(ReportContext context)
    {
        var section = context.Document.Begin("data", "1. Data");
        if (context.DataFolder is null)
        {
            section.NotRun("no data folder was given (--data) or recorded in the stages' manifests.");
        }
        else
        {
            Ingest(context, section);
            Coverage(context, section);
        }

        Groups(context, section);
        section.End();
    }

    private static void Ingest(ReportContext context, ReportDocument.SectionWriter section)
    {
        var path = Path.Combine(context.DataFolder!, "ingest_report.json");
        if (!File.Exists(path))
        {
            section.Paragraph("No ingest_report.json in the data folder (the data were simulated or copied in), so there are no reject counts.");
            return;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;
        if (root.TryGetProperty("table_rows", out var tableRows) && tableRows.ValueKind == JsonValueKind.Object)
        {
            var rows = tableRows.EnumerateObject().Select(p => (IReadOnlyList<string?>)[p.Name, Count(p.Value)]).ToList();
            section.Table("data_table_rows", "Rows in each canonical table", ["table", "rows"], rows, new HashSet<int> { 1 });
        }

        if (root.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            var fileRows = new List<IReadOnlyList<string?>>();
            var reasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var file in files.EnumerateArray())
            {
                fileRows.Add([
                    Path.GetFileName(Text(file, "file")), Text(file, "table"),
                    Count(Prop(file, "rows_read")), Count(Prop(file, "rows_accepted")), Count(Prop(file, "rows_rejected"))]);
                if (file.TryGetProperty("rejected_by_reason", out var byReason) && byReason.ValueKind == JsonValueKind.Object)
                {
                    foreach (var reason in byReason.EnumerateObject())
                    {
                        reasons[reason.Name] = reasons.GetValueOrDefault(reason.Name) + (reason.Value.TryGetInt64(out var n) ? n : 0);
                    }
                }
            }

            section.Table("data_files", "Input files: every row read is accepted or rejected with a reason", ["file", "table", "read", "accepted", "rejected"], fileRows, new HashSet<int> { 2, 3, 4 });
            if (reasons.Count > 0)
            {
                section.Table("data_rejects", "Rejected rows by reason (all files)", ["reason", "rows"], [.. reasons.Select(r => (IReadOnlyList<string?>)[r.Key, Fmt(r.Value)])], new HashSet<int> { 1 });
                section.Figures(new Figure(
                    "data_rejects",
                    "Rejected rows by reason",
                    Charts.Bars("data_rejects", "Rejected rows by reason", "rows", [.. reasons.Keys], [("rows", [.. reasons.Values.Select(v => (double?)v)])], width: Math.Max(420, 70 * reasons.Count)),
                    "Counts of rejected input rows per reason, over all input files."));
            }
            else
            {
                section.Paragraph("No input row was rejected.");
            }
        }

        if (root.TryGetProperty("call_reject_rate", out var rate) && rate.TryGetDouble(out var r))
        {
            section.Paragraph($"Call reject rate: {r.ToString("P2", CultureInfo.InvariantCulture)}.");
        }
    }

    private static void Coverage(ReportContext context, ReportDocument.SectionWriter section)
    {
        var calls = DataFolder.TablePath(context.DataFolder!, CanonicalTables.Calls);
        if (!File.Exists(calls))
        {
            section.Missing("calls.parquet not found in the data folder: no coverage by week and hour.");
            return;
        }

        var k = context.Options.PrivacyK;
        using var session = new DuckDbSession(new EngineOptions(Threads: 2));
        var source = $"read_parquet({Sql.Literal(calls)})";
        var start = session.Scalar($"SELECT min(start_time) FROM {source}");
        if (start is not DateTime first)
        {
            section.Paragraph("The calls table is empty.");
            return;
        }

        var calendar = new StudyCalendar(first.Date);
        var byWeek = session.Query(
            $"SELECT {calendar.WeekSql("start_time")} AS week, count(*), count(DISTINCT caller_id) FROM {source} GROUP BY 1 ORDER BY 1",
            r => (Key: Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), Records: r.GetInt64(1), Subscribers: r.GetInt64(2)));
        var byHour = session.Query(
            $"SELECT hour(start_time), count(*), count(DISTINCT caller_id) FROM {source} GROUP BY 1 ORDER BY 1",
            r => (Key: Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), Records: r.GetInt64(1), Subscribers: r.GetInt64(2)));

        // Aggregates over fewer than k distinct callers are suppressed like every stage's.
        IReadOnlyList<IReadOnlyList<string?>> Rows(List<(int Key, long Records, long Subscribers)> rows) =>
            [.. rows.Select(x => (IReadOnlyList<string?>)[x.Key.ToString(CultureInfo.InvariantCulture), x.Subscribers < k ? null : Fmt(x.Records), x.Subscribers < k ? null : Fmt(x.Subscribers)])];
        double? Value((int Key, long Records, long Subscribers) x) => x.Subscribers < k ? null : x.Records;

        section.Heading("Coverage");
        section.Figures(
            new Figure("data_coverage_week", "Records per study week", Charts.Bars("data_coverage_week", "Records per study week", "records (calls and texts)", [.. byWeek.Select(x => $"week {x.Key}")], [("records", [.. byWeek.Select(Value)])]), $"Week 1 starts {first.Date:yyyy-MM-dd} (midnight of the first record's date); weeks are 7 days."),
            new Figure("data_coverage_hour", "Records per hour of day", Charts.Bars("data_coverage_hour", "Records per hour of day", "records (calls and texts)", [.. byHour.Select(x => x.Key.ToString("00", CultureInfo.InvariantCulture))], [("records", [.. byHour.Select(Value)])], width: 620), "Local wall-clock hour of the record's start time, all weeks together."));
        section.Table("data_coverage_week", "Coverage by study week", ["week", "records", "callers"], Rows(byWeek), new HashSet<int> { 1, 2 });
        section.Table("data_coverage_hour", "Coverage by hour of day", ["hour", "records", "callers"], Rows(byHour), new HashSet<int> { 1, 2 });
    }

    private static void Groups(ReportContext context, ReportDocument.SectionWriter section)
    {
        section.Heading("Group sizes");
        if (!Directory.Exists(context.StageFolder("integration")))
        {
            section.NotRun("integration (group sizes come from integration/groups.csv).");
            return;
        }

        var groups = context.Load(section, "integration", "groups.csv", "group", "subscribers");
        if (groups is null || !groups.Has("group"))
        {
            return;
        }

        var rows = groups.Rows.Select(r => (IReadOnlyList<string?>)[groups.Text(r, "group"), groups.Suppressed(r) || groups.Number(r, "subscribers") is null ? null : Fmt((long)groups.Number(r, "subscribers")!.Value)]).ToList();
        section.Table("data_groups", "Subscribers per group (local, settled and new migrants; unknown = unattributed contacts)", ["group", "subscribers"], rows, new HashSet<int> { 1 });
        section.Figures(new Figure(
            "data_groups",
            "Subscribers per group",
            Charts.Bars("data_groups", "Subscribers per group", "subscribers", [.. groups.Rows.Select(r => groups.Text(r, "group"))], [("subscribers", [.. groups.Rows.Select(r => groups.Suppressed(r) ? null : groups.Number(r, "subscribers"))])]),
            "Group sizes; a missing bar is a suppressed count."));
    }

    internal static string Fmt(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Count(JsonElement? value) => value is JsonElement v && v.TryGetInt64(out var n) ? Fmt(n) : "";

    private static JsonElement? Prop(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value : null;

    private static string Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";
}
