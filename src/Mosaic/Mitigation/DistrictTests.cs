namespace Mosaic.Mitigation;

/// <summary>One district's homogeneity test after a move.</summary>
/// <param name="DistrictId">The district (origin of the calls).</param>
/// <param name="Chi2">Exact (unsmoothed) statistic; 0 when the district is not testable.</param>
/// <param name="Dof">Degrees of freedom; 0 when not testable (no host or no refugee calls).</param>
/// <param name="PValue">Upper-tail probability; 1 when not testable.</param>
public sealed record DistrictTest(int DistrictId, double Chi2, int Dof, double PValue)
{
    /// <summary>True when p &lt; alpha.</summary>
    public bool IsSegregated(double alpha) => Dof > 0 && PValue < alpha;
}

/// <summary>
/// The per-district chi-square tests of a network after applying M, with the segregation stage's
/// conventions (RT against TT counts; RR against TT as destination densities rescaled to each
/// row's total). With M = I these are the "before" tests.
/// </summary>
public static class DistrictTests
{
    /// <summary>Tests every district after applying <paramref name="matrix"/> (M[j, i] = m_ji).</summary>
    public static IReadOnlyList<DistrictTest> After(MitigationProblem problem, MitigationNetwork network, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var objective = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum);
        var rows = objective.RowTestsExact(MobilityMatrix.ToX(matrix));
        return [.. rows.Select((t, j) => new DistrictTest(problem.DistrictIds[j], t.Statistic, t.Dof, ChiSquare.PValue(t.Statistic, t.Dof)))];
    }

    /// <summary>Number of districts with p &lt; alpha.</summary>
    public static int Segregated(IReadOnlyList<DistrictTest> tests, double alpha) =>
        tests?.Count(t => t.IsSegregated(alpha)) ?? 0;
}
