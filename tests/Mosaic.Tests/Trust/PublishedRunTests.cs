using System.Text.Json;
using Mosaic.Data;

namespace Mosaic.Tests.Trust;

/// <summary>
/// What a full <c>mosaic run</c> publishes, on data ingested from phone-number-shaped ids with a
/// key: no raw or pseudonymous subscriber id in any file or log, the k used recorded in every
/// manifest of a stage that publishes subscriber aggregates, and the same bytes whatever the
/// number of engine threads.
/// </summary>
public class PublishedRunTests(IngestedCityRun city) : IClassFixture<IngestedCityRun>
{
    /// <summary>Row-level tables by design (one row per subscriber-week); documented in docs/security.md.</summary>
    private static readonly string[] RowLevel = [Path.Combine("features", "features.parquet")];

    private List<string> IdsIn(string text)
    {
        var found = new List<string>();
        foreach (var token in IngestedCityRun.Decimals().EnumerateMatches(text))
        {
            var value = text.Substring(token.Index, token.Length);
            if (city.RawIds.Contains("+" + value) || city.RawIds.Contains(value)
                || (long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number) && city.Pseudonyms.Contains(number)))
            {
                found.Add(value);
            }
        }

        foreach (var token in IngestedCityRun.Hexadecimals().EnumerateMatches(text))
        {
            var value = text.Substring(token.Index, token.Length);
            if (long.TryParse(value, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var hex) && city.Pseudonyms.Contains(hex))
            {
                found.Add(value);
            }
        }

        return found;
    }

    private static string ParquetText(string path)
    {
        using var session = new DuckDbSession();
        var rows = session.Query($"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet({Sql.Literal(path)})", r =>
            string.Join(',', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "" : r.GetString(i))));
        return string.Join('\n', rows);
    }

    [Fact]
    public void Run_NoRawOrPseudonymousIdInAnyFileOrLog()
    {
        var leaks = new List<string>();
        var files = Directory.GetFiles(city.Run, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("report.html", StringComparison.Ordinal));
        foreach (var file in files.Where(f => !RowLevel.Contains(Path.GetRelativePath(city.Run, f))))
        {
            var text = file.EndsWith(".parquet", StringComparison.Ordinal) ? ParquetText(file) : File.ReadAllText(file);
            leaks.AddRange(IdsIn(text).Take(3).Select(id => $"{Path.GetRelativePath(city.Run, file)}: {id}"));
        }

        leaks.AddRange(city.Logs.SelectMany(IdsIn).Select(id => $"log: {id}"));
        Assert.True(leaks.Count == 0, string.Join('\n', leaks.Take(20)));
    }

    [Fact]
    public void Scanner_FindsIdsWhereTheyAre()
    {
        // The scan above is only worth something if it would see an id: the row-level tables have them all.
        Assert.NotEmpty(city.RawIds);
        Assert.True(IdsIn(ParquetText(Path.Combine(city.Run, RowLevel[0]))).Count > 100);
        Assert.Single(IdsIn($"x {city.RawIds.First()} y"));
        Assert.Single(IdsIn($"user-{city.Pseudonyms.First():x16}.csv"));
    }

    [Theory]
    [InlineData("integration", "k")]
    [InlineData("segregation", "k")]
    [InlineData("tables", "privacy_k")]
    [InlineData("figures", "privacy_k")]
    public void Manifest_RecordsTheKUsed(string stage, string parameter)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(city.Run, stage, "manifest.json")));
        Assert.Equal($"{IngestedCityRun.K}", manifest.RootElement.GetProperty("parameters").GetProperty(parameter).GetString());
    }

    /// <summary>A file's bytes, with the wall-clock timings that provenance rightly records set aside.</summary>
    private static byte[] Comparable(string run, string relative)
    {
        var path = Path.Combine(run, relative);
        var name = Path.GetFileName(relative);
        if (name == "report.json")
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
            RunOutputs.RemoveTimings(node);
            return System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        if (name.StartsWith("provenance_", StringComparison.Ordinal))
        {
            return System.Text.Encoding.UTF8.GetBytes(string.Join('\n', RunOutputs.ProvenanceTable(name, File.ReadAllLines(path))));
        }

        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Run_OneOrTwoThreads_ByteIdenticalOutputs()
    {
        static bool Compared(string relative) => Path.GetFileName(relative) is not ("manifest.json" or "pipeline.json" or "report.html");
        var first = Directory.GetFiles(city.Run, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(city.Run, f)).Where(Compared).Order().ToList();
        var second = Directory.GetFiles(city.RunTwoThreads, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(city.RunTwoThreads, f)).Where(Compared).Order().ToList();
        Assert.Equal(first, second);
        Assert.True(first.Count > 50, $"only {first.Count} files compared");
        var differ = first.Where(f => !Comparable(city.Run, f).AsSpan().SequenceEqual(Comparable(city.RunTwoThreads, f))).ToList();
        Assert.True(differ.Count == 0, "differ with --threads 1 and 2: " + string.Join(", ", differ));

        // The report itself: the same once the run folder's name and the provenance timings are set aside.
        static string Report(string run) => string.Join('\n', File.ReadAllLines(Path.Combine(run, "report.html")).Select(RunOutputs.ReportLine).OfType<string>())
            .Replace("run-2", "run", StringComparison.Ordinal);
        var report = Report(city.Run);
        var other = Report(city.RunTwoThreads);
        var at = report.Zip(other).TakeWhile(p => p.First == p.Second).Count();
        Assert.True(report == other, $"report.html differs at {at}: {report.Substring(Math.Max(0, at - 200), Math.Min(300, report.Length - Math.Max(0, at - 200)))}");
    }
}
