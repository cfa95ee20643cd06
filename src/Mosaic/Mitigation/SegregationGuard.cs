namespace Mosaic.Mitigation;

/// <summary>
/// Keeps the behavioural plan from leaving more districts segregated than doing nothing.
/// </summary>
/// <remarks>
/// Step 2 minimises the sum of the districts' chi-square statistics, which is dominated by the
/// few most segregated districts: on the simulated medium city (39 districts, RT) the optimum cuts
/// the sum from 17 197 to 4 996 by emptying one enclave (χ² 10 552 → 0.2) while moving refugees
/// with other call patterns into small districts just below the significance threshold (χ²
/// 26 → 68 at 23 degrees of freedom), so 15 segregated districts became 17. The sum is the
/// paper's objective and is kept; the guard only chooses how far to go along the segment from the
/// start (identity, repaired to the cap if needed) to the optimum, M(t) = (1 − t)·M₀ + t·M*, which
/// stays feasible because the constraints are convex. It returns the largest t on a grid of 20
/// steps whose number of segregated districts is at most the start's (t = 1 when the optimum
/// already satisfies that; t = 0 is always admissible).
/// </remarks>
public static class SegregationGuard
{
    /// <summary>Grid steps along the segment.</summary>
    public const int Steps = 20;

    /// <summary>
    /// The matrix returned and the fraction t of the way from the start to <paramref name="optimum"/>
    /// (M[j, i] = m_ji); <paramref name="alpha"/> is the significance level of the district tests.
    /// </summary>
    public static (double[,] Matrix, double Fraction) Apply(MitigationProblem problem, MitigationNetwork network, double[,] optimum, double alpha)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(optimum);
        var n = problem.Count;
        var start = MobilityMatrix.MakeFeasible(problem, MobilityMatrix.Identity(n));
        var limit = DistrictTests.Segregated(DistrictTests.After(problem, network, start), alpha);
        for (var step = Steps; step > 0; step--)
        {
            var t = (double)step / Steps;
            var blend = step == Steps ? optimum : Blend(start, optimum, t);
            if (DistrictTests.Segregated(DistrictTests.After(problem, network, blend), alpha) <= limit)
            {
                return (blend, t);
            }
        }

        return (start, 0);
    }

    private static double[,] Blend(double[,] start, double[,] optimum, double t)
    {
        var n = start.GetLength(0);
        var m = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                m[j, i] = ((1 - t) * start[j, i]) + (t * optimum[j, i]);
            }
        }

        return m;
    }
}
