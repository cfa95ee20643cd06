using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mosaic.ScaleOut;

/// <summary>How two run folders compare: files compared, identical as written, and the differences left after normalisation.</summary>
/// <param name="Compared">Files present in both runs (outside the scale-out folders).</param>
/// <param name="ByteIdentical">Of those, files equal byte for byte without any normalisation.</param>
/// <param name="Normalised">Of those, the files equal only after <see cref="RunComparison.Normalise"/>.</param>
/// <param name="Differences">Files missing on one side or different after <see cref="RunComparison.Normalise"/>, with the reason.</param>
public sealed record RunComparisonResult(int Compared, int ByteIdentical, IReadOnlyList<string> Normalised, IReadOnlyList<string> Differences)
{
    /// <summary>True when every file is equal after normalisation and none is missing.</summary>
    public bool Identical => Differences.Count == 0;
}

/// <summary>
/// Compares a run folder written by one machine (<c>mosaic run</c>) with one written through the
/// partitions (<c>mosaic cluster submit</c>, <c>mosaic run --from-partitions</c>), file by file.
/// Every file is compared byte for byte after a fixed, minimal normalisation of the fields that
/// describe the run rather than the data (docs/scale-out.md, "Checking a cluster run"):
/// <list type="bullet">
/// <item>the run folder's path (absolute, and as given) is replaced by <c>{RUN}</c>: in <c>.json</c> files in string
/// values that are the path or start with it and <c>/</c>; in <c>.csv</c> and <c>.html</c> files where it stands as a path
/// (not inside a longer name, followed by <c>/</c>, <c>,</c>, <c>"</c> or <c>&lt;</c>); in <c>report.html</c> also the
/// folder's name alone as the report shows it (<c>&lt;code&gt;name&lt;/code&gt;</c>);</item>
/// <item>in <c>.json</c> files, the properties <c>timings_seconds</c>, <c>finished_utc</c> and
/// <c>fingerprint</c> (a hash of the stage, version, parameters and inputs, which are compared) are removed at any depth;</item>
/// <item>in <c>tables/provenance_*.csv</c> and <c>report.html</c>, the rows of the <c>seconds</c> section are removed, and in
/// the stages table (<c>tables/provenance_stages.csv</c> and its copy in <c>report.html</c>) the
/// <c>finished (UTC)</c> and <c>seconds</c> cells are emptied.</item>
/// </list>
/// The folders only a partitioned run has (<see cref="ScaleOutFolders"/>) are not compared.
/// </summary>
public static partial class RunComparison
{
    /// <summary>Top-level folders of a partitioned run that a single-machine run does not have.</summary>
    public static IReadOnlyList<string> ScaleOutFolders { get; } = ["cluster", "partitioned", "partitions"];

    /// <summary>JSON properties that describe the run (timings, clock, the fingerprint over compared fields), removed before comparing.</summary>
    public static IReadOnlyList<string> RunSpecificJsonProperties { get; } = ["timings_seconds", "finished_utc", "fingerprint"];

    private const string RunPlaceholder = "{RUN}";

    /// <summary>Compares every file of <paramref name="expected"/> with the same file of <paramref name="actual"/>.</summary>
    /// <exception cref="MosaicInputException">A run folder does not exist.</exception>
    public static RunComparisonResult Compare(string expected, string actual)
    {
        var left = Files(expected);
        var right = Files(actual);
        var differences = new List<string>();
        differences.AddRange(left.Except(right, StringComparer.Ordinal).Select(f => $"{f}: only in {expected}"));
        differences.AddRange(right.Except(left, StringComparer.Ordinal).Select(f => $"{f}: only in {actual}"));
        var both = left.Intersect(right, StringComparer.Ordinal).ToList();
        var identical = 0;
        var normalised = new List<string>();
        foreach (var file in both)
        {
            var a = File.ReadAllBytes(Path.Combine(expected, file));
            var b = File.ReadAllBytes(Path.Combine(actual, file));
            if (a.AsSpan().SequenceEqual(b))
            {
                identical++;
            }
            else if (Normalise(file, a, expected).AsSpan().SequenceEqual(Normalise(file, b, actual)))
            {
                normalised.Add(file);
            }
            else
            {
                differences.Add($"{file}: differs");
            }
        }

        return new RunComparisonResult(both.Count, identical, normalised, differences);
    }

    /// <summary>
    /// The content of <paramref name="relativePath"/> (a path inside <paramref name="runFolder"/>, with '/')
    /// with the run-specific fields normalised as the class summary lists; other files unchanged.
    /// </summary>
    public static byte[] Normalise(string relativePath, byte[] content, string runFolder)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var extension = Path.GetExtension(relativePath);
        if (extension is not (".json" or ".csv" or ".html"))
        {
            return content;
        }

        var text = Encoding.UTF8.GetString(content);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder));
        var paths = new[] { full, Path.TrimEndingDirectorySeparator(runFolder) }
            .Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Length).ToList();
        if (extension == ".json")
        {
            return Encoding.UTF8.GetBytes(WithoutRunProperties(text, paths));
        }

        foreach (var path in paths)
        {
            // A relative run folder ("run") is also a common word: only where it stands as a path.
            text = Regex.Replace(text, $@"(?<![\w./-]){Regex.Escape(path)}(?=[/"",<])", RunPlaceholder, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(10));
        }

        var name = Path.GetFileName(relativePath);
        text = extension switch
        {
            ".csv" when relativePath.StartsWith("tables/provenance_", StringComparison.Ordinal) => WithoutTimingsCsv(text, name == "provenance_stages.csv"),
            // The report names the run by its folder's name alone.
            ".html" when name == "report.html" => WithoutTimingsHtml(text.Replace($"<code>{Path.GetFileName(full)}</code>", $"<code>{RunPlaceholder}</code>", StringComparison.Ordinal)),
            _ => text,
        };
        return Encoding.UTF8.GetBytes(text);
    }

    private static List<string> Files(string run)
    {
        if (!Directory.Exists(run))
        {
            throw new MosaicInputException(run, null, "run folder not found");
        }

        return Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(run, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !ScaleOutFolders.Any(s => f.StartsWith(s + "/", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string WithoutRunProperties(string json, IReadOnlyList<string> paths)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json; // not JSON after all: compared as written
        }

        return Strip(node, paths)?.ToJsonString() ?? "null";
    }

    /// <summary>Removes the run-specific properties and replaces the run folder in string values, in place.</summary>
    private static JsonNode? Strip(JsonNode? node, IReadOnlyList<string> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in RunSpecificJsonProperties)
                {
                    obj.Remove(key);
                }

                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (WithoutRun(obj[key], paths) is { } replaced)
                    {
                        obj[key] = replaced;
                    }
                    else
                    {
                        Strip(obj[key], paths);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (WithoutRun(array[i], paths) is { } replaced)
                    {
                        array[i] = replaced;
                    }
                    else
                    {
                        Strip(array[i], paths);
                    }
                }

                break;
        }

        return node;
    }

    /// <summary>A string value that is the run folder or a path inside it, with the folder replaced; otherwise null.</summary>
    private static JsonValue? WithoutRun(JsonNode? node, IReadOnlyList<string> paths)
    {
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return null;
        }

        var path = paths.FirstOrDefault(p => text == p || text.StartsWith(p + "/", StringComparison.Ordinal));
        return path is null ? null : JsonValue.Create(RunPlaceholder + text[path.Length..]);
    }

    /// <summary>Provenance tables: the <c>seconds,…</c> rows go; in the stages table the last two columns (finished, seconds) are emptied.</summary>
    private static string WithoutTimingsCsv(string csv, bool stages)
    {
        var lines = csv.Split('\n').Where(l => !l.StartsWith("seconds,", StringComparison.Ordinal));
        if (stages)
        {
            lines = lines.Select((l, i) => i == 0 || l.Length == 0 || l.Contains('"', StringComparison.Ordinal) ? l : StageRowCsv().Replace(l, "$1,,"));
        }

        return string.Join('\n', lines);
    }

    private static string WithoutTimingsHtml(string html) =>
        StageRowHtml().Replace(string.Join('\n', html.Split('\n').Where(l => !l.StartsWith("<tr><td>seconds</td>", StringComparison.Ordinal))),
            "$1<td></td><td class=\"num\"></td></tr>");

    /// <summary>folder, stage, version, then finished (UTC) and seconds.</summary>
    [GeneratedRegex(@"^([^,]*,[^,]*,[^,]*),[^,]*,[^,]*$")]
    private static partial Regex StageRowCsv();

    /// <summary>A row of the stages table: folder, stage, version (digits and dots), finished, seconds.</summary>
    [GeneratedRegex(@"(<tr><td>[^<]*</td><td>[^<]*</td><td>\d+\.\d+\.\d+[^<]*</td>)<td>[^<]*</td><td class=""num"">[^<]*</td></tr>")]
    private static partial Regex StageRowHtml();
}
