using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mosaic.Tests.Trust;

/// <summary>
/// What rightly differs between two runs of the same inputs — the wall-clock timings that
/// provenance records — set aside, so that everything else can be compared byte for byte.
/// </summary>
internal static partial class RunOutputs
{
    private static readonly string[] TimingKeys = ["seconds", "timings_seconds", "finished_utc", "started_utc"];

    /// <summary>Removes timing properties at every depth of a JSON document.</summary>
    public static void RemoveTimings(JsonNode? node, params string[] alsoRemove)
    {
        if (node is JsonObject obj)
        {
            foreach (var key in obj.Select(p => p.Key).Where(k => TimingKeys.Contains(k) || alsoRemove.Contains(k)).ToList())
            {
                obj.Remove(key);
            }

            foreach (var (_, child) in obj)
            {
                RemoveTimings(child, alsoRemove);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                RemoveTimings(child, alsoRemove);
            }
        }
    }

    /// <summary>A report table's lines (<c>tables/provenance_*.csv</c>) without the seconds rows and the stage finish times.</summary>
    public static IEnumerable<string> ProvenanceTable(string name, IEnumerable<string> lines) =>
        lines.Where(l => !l.StartsWith("seconds,", StringComparison.Ordinal))
            .Select(l => name.StartsWith("provenance_stages", StringComparison.Ordinal) ? string.Join(',', l.Split(',').Take(3)) : l);

    /// <summary>
    /// A line of <c>report.html</c> without the seconds rows, and without the finish time and
    /// seconds of the stage provenance rows (the rows naming the tool version); null for a line
    /// dropped whole.
    /// </summary>
    public static string? ReportLine(string line) =>
        line.StartsWith("<tr><td>seconds</td>", StringComparison.Ordinal) ? null
        : line.Contains($"<td>{Mosaic.Runs.Manifest.ToolVersion}</td>", StringComparison.Ordinal) ? StageTimes().Replace(line, "</tr>")
        : line;

    /// <summary>The finish time and seconds of a row of the report's stage provenance table.</summary>
    [GeneratedRegex(@"<td>(\d{4}-\d\d-\d\dT[0-9:.]+Z)?</td><td class=""num"">[0-9.]+</td></tr>$")]
    private static partial Regex StageTimes();
}
