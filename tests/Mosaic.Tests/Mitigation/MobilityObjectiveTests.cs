using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class MobilityObjectiveTests
{
    public static TheoryData<MitigationNetwork, MobilityObjectiveKind> Cases => new()
    {
        { MitigationNetwork.RT, MobilityObjectiveKind.ShareDifference },
        { MitigationNetwork.RT, MobilityObjectiveKind.ChiSquareSum },
        { MitigationNetwork.RR, MobilityObjectiveKind.ShareDifference },
        { MitigationNetwork.RR, MobilityObjectiveKind.ChiSquareSum },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_RandomInteriorPoint_MatchesCentralDifferences(MitigationNetwork network, MobilityObjectiveKind kind)
    {
        var problem = PlantedCity.Generate(7, seed: 3);
        var n = problem.Count;
        var random = new Random(11);
        var x = new double[n * n];
        for (var i = 0; i < n * n; i++)
        {
            x[i] = 0.05 + random.NextDouble();
        }

        // An unconstrained objective: the gradient is checked in every direction, not only feasible ones.
        var objective = new MobilityObjective(problem, network, kind, threads: 1, scoreWeight: 1, spatialWeight: 3);
        var gradient = new double[n * n];
        objective.ValueAndGradient(x, gradient);
        for (var idx = 0; idx < n * n; idx++)
        {
            var h = 1e-6 * Math.Max(1, Math.Abs(x[idx]));
            var saved = x[idx];
            x[idx] = saved + h;
            var up = objective.Value(x);
            x[idx] = saved - h;
            var down = objective.Value(x);
            x[idx] = saved;
            var numeric = (up - down) / (2 * h);
            var scale = Math.Max(1e-6 * Math.Abs(up), Math.Abs(numeric));
            Assert.True(Math.Abs(numeric - gradient[idx]) <= 1e-5 * Math.Max(scale, 1e-8),
                $"entry {idx}: analytic {gradient[idx]:R}, numeric {numeric:R}");
        }
    }

    [Fact]
    public void Gradient_ParallelKernels_EqualSingleThreadBitForBit()
    {
        var problem = PlantedCity.Generate(120, seed: 5);
        var n = problem.Count;
        var x = MobilityMatrix.ToX(MobilityMatrix.Identity(n));
        var random = new Random(2);
        for (var i = 0; i < n; i++)
        {
            x[(i * n) + random.Next(n)] += 0.5;
        }

        var single = new double[n * n];
        var parallel = new double[n * n];
        var f1 = new MobilityObjective(problem, MitigationNetwork.RR, MobilityObjectiveKind.ChiSquareSum, threads: 1).ValueAndGradient(x, single);
        var f2 = new MobilityObjective(problem, MitigationNetwork.RR, MobilityObjectiveKind.ChiSquareSum, threads: 4).ValueAndGradient(x, parallel);
        Assert.Equal(f1, f2);
        Assert.Equal(single, parallel);
    }

    /// <summary>A feasible point of a 130-district city (above the blocked-kernel threshold) with the given share of non-zero entries.</summary>
    private static double[] LargePoint(int n, double share, int seed)
    {
        var random = new Random(seed);
        var x = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * n, n);
            row[i] = 1;
            for (var j = 0; j < n; j++)
            {
                if (random.NextDouble() < share)
                {
                    row[j] += random.NextDouble();
                }
            }

            var sum = row.ToArray().Sum();
            for (var j = 0; j < n; j++)
            {
                row[j] /= sum;
            }
        }

        return x;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BlockedProducts_DenseAndSparsePoints_MatchRowKernels(MitigationNetwork network, MobilityObjectiveKind kind)
    {
        var problem = PlantedCity.Generate(130, seed: 9);
        var n = problem.Count;
        Assert.True(n >= MobilityObjective.BlockedThreshold);
        var rows = new MobilityObjective(problem, network, kind, threads: 1, spatialWeight: 0.5, blockedProducts: false);
        var blocked = new MobilityObjective(problem, network, kind, threads: 2, spatialWeight: 0.5);

        // 5% non-zeros takes the sparse forward pass, 60% the dense one; the backward pass is blocked in both.
        foreach (var share in new[] { 0.05, 0.6 })
        {
            var x = LargePoint(n, share, seed: 3);
            var expected = new double[n * n];
            var actual = new double[n * n];
            var f1 = rows.ValueAndGradient(x, expected);
            var f2 = blocked.ValueAndGradient(x, actual);
            Assert.True(Math.Abs(f1 - f2) <= 1e-12 * Math.Abs(f1), $"share {share}: {f1:R} vs {f2:R}");
            Assert.True(Math.Abs(blocked.Value(x) - f1) <= 1e-12 * Math.Abs(f1));
            var scale = expected.Max(Math.Abs);
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-10 * scale, $"share {share}, entry {k}: {expected[k]:R} vs {actual[k]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BlockedProducts_Gradient_MatchesCentralDifferences(MitigationNetwork network, MobilityObjectiveKind kind)
    {
        var problem = PlantedCity.Generate(130, seed: 9);
        var n = problem.Count;
        var x = LargePoint(n, 0.6, seed: 4);
        var objective = new MobilityObjective(problem, network, kind, threads: 2, spatialWeight: 0.5);
        var gradient = new double[n * n];
        objective.ValueAndGradient(x, gradient);
        var random = new Random(6);
        for (var sample = 0; sample < 25; sample++)
        {
            var idx = random.Next(n * n);

            // Five-point stencil: at 130 districts the objective is large against single entries'
            // derivatives, and the two-point rounding error would exceed the tolerance.
            const double h = 1e-4;
            var saved = x[idx];
            double At(double offset)
            {
                x[idx] = saved + offset;
                return objective.Value(x);
            }

            var numeric = ((8 * (At(h) - At(-h))) - (At(2 * h) - At(-2 * h))) / (12 * h);
            x[idx] = saved;
            var scale = Math.Max(1e-6 * Math.Abs(objective.Value(x)), Math.Abs(numeric));
            Assert.True(Math.Abs(numeric - gradient[idx]) <= 1e-5 * Math.Max(scale, 1e-8), $"entry {idx}: analytic {gradient[idx]:R}, numeric {numeric:R}");
        }
    }

    [Theory]
    [InlineData(MitigationNetwork.RT)]
    [InlineData(MitigationNetwork.RR)]
    public void BlockedProducts_OneOrTwoThreads_SameBits(MitigationNetwork network)
    {
        var problem = PlantedCity.Generate(130, seed: 9);
        var n = problem.Count;
        foreach (var share in new[] { 0.05, 0.6 })
        {
            var x = LargePoint(n, share, seed: 5);
            var single = new double[n * n];
            var parallel = new double[n * n];
            var f1 = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum, threads: 1).ValueAndGradient(x, single);
            var f2 = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum, threads: 2).ValueAndGradient(x, parallel);
            Assert.Equal(f1, f2);
            Assert.Equal(single, parallel);
        }
    }

    [Fact]
    public void Value_HandComputedTwoDistrictCase_MatchesFormula()
    {
        // RT, M = I: row 0 refugee calls (2, 2) vs hosts (3, 1); row 1 (1, 3) vs (1, 1).
        var problem = new MitigationProblem(
            [10, 20],
            callsRT: new double[,] { { 2, 2 }, { 1, 3 } },
            callsRR: new double[,] { { 1, 1 }, { 1, 1 } },
            callsTT: new double[,] { { 3, 1 }, { 1, 1 } },
            refugees: [1, 1], hosts: [1, 1], population: [100, 100], rent: [1, 1], cap: 0.5);
        var identity = MobilityMatrix.Identity(2);

        // Shares use S + ε_S with ε_S = 1e-3 × mean refugee row total = 1e-3 × 8/2 = 0.004:
        // row 0 (2, 2)/4.004 against (0.75, 0.25); row 1 (1, 3)/4.004 against (0.5, 0.5).
        const double s = 4.004;
        var expectedShares = Math.Pow((2 / s) - 0.75, 2) + Math.Pow((2 / s) - 0.25, 2) + Math.Pow((1 / s) - 0.5, 2) + Math.Pow((3 / s) - 0.5, 2);
        var shares = MobilityOptimizer.Objective(problem, MitigationNetwork.RT, MobilityObjectiveKind.ShareDifference, identity);
        Assert.Equal(expectedShares, shares, 14);

        // Row 0: 2×2 table [[3,1],[2,2]]: χ² = N(ad − bc)²/(row and column totals) = 8·(6−2)²/(4·4·5·3) = 0.5333…
        // Row 1: [[1,1],[1,3]]: 6·(3−1)²/(2·4·2·4) = 0.375. Step 2 scales each by B/(B + ε_B), ε_B = 1e-4 × 4.
        var chi = MobilityOptimizer.Objective(problem, MitigationNetwork.RT, MobilityObjectiveKind.ChiSquareSum, identity);
        Assert.Equal(((8.0 * 16 / 240) + (6.0 * 4 / 64)) * 4 / 4.0004, chi, 12);
        var exact = DistrictTests.After(problem, MitigationNetwork.RT, identity);
        Assert.Equal(8.0 * 16 / 240, exact[0].Chi2, 12);
        Assert.Equal(6.0 * 4 / 64, exact[1].Chi2, 12);
        Assert.Equal(1, exact[0].Dof);

        // scipy.stats.chi2.sf(0.375, 1) = 0.5402913746…
        Assert.Equal(0.54029137461, exact[1].PValue, 9);
    }
}
