using System.Globalization;
using System.Text.Json;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class RocCurveTests
{
    private static readonly Lazy<JsonDocument> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Integration", "roc_reference.json"))));

    private static readonly IntegrationOptions Fast = new() { Lambdas = [1e-1, 1e-3], CrossValidationFolds = 3 };

    private static (double[] Scores, bool[] Labels, JsonElement Case) Case(string name)
    {
        var element = Reference.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        return (SklearnReference.Vector(element.GetProperty("scores")), [.. SklearnReference.Labels(element.GetProperty("labels")).Select(l => l == 1)], element);
    }

    [Theory]
    [InlineData("small_ties")]
    [InlineData("thinning")]
    public void RocCurve_NotThinned_EqualsSklearnRocCurveAndAuc(string name)
    {
        var (scores, labels, reference) = Case(name);
        var curve = ClassificationMetrics.RocCurve(scores, labels);
        var fpr = SklearnReference.Vector(reference.GetProperty("fpr"));
        var tpr = SklearnReference.Vector(reference.GetProperty("tpr"));
        var thresholds = SklearnReference.Vector(reference.GetProperty("thresholds"));
        Assert.Equal(fpr.Length, curve.Count);
        Assert.True(double.IsPositiveInfinity(curve[0].Threshold));
        for (var i = 0; i < curve.Count; i++)
        {
            Assert.Equal(fpr[i], curve[i].Fpr, 12);
            Assert.Equal(tpr[i], curve[i].Tpr, 12);
            if (i > 0)
            {
                // sklearn 1.2 writes max+1 for the first threshold, later versions +inf: compare from the second.
                Assert.Equal(thresholds[i], curve[i].Threshold, 12);
            }
        }

        var auc = reference.GetProperty("auc").GetDouble();
        Assert.Equal(auc, ClassificationMetrics.TrapezoidArea(curve), 12);
        Assert.Equal(auc, ClassificationMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void RocCurve_ThinnedToK_EveryStepHoldsNoneOrAtLeastKOfEachClass()
    {
        const int k = 15;
        var (scores, labels, reference) = Case("thinning");
        var positives = labels.Count(l => l);
        var negatives = labels.Length - positives;
        var curve = ClassificationMetrics.RocCurve(scores, labels, k, k);
        var exact = SklearnReference.Vector(reference.GetProperty("fpr")).Zip(SklearnReference.Vector(reference.GetProperty("tpr"))).ToList();

        Assert.Equal((0.0, 0.0), (curve[0].Fpr, curve[0].Tpr));
        Assert.Equal((1.0, 1.0), (curve[^1].Fpr, curve[^1].Tpr));
        Assert.InRange(curve.Count, 5, exact.Count / 4); // thinned, yet still a curve
        var bound = 0.0;
        for (var i = 1; i < curve.Count; i++)
        {
            var dTp = (int)Math.Round((curve[i].Tpr - curve[i - 1].Tpr) * positives);
            var dFp = (int)Math.Round((curve[i].Fpr - curve[i - 1].Fpr) * negatives);
            Assert.True(dTp == 0 || dTp >= k, $"step {i} adds {dTp} positives");
            Assert.True(dFp == 0 || dFp >= k, $"step {i} adds {dFp} negatives");
            Assert.True(dTp + dFp > 0);
            bound += (curve[i].Fpr - curve[i - 1].Fpr) * (curve[i].Tpr - curve[i - 1].Tpr) / 2;
        }

        // Every published point is a point of sklearn's curve; the chords move the area by at most the bound.
        Assert.All(curve, p => Assert.Contains(exact, e => Math.Abs(e.First - p.Fpr) < 1e-12 && Math.Abs(e.Second - p.Tpr) < 1e-12));
        var auc = reference.GetProperty("auc").GetDouble();
        Assert.InRange(ClassificationMetrics.TrapezoidArea(curve), auc - bound - 1e-12, auc + bound + 1e-12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    public void RocCurve_DropCollinear_SameAreaFewerPointsNoThreeInLine(int k)
    {
        var (scores, labels, _) = Case("thinning");
        var full = ClassificationMetrics.RocCurve(scores, labels, k, k);
        var straight = ClassificationMetrics.RocCurve(scores, labels, k, k, dropCollinear: true);
        Assert.True(k == 1 ? straight.Count < full.Count : straight.Count <= full.Count, $"{straight.Count} of {full.Count}"); // ties make runs at k = 1
        Assert.Equal(ClassificationMetrics.TrapezoidArea(full), ClassificationMetrics.TrapezoidArea(straight), 12);
        Assert.All(straight, p => Assert.Contains(p, full));
        for (var i = 2; i < straight.Count; i++)
        {
            var cross = ((straight[i - 1].Fpr - straight[i - 2].Fpr) * (straight[i].Tpr - straight[i - 1].Tpr)) - ((straight[i - 1].Tpr - straight[i - 2].Tpr) * (straight[i].Fpr - straight[i - 1].Fpr));
            Assert.True(Math.Abs(cross) > 1e-15, $"point {i - 1} lies on the line of its neighbours");
        }
    }

    [Fact]
    public void RocCurve_FewerThanKPositivesAtTheTop_NoPointRevealsThem()
    {
        // Three positives outrank everything: a curve that stepped up through them would single them out.
        double[] scores = [.. Enumerable.Range(0, 3).Select(_ => 0.99), .. Enumerable.Range(0, 40).Select(i => 0.5 + (i % 20 / 100.0))];
        bool[] labels = [.. Enumerable.Range(0, 43).Select(i => i < 3 || i % 2 == 0)];
        var curve = ClassificationMetrics.RocCurve(scores, labels, 15, 15);
        Assert.DoesNotContain(curve, p => p.Fpr == 0 && p.Tpr > 0);
    }

    [Fact]
    public void Run_RocCsv_AreaMatchesClassificationAuc()
    {
        // k = 1: no thinning and only collinear points dropped, so the areas are exact.
        var study = new SyntheticStudy(locals: 90, settled: 70, newcomers: 40, gap: 0.8, seed: 11);
        var tables = Classification.Run(study.Table, Fast with { MinimumCellSize = 1 });
        var roc = Parse(tables.Roc.ToString());
        var classification = Parse(tables.Classification.ToString());
        var curves = roc.GroupBy(r => (Task: r["task"], FeatureSet: r["feature_set"], TestSet: r["test_set"], Class: r["class"])).ToList();
        Assert.NotEmpty(curves);
        foreach (var row in classification.Where(r => r["suppressed"] == "false"))
        {
            var classes = curves.Where(c => c.Key.Task == row["task"] && c.Key.FeatureSet == row["feature_set"] && c.Key.TestSet == row["test_set"]).ToList();
            Assert.Equal(row["task"] == "three_way" ? 3 : 1, classes.Count);
            var area = classes.Average(c => ClassificationMetrics.TrapezoidArea(
                [.. c.Select(p => new RocPoint(double.NaN, double.Parse(p["fpr"], CultureInfo.InvariantCulture), double.Parse(p["tpr"], CultureInfo.InvariantCulture)))]));
            Assert.Equal(double.Parse(row["roc_auc"], CultureInfo.InvariantCulture), area, 12);
        }

        Assert.Equal("inf", roc[0]["threshold"]);
    }

    [Fact]
    public void Run_DefaultK_EveryCurveStepHoldsAtLeastKOfAClass()
    {
        var study = new SyntheticStudy(locals: 300, settled: 200, newcomers: 100, gap: 0.8, seed: 12);
        var tables = Classification.Run(study.Table, Fast);
        var roc = Parse(tables.Roc.ToString());
        var classification = Parse(tables.Classification.ToString());
        foreach (var curve in roc.GroupBy(r => (r["task"], r["feature_set"], r["test_set"], r["class"])))
        {
            var points = curve.ToList();
            var n = int.Parse(classification.Single(r => (r["task"], r["feature_set"], r["test_set"]) == (curve.Key.Item1, curve.Key.Item2, curve.Key.Item3))["n"], CultureInfo.InvariantCulture);
            for (var i = 1; i < points.Count; i++)
            {
                // Any positive step in a rate is at least k subscribers of that class, hence at least k/n.
                foreach (var rate in new[] { "fpr", "tpr" })
                {
                    var step = double.Parse(points[i][rate], CultureInfo.InvariantCulture) - double.Parse(points[i - 1][rate], CultureInfo.InvariantCulture);
                    Assert.True(step == 0 || step >= 15.0 / n - 1e-12, $"{curve.Key} {rate} step {step}");
                }
            }
        }
    }

    private static List<Dictionary<string, string>> Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second))];
    }
}
