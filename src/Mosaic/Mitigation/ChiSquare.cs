namespace Mosaic.Mitigation;

/// <summary>
/// The 2×K chi-square homogeneity test the mitigation objective and its summaries use, with the
/// conventions of the segregation stage (issue 7): destinations where both rows are zero are
/// dropped, no continuity correction, p from the upper regularised gamma function so that large
/// statistics do not underflow early. Kept internal here until it is unified with the
/// segregation stage's own implementation.
/// </summary>
internal static class ChiSquare
{
    /// <summary>
    /// The statistic Σ_k (a_k B − b_k A)² / (A B (a_k + b_k)), which equals the usual
    /// Σ (observed − expected)² / expected for two rows. Zero (dof 0) when a row total is zero:
    /// the test is then undefined and Mosaic treats the district as not testable.
    /// </summary>
    public static (double Statistic, int Dof) Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double totalA = 0, totalB = 0;
        for (var k = 0; k < a.Length; k++)
        {
            totalA += a[k];
            totalB += b[k];
        }

        if (totalA <= 0 || totalB <= 0)
        {
            return (0, 0);
        }

        double statistic = 0;
        var kept = 0;
        for (var k = 0; k < a.Length; k++)
        {
            var both = a[k] + b[k];
            if (both <= 0)
            {
                continue;
            }

            kept++;
            var diff = (a[k] * totalB) - (b[k] * totalA);
            statistic += diff * diff / both;
        }

        return (statistic / (totalA * totalB), kept - 1);
    }

    /// <summary>P(χ²_dof ≥ statistic); 1 when dof is 0. The segregation stage's tail, so both stages report the same p.</summary>
    public static double PValue(double statistic, int dof) =>
        dof <= 0 ? 1.0 : Segregation.ChiSquareTest.UpperTail(statistic, dof);

    /// <summary>
    /// The smoothed statistic Σ_k (a_k B − b_k A)² / (A (B + ε) (a_k + b_k)) and its gradient with
    /// respect to the second row <paramref name="b"/> (written into <paramref name="gradient"/>);
    /// <paramref name="a"/> is fixed. With ε = 0 this is <see cref="Test"/>'s statistic; a small
    /// ε > 0 bounds the curvature as the refugee row vanishes (the unsmoothed statistic behaves
    /// like b²/B there) and changes the value by the factor B/(B + ε). A destination with
    /// a_k = b_k = 0 gets its one-sided derivative, the limit as b_k → 0⁺.
    /// </summary>
    public static double StatisticAndGradient(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> gradient, double floor)
    {
        double totalA = 0, totalB = 0;
        for (var k = 0; k < a.Length; k++)
        {
            totalA += a[k];
            totalB += b[k];
        }

        if (totalA <= 0 || totalB + floor <= 0)
        {
            gradient.Clear();
            return 0;
        }

        // T_k = N_k² / (A B' n_k), N_k = a_k B − b_k A, n_k = a_k + b_k, B' = B + ε.
        // ∂/∂b_m Σ T_k = Σ_k [2 N_k a_k / (A B' n_k) − N_k² / (A B'² n_k)] − 2 N_m / (B' n_m) − N_m² / (A B' n_m²).
        var smoothB = totalB + floor;
        double statistic = 0, common = 0;
        var ab = totalA * smoothB;
        for (var k = 0; k < a.Length; k++)
        {
            var both = a[k] + b[k];
            if (both <= 0)
            {
                continue;
            }

            var diff = (a[k] * totalB) - (b[k] * totalA);
            var term = diff * diff / (ab * both);
            statistic += term;
            common += (2 * diff * a[k] / (ab * both)) - (term / smoothB);
        }

        for (var m = 0; m < a.Length; m++)
        {
            var both = a[m] + b[m];
            if (both <= 0)
            {
                gradient[m] = common + (totalA / smoothB);
                continue;
            }

            var diff = (a[m] * totalB) - (b[m] * totalA);
            gradient[m] = common - (2 * diff / (smoothB * both)) - (diff * diff / (ab * both * both));
        }

        return statistic;
    }
}
