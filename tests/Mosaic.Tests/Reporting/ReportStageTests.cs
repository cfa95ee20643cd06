using System.Globalization;
using System.Xml.Linq;
using Mosaic.Reporting;

namespace Mosaic.Tests.Reporting;

/// <summary>The full fixture's report, built once for the tests that only read it.</summary>
public sealed class FullReport : IDisposable
{
    private readonly TempFolder folder = new();

    public FullReport()
    {
        var (run, data) = new ReportFixture().Write(folder.Path);
        Run = run;
        Data = data;
        Result = ReportStage.Run(new ReportOptions(), run, data);
        Html = File.ReadAllText(Result.ReportPath);
    }

    public string Run { get; }

    public string Data { get; }

    public ReportResult Result { get; }

    public string Html { get; }

    public void Dispose() => folder.Dispose();
}

public class ReportStageTests(FullReport full) : IClassFixture<FullReport>
{
    private static (ReportResult Result, string Html, string Run) Build(TempFolder dir, ReportFixture? fixture = null, ReportOptions? options = null)
    {
        var (run, data) = (fixture ?? new ReportFixture()).Write(dir.Path);
        var result = ReportStage.Run(options ?? new ReportOptions(), run, data);
        return (result, File.ReadAllText(result.ReportPath), run);
    }

    [Fact]
    public void Run_FullFixture_EverySectionComplete()
    {
        var (result, html) = (full.Result, full.Html);
        Assert.Equal(["data", "spatial", "mixing", "convergence", "classification", "segregation", "mitigation", "rent", "provenance"], result.Sections.Select(s => s.Key));
        Assert.All(result.Sections, s => Assert.Equal(SectionStatus.Complete, s.Status));
        Assert.DoesNotContain("ROC curves are not drawn", html, StringComparison.Ordinal);
        Assert.Contains("Privacy: every published aggregate describing fewer than k subscribers is suppressed", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FullFixture_SelfContainedNoExternalReferences()
    {
        var html = full.Html;
        var withoutNamespace = html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal);
        Assert.DoesNotContain("http:", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", withoutNamespace, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("/secure/in", html, StringComparison.Ordinal); // input paths are shown by file name only
    }

    [Fact]
    public void Run_FullFixture_EveryFigureIsWellFormedSvgWithUniqueIds()
    {
        var (result, html, run) = (full.Result, full.Html, full.Run);
        Assert.True(result.Figures.Count >= 30, $"only {result.Figures.Count} figures");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var figure in result.Figures)
        {
            var svg = XDocument.Load(Path.Combine(run, figure));
            Assert.Equal("svg", svg.Root!.Name.LocalName);
            foreach (var id in svg.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>())
            {
                Assert.True(ids.Add(id), $"id {id} repeated across figures");
            }
        }

        Assert.Equal(result.Figures.Count, html.Split("<figure ").Length - 1);
        Assert.All(result.Tables, t => Assert.True(File.Exists(Path.Combine(run, t)), t));
        Assert.True(File.Exists(Path.Combine(run, "figures", "manifest.json")));
        Assert.True(File.Exists(Path.Combine(run, "tables", "manifest.json")));
    }

    [Fact]
    public void Classification_RocCsv_OnePanelPerBinaryTaskAndThreeWayClassOneLinePerTestSet()
    {
        var (result, html, run) = (full.Result, full.Html, full.Run);
        string[] expected = ["new_vs_rest", "settled_vs_local", "three_way_local", "three_way_new", "three_way_settled"];
        Assert.Equal(expected.Select(e => $"figures/classification_roc_curve_{e}.svg"), result.Figures.Where(f => f.Contains("roc_curve", StringComparison.Ordinal)));
        var svg = XDocument.Load(Path.Combine(run, "figures", "classification_roc_curve_settled_vs_local.svg"));
        var lines = svg.Descendants().Where(e => e.Name.LocalName == "polyline").ToList();
        Assert.Equal(3, lines.Count); // week2_holdout, week3, week4; feature set "activity" is left out

        // Each line has the fixture's four points, and its first and last map to (0,0) and (1,1) of the frame.
        var points = lines.Select(l => ((string)l.Attribute("points")!).Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList()).ToList();
        Assert.All(points, p => Assert.Equal(4, p.Count));
        Assert.All(points, p => Assert.Equal((points[0][0][0], points[0][0][1], points[0][3][0], points[0][3][1]), (p[0][0], p[0][1], p[p.Count - 1][0], p[p.Count - 1][1])));

        // Inner tpr falls with the week (0.6, 0.5, 0.4): lower on the page is a larger y.
        Assert.True(points[0][1][1] < points[1][1][1] && points[1][1][1] < points[2][1][1]);
        Assert.Contains("AUC 0.86", svg.ToString(), StringComparison.Ordinal); // settled_vs_local, all, week2_holdout
        Assert.Contains("ROC curves (all features)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Classification_NoRocCsv_PartialAndSaysWhy()
    {
        using var dir = new TempFolder();
        var (result, html, _) = Build(dir, new ReportFixture { WithRoc = false, WithCalls = false }, new ReportOptions { Png = false });
        Assert.Equal(SectionStatus.Partial, result.Sections.Single(s => s.Key == "classification").Status);
        Assert.Contains("integration/roc.csv not found", html, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Figures, f => f.Contains("roc_curve", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_FullFixture_EveryFigureHasAPngAtTwiceItsSize()
    {
        var (result, run) = (full.Result, full.Run);
        Assert.True(result.PngWritten);
        foreach (var figure in result.Figures)
        {
            var svg = XDocument.Load(Path.Combine(run, figure)).Root!;
            var png = File.ReadAllBytes(Path.Combine(run, Path.ChangeExtension(figure, ".png")));
            Assert.Equal(SvgRasterTests.PngSignature, png[..8]);
            var (width, height) = (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.Equal(Math.Ceiling(2 * double.Parse((string)svg.Attribute("width")!, CultureInfo.InvariantCulture)), width);
            Assert.Equal(Math.Ceiling(2 * double.Parse((string)svg.Attribute("height")!, CultureInfo.InvariantCulture)), height);
        }
    }

    [Fact]
    public void Run_NoPng_WritesSvgOnly()
    {
        using var dir = new TempFolder();
        var (result, _, run) = Build(dir, new ReportFixture { WithCalls = false }, new ReportOptions { Png = false });
        Assert.False(result.PngWritten);
        Assert.Empty(Directory.GetFiles(Path.Combine(run, "figures"), "*.png"));
    }

    [Fact]
    public void Run_NoStageOutputs_AnalysisSectionsSayNotRun()
    {
        using var dir = new TempFolder();
        var (result, html, _) = Build(dir, new ReportFixture { Stages = new HashSet<string>() });
        foreach (var key in new[] { "spatial", "mixing", "convergence", "classification", "segregation", "mitigation", "rent" })
        {
            Assert.Equal(SectionStatus.NotRun, result.Sections.Single(s => s.Key == key).Status);
        }

        Assert.Contains("Not run: the segregation stage has not run", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>integration</td><td>not run</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoDataFolder_MapsSayWhyAndRestStillRenders()
    {
        using var dir = new TempFolder();
        var (run, _) = new ReportFixture().Write(dir.Path);
        foreach (var manifest in Directory.GetFiles(run, "manifest.json", SearchOption.AllDirectories))
        {
            File.Delete(manifest);
        }

        var result = ReportStage.Run(new ReportOptions(), run);
        Assert.Contains(result.Sections.Single(s => s.Key == "data").Notes, n => n.StartsWith("no data folder was given", StringComparison.Ordinal));
        var segregation = result.Sections.Single(s => s.Key == "segregation");
        Assert.Equal(SectionStatus.Partial, segregation.Status);
        Assert.Contains(segregation.Notes, n => n.Contains("no district polygons", StringComparison.Ordinal));
        Assert.Contains("tables/segregation_district_tests.csv", result.Tables);
    }

    [Fact]
    public void Run_MissingPromisedColumn_SectionNamesIt()
    {
        using var dir = new TempFolder();
        var (result, html, _) = Build(dir, new ReportFixture { DropColumns = new HashSet<string> { "cramers_v", "homophily_ratio" } });
        var segregation = result.Sections.Single(s => s.Key == "segregation");
        Assert.Equal(SectionStatus.Partial, segregation.Status);
        Assert.Contains("segregation/district_tests.csv lacks the column cramers_v.", segregation.Notes);
        Assert.Contains("integration/mixing.csv lacks the column homophily_ratio.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Twice_ByteIdenticalOutputs()
    {
        using var dir = new TempFolder();
        var (first, html, run) = Build(dir);
        var files = first.Figures.Select(f => Path.ChangeExtension(f, ".png")).Concat(first.Figures).Concat(first.Tables).ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(run, f)));
        var second = ReportStage.Run(new ReportOptions(), run, Path.Combine(dir.Path, "data"));
        Assert.Equal(html, File.ReadAllText(second.ReportPath));
        Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Combine(run, f.Key))));
    }

    [Fact]
    public void Coverage_HourWithFewerThanKCallers_SuppressedAndWeeksCountEveryRecord()
    {
        var run = full.Run;
        var hours = CsvTable.TryLoad(Path.Combine(run, "tables", "data_coverage_hour.csv"))!;
        var three = hours.Rows.Single(r => hours.Text(r, "hour") == "3");
        Assert.Equal("", hours.Text(three, "records"));
        Assert.Equal("true", hours.Text(three, "suppressed"));

        // The fixture's calls, counted independently of DuckDB: 4000 generated minus those at 03:xx, plus 20 texts at 03:xx.
        var start = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Unspecified);
        var times = Enumerable.Range(0, 4000).Select(i => start.AddMinutes(i * 613 % (28 * 24 * 60))).Where(t => t.Hour != 3).ToList();
        var weeks = CsvTable.TryLoad(Path.Combine(run, "tables", "data_coverage_week.csv"))!;
        for (var week = 1; week <= 4; week++)
        {
            var expected = times.Count(t => (int)((t - start).TotalDays / 7) + 1 == week) + (week == 1 ? 20 : 0);
            var row = weeks.Rows.Single(r => weeks.Text(r, "week") == week.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(expected, (int)weeks.Number(row, "records")!.Value);
        }
    }

    [Fact]
    public void Mitigation_RefugeeShareAfter_MatchesHandComputedFlows()
    {
        var table = CsvTable.TryLoad(Path.Combine(full.Run, "tables", "mitigation_refugee_share.csv"))!;
        var one = table.Rows.Single(r => table.Text(r, "district_id") == "1");

        // District 1: 100 refugees, 1950 hosts; RT moves 40 in from district 6, RR moves 20.
        Assert.Equal("4.88", table.Text(one, "before"));
        Assert.Equal((100.0 * 140 / 2090).ToString("0.00", CultureInfo.InvariantCulture), table.Text(one, "after RT"));
        Assert.Equal((100.0 * 120 / 2070).ToString("0.00", CultureInfo.InvariantCulture), table.Text(one, "after RR"));
        var six = table.Rows.Single(r => table.Text(r, "district_id") == "6");
        Assert.Equal((100.0 * 560 / 2260).ToString("0.00", CultureInfo.InvariantCulture), table.Text(six, "after RT"));
    }

    [Fact]
    public void Spatial_SuppressedDistrict_DrawnHatchedAndTableSaysSuppressed()
    {
        var (html, run) = (full.Html, full.Run);
        var map = File.ReadAllText(Path.Combine(run, "figures", "spatial_new.svg"));
        Assert.Contains("fill=\"url(#hatch-spatial_new)\" stroke=\"#555555\" stroke-width=\"0.5\" fill-rule=\"evenodd\"><title>District 9 (9): no value (suppressed or missing)</title>", map, StringComparison.Ordinal);
        var table = CsvTable.TryLoad(Path.Combine(run, "tables", "spatial_log_ratio.csv"))!;
        var nine = table.Rows.Single(r => table.Text(r, "district_id") == "9");
        Assert.Equal(("", "true"), (table.Text(nine, "new"), table.Text(nine, "suppressed")));
        Assert.Contains("<td class=\"suppressed\">suppressed</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Rent_Subsidy_SumsIncreasesOfPeopleMovingIn()
    {
        var map = File.ReadAllText(Path.Combine(full.Run, "figures", "rent_subsidy_rt.svg"));

        // Only the flow 9 → 4 raises rent (change −500 + 900 = +400 per person, 160 people): 64,000 per month into district 4.
        Assert.Contains("<title>District 4 (4): 64,000 currency/month</title>", map, StringComparison.Ordinal);
        Assert.Contains("<title>District 1 (1): no value (suppressed or missing)</title>", map, StringComparison.Ordinal);
    }

    [Fact]
    public void Segregation_DistrictTestsTable_MatchesSnapshot()
    {
        var html = full.Html;
        Snapshot.Match("segregation_district_tests.html", Extract(html, "table-segregation_district_tests"));
        Snapshot.Match("mitigation_summary.html", Extract(html, "table-mitigation_summary"));
        Snapshot.Match("classification_metrics.html", Extract(html, "table-classification_metrics"));
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReportOptions { PrivacyK = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReportOptions { TopFlows = 0 }.Validate());
    }

    [Fact]
    public void Run_MissingRunFolder_IsBadInput()
    {
        using var dir = new TempFolder();
        Assert.Throws<MosaicInputException>(() => ReportStage.Run(new ReportOptions(), dir.File("absent")));
    }

    internal static string Extract(string html, string id)
    {
        var start = html.IndexOf($"<table id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"table {id} not in the report");
        var end = html.IndexOf("</table>", start, StringComparison.Ordinal) + "</table>".Length;
        return html[start..end] + "\n";
    }
}
