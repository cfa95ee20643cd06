using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class FaceQuasiNewtonTests
{
    private static (Func<double[], double> Value, Func<double[], double[], double> ValueAndGradient, double[] Start, int N) Problem(MitigationNetwork network)
    {
        var problem = PlantedCity.Generate(9, seed: 5);
        var n = problem.Count;
        var objective = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum, threads: 1);
        var random = new Random(7);
        var x = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            double sum = 0;
            for (var j = 0; j < n; j++)
            {
                // A sparse feasible start: about a third of the entries zero (a face to polish on).
                x[(i * n) + j] = random.NextDouble() < 0.35 ? 0 : random.NextDouble();
                sum += x[(i * n) + j];
            }

            x[(i * n) + i] += 1;
            sum += 1;
            for (var j = 0; j < n; j++)
            {
                x[(i * n) + j] /= sum;
            }
        }

        return (objective.Value, objective.ValueAndGradient, x, n);
    }

    [Theory]
    [InlineData(MitigationNetwork.RT, false)]
    [InlineData(MitigationNetwork.RR, false)]
    [InlineData(MitigationNetwork.RT, true)]
    [InlineData(MitigationNetwork.RR, true)]
    public void Minimize_ReusedWorkspace_SameBitsAsFresh(MitigationNetwork network, bool compact)
    {
        var (value, valueAndGradient, start, n) = Problem(network);
        var fresh = (double[])start.Clone();
        var first = FaceQuasiNewton.Minimize(value, valueAndGradient, fresh, n, 1e-12, 60, workspace: new FaceQuasiNewton.Workspace(n, compact));

        // A workspace dirtied by a run from elsewhere must not change the next run.
        var workspace = new FaceQuasiNewton.Workspace(n, compact);
        var other = MobilityMatrix.IdentityX(n);
        for (var k = 0; k < other.Length; k++)
        {
            other[k] = (other[k] + (1.0 / n)) / 2;
        }

        FaceQuasiNewton.Minimize(value, valueAndGradient, other, n, 1e-12, 60, workspace: workspace);
        var reused = (double[])start.Clone();
        var second = FaceQuasiNewton.Minimize(value, valueAndGradient, reused, n, 1e-12, 60, workspace: workspace);

        Assert.Equal(first, second);
        Assert.Equal(fresh, reused);
        Assert.True(first.Value < value(start));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Minimize_StaysOnFace_RowsSumToOneAndZerosStay(bool compact)
    {
        var (value, valueAndGradient, start, n) = Problem(MitigationNetwork.RR);
        var x = (double[])start.Clone();
        FaceQuasiNewton.Minimize(value, valueAndGradient, x, n, 1e-12, 60, workspace: new FaceQuasiNewton.Workspace(n, compact));
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(1.0, x.AsSpan(i * n, n).ToArray().Sum(), 1e-12);
        }

        for (var k = 0; k < x.Length; k++)
        {
            Assert.True(x[k] >= 0);
            if (start[k] == 0)
            {
                Assert.Equal(0.0, x[k]);
            }
        }
    }

    /// <summary>
    /// The compact polish (free entries only, used from 128 districts on) is the same method: from
    /// the same start it takes the same evaluations to the same point, up to the rounding of its
    /// vectorised dot products, whether the face shrinks or not (with the optimiser's per-row scaling).
    /// </summary>
    [Theory]
    [InlineData(MitigationNetwork.RT, 8)]
    [InlineData(MitigationNetwork.RT, 20)]
    [InlineData(MitigationNetwork.RR, 8)]
    [InlineData(MitigationNetwork.RR, 20)]
    public void Minimize_Compact_SameStepsAsFullSize(MitigationNetwork network, int evaluations)
    {
        var (value, valueAndGradient, start, n) = Problem(network);
        var full = (double[])start.Clone();
        var compact = (double[])start.Clone();
        var rowScale = MobilityOptimizer.RowScale(PlantedCity.Generate(9, seed: 5), network);
        var expected = FaceQuasiNewton.Minimize(value, valueAndGradient, full, n, 1e-12, evaluations, rowScale, new FaceQuasiNewton.Workspace(n, compact: false));
        var workspace = new FaceQuasiNewton.Workspace(n, compact: true);
        Assert.NotNull(workspace.Compact);
        var actual = FaceQuasiNewton.Minimize(value, valueAndGradient, compact, n, 1e-12, evaluations, rowScale, workspace);

        // At the numerical floor (stalled) the rounding decides how many last trials fail.
        Assert.Equal(expected.Stalled, actual.Stalled);
        if (!expected.Stalled)
        {
            Assert.Equal(expected.Evaluations, actual.Evaluations);
        }

        Assert.Equal(expected.Value, actual.Value, 1e-10 * Math.Abs(expected.Value));
        Assert.True(expected.Value < value(start));
        for (var k = 0; k < full.Length; k++)
        {
            Assert.Equal(full[k], compact[k], 1e-9);
            Assert.Equal(full[k] == 0, compact[k] == 0);
        }
    }

    [Fact]
    public void ProjectOnFace_InPlace_SameAsIntoOtherArray()
    {
        const int n = 6;
        var random = new Random(3);
        var g = Enumerable.Range(0, n * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var free = Enumerable.Range(0, n * n).Select(k => k % 4 != 1).ToArray();
        var expected = new double[n * n];
        FaceQuasiNewton.ProjectOnFace(g, expected, free, n);
        FaceQuasiNewton.ProjectOnFace(g, g, free, n);
        Assert.Equal(expected, g);
    }
}
