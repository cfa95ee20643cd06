using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class ClassificationMetricsTests
{
    [Fact]
    public void RocAucAndAveragePrecision_SklearnDocumentationExample_MatchByHand()
    {
        // sklearn's docstring example: AUC 0.75, AP 0.8333... (thresholds 0.8, 0.4, 0.35, 0.1).
        double[] scores = [0.1, 0.4, 0.35, 0.8];
        bool[] labels = [false, false, true, true];
        Assert.Equal(0.75, ClassificationMetrics.RocAuc(scores, labels), 12);
        Assert.Equal((0.5 * 1.0) + (0.5 * (2.0 / 3.0)), ClassificationMetrics.AveragePrecision(scores, labels), 12);
    }

    [Fact]
    public void RocAuc_AllScoresTied_IsOneHalf()
    {
        Assert.Equal(0.5, ClassificationMetrics.RocAuc([0.3, 0.3, 0.3], [true, false, false]), 12);

        // One threshold: recall jumps 0 → 1 at precision 1/3.
        Assert.Equal(1.0 / 3.0, ClassificationMetrics.AveragePrecision([0.3, 0.3, 0.3], [true, false, false]), 12);
    }

    [Fact]
    public void RocAucAndAveragePrecision_HeavyTies_MatchScikitLearn()
    {
        foreach (var reference in SklearnReference.Root.GetProperty("ties").EnumerateArray())
        {
            var scores = SklearnReference.Vector(reference.GetProperty("scores"));
            var labels = SklearnReference.Labels(reference.GetProperty("labels")).Select(v => v == 1).ToArray();
            Assert.Equal(reference.GetProperty("roc_auc").GetDouble(), ClassificationMetrics.RocAuc(scores, labels), 12);
            Assert.Equal(reference.GetProperty("pr_auc").GetDouble(), ClassificationMetrics.AveragePrecision(scores, labels), 12);
        }
    }

    [Fact]
    public void RocAuc_OneClassOnly_IsNaN()
    {
        Assert.True(double.IsNaN(ClassificationMetrics.RocAuc([0.1, 0.2], [true, true])));
        Assert.True(double.IsNaN(ClassificationMetrics.AveragePrecision([0.1, 0.2], [false, false])));
    }

    [Fact]
    public void PerClass_NoPredictedPositive_PrecisionAndF1AreZero()
    {
        var confusion = ClassificationMetrics.Confusion([1, 1, 0], [0, 0, 0], 2);
        var (precision, recall, f1) = ClassificationMetrics.PerClass(confusion, 1);
        Assert.Equal(0.0, precision);
        Assert.Equal(0.0, recall);
        Assert.Equal(0.0, f1);
        Assert.Equal(1.0 / 3.0, ClassificationMetrics.Accuracy(confusion), 12);
    }
}
