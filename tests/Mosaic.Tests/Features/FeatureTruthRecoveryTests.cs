using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Features;
using Mosaic.Simulation;

namespace Mosaic.Tests.Features;

/// <summary>
/// The features stage, run on a simulated city, recovers the per-group weekly means that the
/// simulator planted (truth.json, with the tolerances it states). The simulator and the features
/// stage were written independently; agreement is the check.
/// </summary>
public class FeatureTruthRecoveryTests
{
    [Fact]
    public void SmallCity_GroupWeeklyMeans_MatchPlantedTruthWithinTolerance()
    {
        using var dir = new TempFolder();
        var data = dir.File("data");
        Simulator.Run(new SimulationOptions { Preset = SimulationPreset.Small, Seed = 11 }, data);
        var result = FeatureStage.Run(new FeatureOptions(), data, dir.File("run"));
        using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, Simulator.TruthFileName)));
        var expected = truth.RootElement.GetProperty("expected").EnumerateArray()
            .Select(e => (Group: e.GetProperty("group").GetString()!, Week: e.GetProperty("week").GetInt32(),
                Feature: e.GetProperty("feature").GetString()!, Value: e.GetProperty("value").GetDouble(), Tolerance: e.GetProperty("tolerance").GetDouble()))
            .ToList();
        Assert.NotEmpty(expected);

        using var session = new DuckDbSession();
        var features = expected.Select(e => e.Feature).Distinct().ToList();
        var means = features.SelectMany(feature => session.Query(
            $"""
            SELECT "group", week, avg({Sql.Identifier(feature)}) FROM read_parquet({Sql.Literal(result.FeaturesPath)})
            WHERE {Sql.Identifier(feature)} IS NOT NULL GROUP BY ALL
            """,
            r => (Group: r.GetString(0), Week: r.GetInt32(1), Feature: feature, Mean: r.GetDouble(2))))
            .ToDictionary(m => (m.Group, m.Week, m.Feature), m => m.Mean);

        var misses = expected
            .Where(e => !means.TryGetValue((e.Group, e.Week, e.Feature), out var mean) || Math.Abs(mean - e.Value) > e.Tolerance)
            .Select(e => string.Create(CultureInfo.InvariantCulture,
                $"{e.Group} w{e.Week} {e.Feature}: planted {e.Value:G4} ± {e.Tolerance:G3}, measured {(means.TryGetValue((e.Group, e.Week, e.Feature), out var m) ? m.ToString("G4", CultureInfo.InvariantCulture) : "none")}"))
            .ToList();
        Assert.True(misses.Count == 0, string.Join('\n', misses));
    }
}
