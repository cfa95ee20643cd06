using System.Globalization;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

/// <summary>One planted study, analysed once, shared by the tests that read its outputs.</summary>
public sealed class PlantedStudyFixture : IDisposable
{
    public PlantedStudyFixture()
    {
        Study = new SyntheticStudy(locals: 600, settled: 400, newcomers: 150, gap: 0.5, seed: 11);
        Study.Write(Data, Run);
        Result = IntegrationStage.Run(new IntegrationOptions(), Data, Run);
    }

    internal SyntheticStudy Study { get; }

    public TempFolder Folder { get; } = new();

    public string Data => Folder.File("data");

    public string Run => Folder.File("run");

    public IntegrationResult Result { get; }

    public List<Dictionary<string, string>> Read(string file) => CsvRows(Path.Combine(Result.OutputFolder, file));

    public static List<Dictionary<string, string>> CsvRows(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    public void Dispose() => Folder.Dispose();
}

public class IntegrationStageTests(PlantedStudyFixture planted) : IClassFixture<PlantedStudyFixture>
{
    private static double D(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    [Fact]
    public void Run_PlantedStudy_GroupSizesMatch()
    {
        var rows = planted.Read("groups.csv");
        Assert.Equal(["local", "settled", "new"], rows.Select(r => r["group"]));
        Assert.Equal(["600", "400", "150"], rows.Select(r => r["subscribers"]));
        Assert.All(rows, r => Assert.Equal("false", r["suppressed"]));
        Assert.Equal([600L, 400L, 150L], planted.Result.Subscribers);
    }

    [Fact]
    public void Run_PlantedStudy_MixingProbabilitiesMatchPlanted()
    {
        var rows = planted.Read("mixing.csv");
        string[] callees = ["local", "settled", "new", "unknown"];
        foreach (var weighting in new[] { "calls", "contacts" })
        {
            for (var week = 2; week <= 4; week++)
            {
                for (var g = 0; g < 3; g++)
                {
                    var caller = Mosaic.Definitions.Groups.Subjects[g];
                    for (var h = 0; h < 4; h++)
                    {
                        var row = rows.Single(r => r["week"] == week.ToString(CultureInfo.InvariantCulture)
                            && r["weighting"] == weighting && r["caller_group"] == caller && r["callee_group"] == callees[h]);
                        Assert.Equal("false", row["suppressed"]);
                        Assert.InRange(D(row["probability"]), SyntheticStudy.Mixing[g][h] - 0.05, SyntheticStudy.Mixing[g][h] + 0.05);
                    }
                }
            }
        }

        // Week 1: new migrants are absent, so no cell about them can be published.
        Assert.All(rows.Where(r => r["week"] == "1" && r["caller_group"] == "new"), r => Assert.Equal("true", r["suppressed"]));
    }

    [Fact]
    public void Run_PlantedStudy_HomophilyRatioIsProbabilityOverShare()
    {
        var rows = planted.Read("mixing.csv").Where(r => r["week"] == "3" && r["weighting"] == "calls").ToList();

        // Local→local is planted far above chance; local→new far below.
        var localLocal = rows.Single(r => r["caller_group"] == "local" && r["callee_group"] == "local");
        var localNew = rows.Single(r => r["caller_group"] == "local" && r["callee_group"] == "new");
        Assert.True(D(localLocal["homophily_ratio"]) > 1.2);
        Assert.True(D(localNew["homophily_ratio"]) < 0.6);
        var share = D(localLocal["probability"]) / D(localLocal["homophily_ratio"]);
        var settledShare = D(rows.Single(r => r["caller_group"] == "settled" && r["callee_group"] == "local")["probability"])
            / D(rows.Single(r => r["caller_group"] == "settled" && r["callee_group"] == "local")["homophily_ratio"]);
        Assert.Equal(share, settledShare, 12); // one baseline share per callee group
    }

    [Fact]
    public void Run_PlantedStudy_ConvergenceDirectionsMatchPlanted()
    {
        var rows = planted.Read("convergence_by_feature.csv");
        foreach (var (feature, direction) in SyntheticStudy.Directions)
        {
            foreach (var pair in new[] { "new-settled", "new-local" })
            {
                var row = rows.Single(r => r["feature"] == feature && r["pair"] == pair);
                Assert.Equal(direction, row["direction"]);
                Assert.Equal("2", row["first_week"]);
                Assert.Equal("4", row["last_week"]);
            }
        }

        var towards = rows.Single(r => r["feature"] == "home_center_distance_km" && r["pair"] == "new-settled");
        Assert.InRange(D(towards["first_week_gap"]), 1.6, 2.4);
        Assert.InRange(D(towards["last_week_gap"]), -0.2, 0.6);
        Assert.Equal("away", planted.Result.Directions[("entropy_of_cells", "new-local")]);
    }

    [Fact]
    public void Run_PlantedStudy_CentroidDistanceShrinksAsNewMigrantsConverge()
    {
        // Per week the only planted new-settled differences are the signal of new migrants (constant)
        // and the two dynamic features, whose squared sum (2−0.9t)² + (0.5+0.8t)² falls then rises; check it is present and finite.
        var rows = planted.Read("convergence.csv");
        Assert.Equal(12, rows.Count);
        Assert.All(rows.Where(r => r["week"] == "1" && r["pair"] != "settled-local"), r => Assert.Equal("true", r["suppressed"]));
        var settledLocal = rows.Where(r => r["pair"] == "settled-local").Select(r => D(r["distance"])).ToArray();
        Assert.All(settledLocal, d => Assert.InRange(d, 0.5, 2.0)); // four features shifted by 0.5 plus noise
    }

    [Fact]
    public void Run_PlantedStudy_SpatialSharesMatchPlanted()
    {
        var rows = planted.Read("spatial.csv");
        Assert.Equal(15, rows.Count); // five districts × three groups, the empty district included
        for (var g = 0; g < 3; g++)
        {
            for (var d = 1; d <= 4; d++)
            {
                var row = rows.Single(r => r["district_id"] == d.ToString(CultureInfo.InvariantCulture) && r["group"] == Mosaic.Definitions.Groups.Subjects[g]);
                var planted = SyntheticStudy.Homes[g][d - 1];
                if (row["suppressed"] == "true")
                {
                    // A small planted cell, or its complementary partner in the same group: a lone
                    // hidden share would be 1 minus the others.
                    var column = rows.Where(r => r["group"] == Mosaic.Definitions.Groups.Subjects[g] && r["suppressed"] == "true" && r["district_id"] != "5");
                    Assert.True(planted * new[] { 600, 400, 150 }[g] < 40 || column.Count() >= 2, "only small planted cells and their partners may be suppressed");
                    continue;
                }

                Assert.InRange(D(row["share"]), planted - 0.07, planted + 0.07);
            }
        }

        var newInFour = rows.Single(r => r["district_id"] == "4" && r["group"] == "new");
        Assert.True(D(newInFour["log_ratio"]) > 0.5);
        Assert.All(rows.Where(r => r["district_id"] == "5"), r => Assert.Equal("true", r["suppressed"]));
    }

    [Fact]
    public void Run_PlantedStudy_EvolutionHasEveryFeatureGroupAndWeek()
    {
        var rows = planted.Read("evolution.csv");
        Assert.Equal(3 * 4 * FeatureCatalogue.Columns.Count, rows.Count);
        var row = rows.Single(r => r["group"] == "new" && r["week"] == "2" && r["feature"] == "home_center_distance_km");
        Assert.Equal("150", row["n"]);
        Assert.InRange(D(row["mean"]), 1.7, 2.3);
        Assert.True(D(row["ci_low"]) < D(row["mean"]) && D(row["mean"]) < D(row["ci_high"]));
        var nulls = rows.Single(r => r["group"] == "local" && r["week"] == "1" && r["feature"] == "call_duration_mean_s");
        Assert.InRange(int.Parse(nulls["n"], CultureInfo.InvariantCulture), 500, 580); // ~10% planted nulls skipped
    }

    [Fact]
    public void Run_PlantedStudy_ClassificationTablesAreComplete()
    {
        var rows = planted.Read("classification.csv");
        Assert.Equal(3 * 5 * 3, rows.Count); // tasks × (all + four families) × test sets
        Assert.Equal(["week2_holdout", "week3", "week4"], rows.Select(r => r["test_set"]).Distinct());
        var settled = rows.Single(r => r["task"] == "settled_vs_local" && r["feature_set"] == "all" && r["test_set"] == "week2_holdout");
        Assert.InRange(D(settled["roc_auc"]), 0.65, 1.0);
        Assert.InRange(D(settled["n"]), 440, 560); // about half of the 1,000 local and settled week-2 subjects
        var models = planted.Read("models.csv");
        Assert.All(models, m => Assert.Equal("converged", m["exit"]));
        Assert.Equal(5 * 5, models.Count); // (1 + 1 + 3) models per feature set
        var coefficients = planted.Read("coefficients.csv");
        var calls = coefficients.Single(r => r["task"] == "settled_vs_local" && r["feature_set"] == "all" && r["feature"] == "calls_out");
        Assert.True(D(calls["coefficient"]) > 0.1); // a planted separating feature
        var confusion = planted.Read("confusion_three_way.csv");
        Assert.Equal(27, confusion.Count);
        var misclassified = planted.Read("misclassified_as_local.csv");
        Assert.Equal(7, misclassified.Count); // settled weeks 1–4, new weeks 2–4
        Assert.All(misclassified, r => Assert.Equal("false", r["suppressed"]));

        // Same model, same held-out settled rows: the share labelled local is 1 − recall.
        var heldOut = misclassified.Single(r => r["week"] == "2" && r["group"] == "settled");
        Assert.Equal(1 - D(settled["recall"]), D(heldOut["fraction"]), 12);
        Assert.Equal(new[] { "1", "2", "3", "4" }, misclassified.Where(r => r["group"] == "settled").Select(r => r["week"]));
    }

    [Fact]
    public void Run_PlantedStudy_WritesManifestWithK()
    {
        var manifest = Mosaic.Runs.Manifest.ReadFrom(planted.Result.OutputFolder)!;
        Console.WriteLine(string.Join(", ", planted.Result.TimingsSeconds.Select(t => $"{t.Key}={t.Value}")));
        Console.WriteLine(File.ReadAllText(Path.Combine(planted.Result.OutputFolder, "models.csv")));
        Assert.Equal("integration", manifest.Stage);
        Assert.Equal("15", manifest.Parameters["k"]);
        Assert.Equal(3, manifest.Inputs.Count);
        Assert.Equal(1150 * 4 - 150, manifest.Counts["rows"]);
    }

    [Fact]
    public void Run_SameInputsTwice_ByteIdenticalTables()
    {
        using var other = new TempFolder();
        Directory.CreateDirectory(Path.Combine(other.Path, "features"));
        File.Copy(IntegrationStage.FeaturesPath(planted.Run), IntegrationStage.FeaturesPath(other.Path));
        var second = IntegrationStage.Run(new IntegrationOptions(), planted.Data, other.Path);
        foreach (var file in planted.Result.Files.Keys)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(planted.Result.OutputFolder, file)), File.ReadAllBytes(Path.Combine(second.OutputFolder, file)));
        }
    }

    [Fact]
    public void Run_LargeK_SuppressesSmallGroupsEverywhere()
    {
        using var other = new TempFolder();
        Directory.CreateDirectory(Path.Combine(other.Path, "features"));
        File.Copy(IntegrationStage.FeaturesPath(planted.Run), IntegrationStage.FeaturesPath(other.Path));
        var result = IntegrationStage.Run(new IntegrationOptions { MinimumCellSize = 200 }, planted.Data, other.Path);
        var groups = PlantedStudyFixture.CsvRows(Path.Combine(result.OutputFolder, "groups.csv"));
        Assert.Equal("", groups.Single(r => r["group"] == "new")["subscribers"]);
        Assert.Equal("true", groups.Single(r => r["group"] == "new")["suppressed"]);
        var evolution = PlantedStudyFixture.CsvRows(Path.Combine(result.OutputFolder, "evolution.csv"));
        Assert.All(evolution.Where(r => r["group"] == "new"), r => Assert.Equal(("", "", "true"), (r["mean"], r["n"], r["suppressed"])));
        var classification = PlantedStudyFixture.CsvRows(Path.Combine(result.OutputFolder, "classification.csv"));
        Assert.All(classification.Where(r => r["task"] != "settled_vs_local"), r => Assert.Equal(("", "true"), (r["f1"], r["suppressed"])));
        Assert.True(result.SuppressedCells["spatial.csv"] > 0);
        Assert.Equal("200", Mosaic.Runs.Manifest.ReadFrom(result.OutputFolder)!.Parameters["k"]);
    }

    [Fact]
    public void Run_NoFeatures_ThrowsInputErrorNamingTheFile()
    {
        using var empty = new TempFolder();
        var error = Assert.Throws<MosaicInputException>(() => IntegrationStage.Run(new IntegrationOptions(), planted.Data, empty.Path));
        Assert.Contains("features.parquet", error.Message, StringComparison.Ordinal);
        Assert.Contains("mosaic features", error.Message, StringComparison.Ordinal);
    }
}
