namespace Mosaic.Mitigation;

/// <summary>One point of the Pareto front between behavioural segregation and the DI.</summary>
/// <param name="Point">Index in the front, from the behavioural end to the DI end.</param>
/// <param name="Method">How the point was made: <c>behavioural</c>, <c>lp</c> (the DI baseline), <c>weighted:w</c> or <c>mix:t</c>.</param>
/// <param name="Chi2Sum">Σ_j χ²_j after the move (exact statistics).</param>
/// <param name="Di">Dissimilarity Index after the move.</param>
/// <param name="Relocated">People relocated.</param>
/// <param name="SegregatedDistricts">Districts with p &lt; alpha after the move.</param>
/// <param name="Matrix">The mobility matrix, M[j, i] = m_ji.</param>
public sealed record ParetoPoint(int Point, string Method, double Chi2Sum, double Di, double Relocated, int SegregatedDistricts, double[,] Matrix);

/// <summary>
/// The trade-off the paper leaves as future work: points between minimising behavioural
/// segregation (Σχ²) and spatial segregation (DI). Each point minimises
/// (1 − w)·Σχ²/Σχ²₀ + w·Q/Q₀ under the same constraints, where Q = Σ_j (ĉ^R_j/Σc^R − c^T_j/Σc^T)² is
/// a smooth stand-in for the DI (the DI itself is an L1 norm, not differentiable), warm-started
/// from the previous point; the LP baseline's matrix is added as the DI end. Because the weighted
/// points run a limited number of iterations and Q is only a stand-in for the DI, they may be
/// dominated; the front is completed with mixes (1 − t)·M_behavioural + t·M_LP, which are feasible
/// (the constraints are convex) and move from one end to the other. Only points no other point
/// dominates in (Σχ², DI) are kept.
/// </summary>
public static class ParetoFront
{
    /// <summary>Computes the front for one network, starting from the behavioural optimum.</summary>
    public static IReadOnlyList<ParetoPoint> Compute(
        MitigationProblem problem,
        MitigationNetwork network,
        double[,] behavioural,
        double[,] diBaseline,
        double alpha,
        int points = 12,
        MobilityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        options ??= MobilityOptions.Default with { MaxIterations = 1000 };
        var n = problem.Count;
        var identity = MobilityMatrix.ToX(MobilityMatrix.Identity(n));
        var chiZero = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum).Value(identity);
        var qZero = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum, 1, 0, 1).Value(identity) - chiZero;
        chiZero = Math.Max(chiZero, 1e-300);
        qZero = Math.Max(qZero, 1e-12);

        var candidates = new List<(string Method, double[,] Matrix)> { ("behavioural", behavioural), ("lp", diBaseline) };
        var weights = new SortedSet<double>();
        for (var k = 1; k < points; k++)
        {
            weights.Add(1 - Math.Pow(0.5, k));
        }

        var x = MobilityMatrix.ToX(behavioural);
        foreach (var w in weights)
        {
            MobilityOptimizer.MinimizeX(problem, network, MobilityObjectiveKind.ChiSquareSum, x, options, (1 - w) / chiZero, w / qZero);
            candidates.Add(($"weighted:{w.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}", MobilityMatrix.FromX(x, n)));
        }

        for (var k = 1; k < points; k++)
        {
            var t = (double)k / points;
            var mix = new double[n, n];
            for (var j = 0; j < n; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    mix[j, i] = ((1 - t) * behavioural[j, i]) + (t * diBaseline[j, i]);
                }
            }

            candidates.Add(($"mix:{t.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}", mix));
        }

        var evaluated = candidates.Select(c => Evaluate(problem, network, c.Method, c.Matrix, alpha)).ToList();
        var front = evaluated
            .Where(p => !evaluated.Any(q => Dominates(q, p)))
            .GroupBy(p => (p.Chi2Sum, p.Di)).Select(g => g.First())
            .OrderBy(p => p.Chi2Sum).ThenBy(p => p.Di)
            .Select((p, index) => p with { Point = index })
            .ToList();
        return front;
    }

    private static bool Dominates(ParetoPoint a, ParetoPoint b) =>
        a.Chi2Sum <= b.Chi2Sum && a.Di <= b.Di && (a.Chi2Sum < b.Chi2Sum || a.Di < b.Di);

    private static ParetoPoint Evaluate(MitigationProblem problem, MitigationNetwork network, string method, double[,] matrix, double alpha)
    {
        var tests = DistrictTests.After(problem, network, matrix);
        return new ParetoPoint(0, method, tests.Sum(t => t.Chi2), Dissimilarity.After(problem, network, matrix),
            MobilityMatrix.Relocated(problem, matrix), DistrictTests.Segregated(tests, alpha), matrix);
    }
}
