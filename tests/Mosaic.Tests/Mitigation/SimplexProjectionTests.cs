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
