using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class MobilityOptimizerTests
{
    [Theory]
    [InlineData(MitigationNetwork.RT)]
    [InlineData(MitigationNetwork.RR)]
    public void Optimize_PlantedCity_FeasibleWithin1e8AndReducesChiSquareSum(MitigationNetwork network)
    {
        var problem = PlantedCity.Generate(15, seed: 1);
        var result = MobilityOptimizer.Optimize(problem, network);
        Assert.True(result.MaxViolation <= 1e-8, $"max violation {result.MaxViolation}");
        Assert.Equal(result.MaxViolation, MobilityMatrix.MaxViolation(problem, result.Matrix));
        var identity = MobilityMatrix.Identity(problem.Count);
        var chiBefore = MobilityOptimizer.Objective(problem, network, MobilityObjectiveKind.ChiSquareSum, identity);
        Assert.True(result.Step2.Objective < 0.8 * chiBefore, $"{result.Step2.Objective} vs {chiBefore}");
        Assert.True(result.Step2.Objective <= MobilityOptimizer.Objective(problem, network, MobilityObjectiveKind.ChiSquareSum, result.Matrix) + 1e-9);
    }

    [Fact]
    public void Optimize_CapBelowRefugeeShare_ThrowsInputError()
    {
        var problem = PlantedCity.Generate(6, seed: 2, cap: 0.001);
        var error = Assert.Throws<MosaicInputException>(() => MobilityOptimizer.Optimize(problem, MitigationNetwork.RT));
        Assert.Contains("infeasible", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_TightCap_EveryDistrictWithinCapacity()
    {
        // The largest refugee share in a planted city is up to 9%; a 4% cap forces moves out of enclaves.
        var problem = PlantedCity.Generate(12, seed: 4, cap: 0.04);
        var result = MobilityOptimizer.Optimize(problem, MitigationNetwork.RT);
        var loads = MobilityMatrix.RefugeesAfter(problem, result.Matrix);
        for (var j = 0; j < problem.Count; j++)
        {
            Assert.True(loads[j] <= problem.Capacity(j) + 1e-8, $"district {j}: {loads[j]} > {problem.Capacity(j)}");
        }

        Assert.Contains(Enumerable.Range(0, problem.Count), j => loads[j] >= problem.Capacity(j) * (1 - 1e-6));
    }
}
