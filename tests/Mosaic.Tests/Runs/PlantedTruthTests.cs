using System.Globalization;
using System.Text.Json;
using Mosaic.Runs;
using Mosaic.Simulation;

namespace Mosaic.Tests.Runs;

/// <summary>The default (medium) simulated city run through every analysis stage, shared by the truth-recovery tests.</summary>
public sealed class DefaultCityRun : IDisposable
{
    private readonly TempFolder temp = new();

    public DefaultCityRun()
    {
        StudyRun.Run(new StudyRunOptions { RunFolder = Run, Preset = SimulationPreset.Medium, Seed = 5 });
        Truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(Run, "data", Simulator.TruthFileName)));
    }

    public string Run => temp.File("run");

    public JsonDocument Truth { get; }

    public List<Dictionary<string, string>> Csv(string relative)
    {
        var lines = File.ReadAllLines(Path.Combine(Run, relative));
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    public void Dispose()
    {
        Truth.Dispose();
        temp.Dispose();
    }
}

/// <summary>
/// The analyses, run end to end by <c>mosaic run</c>, find what the simulator planted (truth.json):
/// the stages and the simulator were written independently, so agreement is the check.
/// </summary>
public class PlantedTruthTests(DefaultCityRun city) : IClassFixture<DefaultCityRun>
{
    [Fact]
    public void Integration_PlantedDirectionsOfNewMigrants_Recovered()
    {
        var found = city.Csv("integration/convergence_by_feature.csv").ToDictionary(r => (r["feature"], r["pair"]), r => r["direction"]);
        var planted = city.Truth.RootElement.GetProperty("dynamics").EnumerateArray()
            .Select(d => (Feature: d.GetProperty("feature").GetString()!, Pair: d.GetProperty("pair").GetString()!, Direction: d.GetProperty("direction").GetString()!))
            .ToList();
        Assert.NotEmpty(planted);
        var wrong = planted.Where(p => found.GetValueOrDefault((p.Feature, p.Pair)) != p.Direction)
            .Select(p => $"{p.Feature} {p.Pair}: planted {p.Direction}, found {found.GetValueOrDefault((p.Feature, p.Pair)) ?? "nothing"}").ToList();
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void Integration_GroupSizes_MatchPlanted()
    {
        var sizes = city.Truth.RootElement.GetProperty("group_sizes");
        var groups = city.Csv("integration/groups.csv").ToDictionary(r => r["group"], r => r["subscribers"]);
        foreach (var group in new[] { "local", "settled", "new" })
        {
            Assert.Equal(sizes.GetProperty(group).GetInt64().ToString(CultureInfo.InvariantCulture), groups[group]);
        }
    }

    [Fact]
    public void Segregation_PlantedDistricts_AreSegregatedAndHaveTheLargestCramersV()
    {
        var planted = city.Truth.RootElement.GetProperty("segregated_districts").EnumerateArray().Select(e => e.GetInt32().ToString(CultureInfo.InvariantCulture)).ToHashSet();
        var tests = city.Csv("segregation/district_tests.csv").Where(r => r["comparison"] == "RT_vs_TT" && r["cramers_v"].Length > 0).ToList();
        // Recall: every planted district is rejected at alpha = 0.01.
        Assert.All(planted, d => Assert.Equal("true", tests.Single(t => t["district_id"] == d)["segregated"]));
        // Effect size: with this many calls small differences are significant too, so the planted
        // districts are told apart by Cramér's V, as the report does.
        var strongest = tests.OrderByDescending(t => double.Parse(t["cramers_v"], CultureInfo.InvariantCulture)).Take(planted.Count).Select(t => t["district_id"]);
        Assert.Equal(planted.Order(), strongest.Order());
    }

    [Fact]
    public void Mitigation_RelocationKeepsCapAndReducesRrSegregation()
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(city.Run, "mitigation", "summary.json")));
        var rr = summary.RootElement.GetProperty("RR");
        Assert.True(rr.GetProperty("max_violation").GetDouble() <= 1e-8);
        Assert.True(rr.GetProperty("segregated_after").GetInt32() < rr.GetProperty("segregated_before").GetInt32());
    }

    [Fact]
    public void Report_IsWrittenWithEverySection()
    {
        var html = File.ReadAllText(Path.Combine(city.Run, "report.html"));
        foreach (var section in new[] { "Data", "Where groups live", "Who calls whom", "Convergence", "Classification", "Segregation", "Mitigation", "Rent", "Provenance" })
        {
            Assert.Contains(section, html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Not run", html, StringComparison.Ordinal);
    }
}
