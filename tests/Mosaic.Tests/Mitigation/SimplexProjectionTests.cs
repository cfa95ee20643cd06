using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class SimplexProjectionTests
{
    [Fact]
    public void Project_KnownVector_GivesHandComputedPoint()
    {
        // (0.5, 0.8, −0.2): θ = (0.5 + 0.8 − 1)/2 = 0.15 → (0.35, 0.65, 0).
        double[] v = [0.5, 0.8, -0.2];
        SimplexProjection.Project(v, new double[3]);
        Assert.Equal(0.35, v[0], 14);
        Assert.Equal(0.65, v[1], 14);
        Assert.Equal(0, v[2]);
    }

    /// <summary>The projection before the candidate filter: shift, sort every entry, walk down.</summary>
    private static void ProjectBySortingAll(double[] v)
    {
        var top = v.Max();
        for (var i = 0; i < v.Length; i++)
        {
            v[i] -= top;
        }

        var sorted = v.Order().ToArray();
        double cumulative = 0, theta = 0;
        for (var j = 1; j <= sorted.Length; j++)
        {
            var u = sorted[^j];
            cumulative += u;
            if (u - ((cumulative - 1) / j) > 0)
            {
                theta = (cumulative - 1) / j;
            }
        }

        for (var i = 0; i < v.Length; i++)
        {
            v[i] = Math.Max(v[i] - theta, 0);
        }
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(1)]
    [InlineData(1e3)]
    [InlineData(1e8)]
    public void Project_CandidateFilter_SameBitsAsSortingEveryEntry(double spread)
    {
        // Spreads below and above 1 put few or most entries under the bound of θ; ties and
        // zeros (an identity column moved by a step) are included.
        var random = new Random(17);
        foreach (var k in new[] { 1, 2, 5, 39, 500 })
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var v = new double[k];
                for (var i = 0; i < k; i++)
                {
                    v[i] = random.Next(4) == 0 ? 0 : spread * (random.NextDouble() - 0.5);
                }

                v[random.Next(k)] = 1;
                var expected = (double[])v.Clone();
                ProjectBySortingAll(expected);
                SimplexProjection.Project(v, new double[k]);
                Assert.Equal(expected, v);
            }
        }
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(1)]
    [InlineData(1e3)]
    public void ProjectUnsorted_RandomVectors_MatchesSortedProjection(double spread)
    {
        var random = new Random(23);
        foreach (var k in new[] { 1, 2, 5, 130, 500 })
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var v = new double[k];
                for (var i = 0; i < k; i++)
                {
                    v[i] = random.Next(4) == 0 ? 0 : spread * (random.NextDouble() - 0.5);
                }

                var expected = (double[])v.Clone();
                SimplexProjection.Project(expected, new double[k]);
                SimplexProjection.ProjectUnsorted(v);
                Assert.True(Math.Abs(v.Sum() - 1) <= 1e-12, $"sum {v.Sum():R}");
                for (var i = 0; i < k; i++)
                {
                    Assert.True(v[i] >= 0 && Math.Abs(v[i] - expected[i]) <= 1e-13, $"k {k}, entry {i}: {v[i]:R} vs {expected[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Projector_OneOrTwoThreads_SameBits()
    {
        const int n = 200;
        var random = new Random(3);
        var x = new double[n * n];
        for (var k = 0; k < x.Length; k++)
        {
            x[k] = 10 * (random.NextDouble() - 0.5);
        }

        var single = (double[])x.Clone();
        MobilityMatrix.Projector(n, threads: 1)(single);
        MobilityMatrix.Projector(n, threads: 2)(x);
        Assert.Equal(single, x);
    }

    [Fact]
    public void Project_RandomVectors_IsOnSimplexAndSatisfiesOptimality()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var k = 1 + random.Next(30);
            var v = Enumerable.Range(0, k).Select(_ => (random.NextDouble() - 0.3) * 4).ToArray();
            var p = v.ToArray();
            SimplexProjection.Project(p, new double[k]);
            Assert.Equal(1, p.Sum(), 12);
            Assert.All(p, x => Assert.True(x >= 0));

            // KKT: p = max(v − θ, 0) for one θ, i.e. v − p is constant on the support and ≤ θ off it.
            var support = Enumerable.Range(0, k).Where(i => p[i] > 0).ToArray();
            var theta = v[support[0]] - p[support[0]];
            Assert.All(support, i => Assert.Equal(theta, v[i] - p[i], 10));
            Assert.All(Enumerable.Range(0, k).Except(support), i => Assert.True(v[i] <= theta + 1e-12));
        }
    }
}
