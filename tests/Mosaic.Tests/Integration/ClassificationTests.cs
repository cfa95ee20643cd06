using System.Globalization;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class ClassificationTests
{
    private static readonly IntegrationOptions Fast = new() { Lambdas = [1e-1, 1e-3], CrossValidationFolds = 3 };

    [Fact]
    public void Run_PlantedGapGrows_SeparationImproves()
    {
        // One run per setting; both binary tasks read from it.
        var runs = new[] { 0.0, 0.5, 1.5 }.ToDictionary(gap => gap, gap =>
        {
            var study = new SyntheticStudy(locals: 300, settled: 200, newcomers: 100, gap: gap, seed: 5);
            return Classification.Run(study.Table, Fast).Classification.ToString().Split('\n');
        });
        double Auc(double gap, string task)
        {
            var csv = runs[gap];
            var header = csv[0].Split(',');
            var row = csv.Skip(1).Select(l => l.Split(',')).Single(f => f.Length > 1 && f[0] == task && f[1] == "all" && f[2] == "week3");
            return double.Parse(row[Array.IndexOf(header, "roc_auc")], CultureInfo.InvariantCulture);
        }

        foreach (var task in new[] { "settled_vs_local", "new_vs_rest" })
        {
            var none = Auc(0.0, task);
            var some = Auc(0.5, task);
            var large = Auc(1.5, task);

            // New migrants keep their planted dynamics at gap 0, so only settled vs local starts at chance.
            var margin = task == "settled_vs_local" ? 0.1 : 0.02;
            if (task == "settled_vs_local")
            {
                Assert.InRange(none, 0.35, 0.65);
            }

            Assert.True(some > none + margin, $"{task}: {some} vs {none}");
            Assert.True(large > some + 0.02, $"{task}: {large} vs {some}");
            Assert.True(large > 0.9, $"{task}: {large}");
        }
    }

    [Fact]
    public void Split_HalfOfTrainingWeek_SeededAndDisjoint()
    {
        var study = new SyntheticStudy(locals: 100, settled: 80, newcomers: 40, gap: 0, seed: 9);
        var (training, tests) = Classification.Split(study.Table, new IntegrationOptions());
        var (again, _) = Classification.Split(study.Table, new IntegrationOptions());
        var (other, _) = Classification.Split(study.Table, new IntegrationOptions { Seed = 43 });
        Assert.Equal(110, training.Length); // round(220 / 2)
        Assert.Equal(training, again);
        Assert.NotEqual(training, other);
        Assert.Empty(training.Intersect(tests[0].Rows));
        Assert.Equal(220, training.Length + tests[0].Rows.Length);
        Assert.Equal(["week2_holdout", "week3", "week4"], tests.Select(t => t.Name));
        Assert.All(training, i => Assert.Equal(2, study.Table.Weeks[i]));
    }

    [Fact]
    public void ClassWeights_Balanced_AsScikitLearn()
    {
        // n / (2 · n_c): 4 rows, 1 positive → 2 and 2/3.
        Assert.Equal([2.0, 2.0 / 3, 2.0 / 3, 2.0 / 3], Classification.ClassWeights([1, 0, 0, 0], balanced: true));
        Assert.Equal([1.0, 1.0], Classification.ClassWeights([1, 0], balanced: false));
    }
}
