using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

/// <summary>
/// Every index against values worked by hand from PySAL <c>segregation</c>'s formulas
/// (singlegroup/*.py, multigroup/*.py), on tables with a zero-population unit.
/// </summary>
public class SegregationIndicesTests
{
    // Four units; the second has no population at all. X = 40, T = 100, P = 0.4, p = [.5, 0, .75, 0].
    private static readonly double[] Group = [10, 0, 30, 0];
    private static readonly double[] Total = [20, 0, 40, 40];

    [Fact]
    public void SingleGroup_HandTableWithEmptyUnit_MatchesPysalDefinitions()
    {
        var result = SegregationIndices.SingleGroup(Group, Total);

        // D = Σ t|p − P| / (2 T P(1 − P)) = (20·0.1 + 40·0.35 + 40·0.4) / 48.
        Assert.Equal(32.0 / 48.0, result.Dissimilarity, 12);
        // Pairs: (1,3) 20·40·0.25 = 200, (1,4) 20·40·0.5 = 400, (3,4) 40·40·0.75 = 1200; G = 2·1800 / (2·100²·0.24).
        Assert.Equal(0.75, result.Gini, 12);
        // Theil's H with binary entropies.
        var e = -(0.4 * Math.Log(0.4)) - (0.6 * Math.Log(0.6));
        var e1 = Math.Log(2);
        var e3 = -(0.75 * Math.Log(0.75)) - (0.25 * Math.Log(0.25));
        Assert.Equal(((20 * (e - e1)) + (40 * (e - e3)) + (40 * e)) / (e * 100), result.Entropy, 12);
        // xPx = (10/40)(0.5) + (30/40)(0.75); xPy = (10/40)(0.5) + (30/40)(0.25).
        Assert.Equal(0.6875, result.Isolation, 12);
        Assert.Equal(0.3125, result.Interaction, 12);
        Assert.Equal((0.6875 - 0.4) / 0.6, result.CorrelationRatio, 12);
        // Atkinson, b = 0.5: 1 − (P/(1−P)) · (Σ √((1−p) p) t / (P T))².
        var inner = ((20 * Math.Sqrt(0.25)) + (40 * Math.Sqrt(0.75 * 0.25))) / 40;
        Assert.Equal(1 - (0.4 / 0.6 * inner * inner), result.Atkinson, 12);
    }

    [Fact]
    public void SingleGroup_EvenlySpread_AllUnevennessIndicesZero()
    {
        var result = SegregationIndices.SingleGroup([10.0, 20, 5], [100.0, 200, 50]);
        Assert.Equal(0, result.Dissimilarity, 12);
        Assert.Equal(0, result.Gini, 12);
        Assert.Equal(0, result.Entropy, 12);
        Assert.Equal(0, result.CorrelationRatio, 12);
        Assert.Equal(0, result.Atkinson, 12);
        Assert.Equal(0.1, result.Isolation, 12);
    }

    [Fact]
    public void SingleGroup_CompletelySeparated_IndicesOne()
    {
        var result = SegregationIndices.SingleGroup([10.0, 0], [10.0, 30]);
        Assert.Equal(1, result.Dissimilarity, 12);
        Assert.Equal(1, result.Gini, 12);
        Assert.Equal(1, result.Entropy, 12);
        Assert.Equal(1, result.Isolation, 12);
        Assert.Equal(1, result.Atkinson, 12);
    }

    [Fact]
    public void SingleGroup_GroupAboveTotal_Throws() =>
        Assert.Throws<ArgumentException>(() => SegregationIndices.SingleGroup([5.0], [4.0]));

    [Fact]
    public void Dissimilarity_TwoDistributions_EqualsSingleGroupWithSummedTotal()
    {
        // Duncan's ½Σ|aᵢ/A − bᵢ/B| is PySAL's D with x = a, t = a + b.
        var random = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var n = random.Next(2, 30);
            var a = Enumerable.Range(0, n).Select(_ => (double)random.Next(0, 1000)).ToArray();
            var b = Enumerable.Range(0, n).Select(_ => (double)random.Next(0, 1000)).ToArray();
            var t = a.Zip(b, (x, y) => x + y).ToArray();
            Assert.Equal(SegregationIndices.SingleGroup(a, t).Dissimilarity, SegregationIndices.Dissimilarity(a, b), 12);
        }

        // Hand: a = [.25, 0, .75, 0], b = [1/6, 0, 1/6, 2/3] → ½(1/12 + 7/12 + 2/3).
        Assert.Equal(2.0 / 3.0, SegregationIndices.Dissimilarity([10.0, 0, 30, 0], [10.0, 0, 10, 40]), 12);
    }

    // Three units (the middle one empty) by three groups: t = [40, 0, 60], T = 100, P = [.4, .3, .3].
    private static readonly double[][] Multi = [[10, 20, 10], [0, 0, 0], [30, 10, 20]];

    [Fact]
    public void MultiGroup_HandTableWithEmptyUnit_MatchesPysalDefinitions()
    {
        var r = SegregationIndices.MultiGroup(Multi);
        double[] pk = [0.4, 0.3, 0.3];
        double[][] p = [[0.25, 0.5, 0.25], [0.5, 1.0 / 6, 1.0 / 3]];
        double[] t = [40, 60];
        var interaction = (0.4 * 0.6) + (2 * 0.3 * 0.7);
        Assert.Equal(0.66, r.SimpsonsInteraction, 12);
        Assert.Equal(0.34, r.SimpsonsConcentration, 12);
        // Σ t|p − P| = 40·0.4 + 60·(0.1 + 1/6 + 1/30) = 16 + 16; D = 32 / (2·100·0.66).
        Assert.Equal(32 / 132.0, r.Dissimilarity, 12);
        // One pair of populated units: 40·60·(0.25 + 1/3 + 1/12) = 1600; G = 2·1600 / (2·100²·0.66).
        Assert.Equal(3200 / 13200.0, r.Gini, 12);
        double Sum(Func<int, int, double> term) =>
            Enumerable.Range(0, 2).Sum(i => Enumerable.Range(0, 3).Sum(k => term(i, k)));
        Assert.Equal(Sum((i, k) => t[i] * Math.Pow(p[i][k] - pk[k], 2) / (1 - pk[k])) / 100, r.NormalizedExposure, 12);
        // By hand: Σ t(p − P)² = 40·0.065 + 60·(0.01 + 1/56.25 + 1/900) = 2.6 + 1.7333 = 13/3.
        Assert.Equal(13.0 / 3.0, Sum((i, k) => t[i] * Math.Pow(p[i][k] - pk[k], 2)), 12);
        Assert.Equal(0.0654762, r.NormalizedExposure, 6);
        Assert.Equal(13.0 / 3.0 / 66, r.RelativeDiversity, 12);
        Assert.Equal(0.0659722, r.SquaredCoefficientOfVariation, 6);
        Assert.Equal(Sum((i, k) => t[i] * Math.Pow(p[i][k] - pk[k], 2)) / (100 * interaction), r.RelativeDiversity, 12);
        Assert.Equal(Sum((i, k) => t[i] * Math.Pow(p[i][k] - pk[k], 2) / pk[k]) / (100 * 2), r.SquaredCoefficientOfVariation, 12);
        var e = -pk.Sum(x => x * Math.Log(x));
        Assert.Equal(e, r.Diversity, 12);
        var kl = Enumerable.Range(0, 2).Select(i => Enumerable.Range(0, 3).Sum(k => p[i][k] * Math.Log(p[i][k] / pk[k]))).ToArray();
        Assert.Equal(((40 * kl[0]) + (60 * kl[1])) / (100 * e), r.InformationTheory, 12);
        Assert.Equal((0.4 * kl[0]) + (0.6 * kl[1]), r.Divergence, 12);
        Assert.Equal(3, r.GroupsUsed);
    }

    [Fact]
    public void MultiGroup_EmptyGroupColumn_LeftOut()
    {
        var withEmpty = Multi.Select(row => row.Append(0).ToArray()).ToArray();
        var r = SegregationIndices.MultiGroup(withEmpty);
        Assert.Equal(3, r.GroupsUsed);
        Assert.Equal(SegregationIndices.MultiGroup(Multi), r);
    }

    [Fact]
    public void MultiGroup_TwoGroups_DissimilarityEqualsSingleGroup()
    {
        // With K = 2, Sakoda's D reduces to Duncan's D and the multigroup Gini to the binary Gini.
        double[][] table = [[10, 10], [0, 0], [30, 10], [0, 40]];
        var multi = SegregationIndices.MultiGroup(table);
        var single = SegregationIndices.SingleGroup(Group, Total);
        Assert.Equal(single.Dissimilarity, multi.Dissimilarity, 12);
        Assert.Equal(single.Gini, multi.Gini, 12);
    }

    [Fact]
    public void MultiGroup_ZeroInZeroOut_ZeroTermsContributeNothing()
    {
        // Unit 1 has none of group 2: 0·ln 0 = 0 in information theory and divergence, not NaN.
        var r = SegregationIndices.MultiGroup([[10.0, 0], [10, 10]]);
        Assert.True(double.IsFinite(r.InformationTheory));
        Assert.True(double.IsFinite(r.Divergence));
    }
}
