using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class SegregationGuardTests
{
    [Theory]
    [InlineData(MitigationNetwork.RT)]
    [InlineData(MitigationNetwork.RR)]
    public void Apply_UniformSpread_NoMoreSegregatedThanIdentityAndFeasible(MitigationNetwork network)
    {
        // Spreading every district's refugees evenly is feasible but ignores call patterns; the
        // guard must never publish more segregated districts than doing nothing.
        var problem = PlantedCity.Generate(12, seed: 7);
        var n = problem.Count;
        var spread = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                spread[j, i] = 1.0 / n;
            }
        }

        spread = MobilityMatrix.MakeFeasible(problem, spread);
        var before = DistrictTests.Segregated(DistrictTests.After(problem, network, MobilityMatrix.Identity(n)), 0.01);
        var (matrix, fraction) = SegregationGuard.Apply(problem, network, spread, 0.01);
        Assert.True(DistrictTests.Segregated(DistrictTests.After(problem, network, matrix), 0.01) <= before);
        Assert.True(MobilityMatrix.MaxViolation(problem, matrix) <= 1e-8);
        Assert.InRange(fraction, 0, 1);
    }

    [Fact]
    public void Apply_IdentityAsOptimum_ReturnsItWithFractionOne()
    {
        var problem = PlantedCity.Generate(8, seed: 2);
        var identity = MobilityMatrix.Identity(problem.Count);
        var (matrix, fraction) = SegregationGuard.Apply(problem, MitigationNetwork.RT, identity, 0.01);
        Assert.Equal(1, fraction);
        Assert.Same(identity, matrix);
    }
}
