using MathNet.Numerics;

namespace Mosaic.Segregation;

/// <summary>The outcome of a chi-square test of homogeneity on an r-by-c table.</summary>
/// <param name="Statistic">Pearson's X² = Σ (O − E)² / E, no continuity correction.</param>
/// <param name="DegreesOfFreedom">(r − 1)(c − 1) over the columns kept; 0 when fewer than two columns remain.</param>
/// <param name="PValue">Upper tail Q(dof/2, X²/2); exactly 0 only when the tail is below the smallest subnormal double.</param>
/// <param name="LogPValue">Natural log of the p-value, finite even where <paramref name="PValue"/> underflows.</param>
/// <param name="CramersV">√(X² / (n (min(r, c) − 1))); 0 when fewer than two columns remain.</param>
/// <param name="Total">n, the sum of all cells.</param>
/// <param name="ColumnsUsed">Columns with a non-zero total (the others are dropped before testing).</param>
/// <param name="ColumnsDropped">All-zero columns dropped.</param>
public sealed record ChiSquareResult(
    double Statistic, int DegreesOfFreedom, double PValue, double LogPValue, double CramersV,
    double Total, int ColumnsUsed, int ColumnsDropped);

/// <summary>
/// Pearson's chi-square test of homogeneity, as scipy's <c>chi2_contingency(correction=False)</c>
/// (checked against it to 1e-9 relative in the tests). P-values come from the upper regularised
/// gamma function Q(k/2, x/2) — never from 1 − CDF, which is exactly 0 for every statistic beyond
/// about 80 — and, past the point where Math.NET's implementation (like scipy's cephes) returns 0
/// at the smallest normal double, from the same continued fraction evaluated in log space, so the
/// subnormal range is kept and 0 means a tail truly below 4.9e-324.
/// </summary>
public static class ChiSquareTest
{
    /// <summary>Tests whether two count vectors over the same categories share one distribution (a 2-by-k table).</summary>
    /// <exception cref="ArgumentException">Lengths differ, a count is negative or not finite, or a row sums to zero.</exception>
    public static ChiSquareResult Homogeneity(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
        {
            throw new ArgumentException($"both rows need the same number of categories ({first.Count} vs {second.Count})", nameof(second));
        }

        return Homogeneity([first, second]);
    }

    /// <summary>
    /// Tests the rows of an r-by-c table of non-negative counts (real values allowed, as for the
    /// density-rescaled comparison) for a common distribution over the columns. Columns whose
    /// total is 0 are dropped first (their expected counts would be 0), as scipy requires.
    /// </summary>
    /// <exception cref="ArgumentException">Ragged rows, fewer than two rows, a negative or non-finite count, or a row summing to zero.</exception>
    public static ChiSquareResult Homogeneity(IReadOnlyList<IReadOnlyList<double>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count < 2)
        {
            throw new ArgumentException("a homogeneity test needs at least two rows", nameof(rows));
        }

        var columns = rows[0].Count;
        var rowTotals = new double[rows.Count];
        var columnTotals = new double[columns];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Count != columns)
            {
                throw new ArgumentException($"row {i} has {rows[i].Count} cells, row 0 has {columns}", nameof(rows));
            }

            for (var j = 0; j < columns; j++)
            {
                var value = rows[i][j];
                if (!double.IsFinite(value) || value < 0)
                {
                    throw new ArgumentException($"cell ({i}, {j}) is {value}; counts must be finite and non-negative", nameof(rows));
                }

                rowTotals[i] += value;
                columnTotals[j] += value;
            }

            if (rowTotals[i] <= 0)
            {
                throw new ArgumentException($"row {i} sums to zero: the test is undefined", nameof(rows));
            }
        }

        var total = rowTotals.Sum();
        var used = columnTotals.Count(t => t > 0);
        if (used < 2)
        {
            // One category left: both rows are trivially the same distribution (scipy: 0, dof 0, p 1).
            return new ChiSquareResult(0, 0, 1, 0, 0, total, used, columns - used);
        }

        var statistic = 0.0;
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                if (columnTotals[j] <= 0)
                {
                    continue;
                }

                var expected = rowTotals[i] * columnTotals[j] / total;
                var difference = rows[i][j] - expected;
                statistic += difference * difference / expected;
            }
        }

        var dof = checked((rows.Count - 1) * (used - 1));
        var logP = LogUpperTail(statistic, dof);
        var cramersV = Math.Sqrt(statistic / (total * (Math.Min(rows.Count, used) - 1)));
        return new ChiSquareResult(statistic, dof, Math.Exp(logP), logP, cramersV, total, used, columns - used);
    }

    /// <summary>P(χ²_dof ≥ statistic) = Q(dof/2, statistic/2); 1 for dof 0 or a non-positive statistic.</summary>
    public static double UpperTail(double statistic, int degreesOfFreedom) => Math.Exp(LogUpperTail(statistic, degreesOfFreedom));

    /// <summary>Natural log of <see cref="UpperTail"/>, accurate far beyond double underflow.</summary>
    public static double LogUpperTail(double statistic, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(degreesOfFreedom);
        if (double.IsNaN(statistic))
        {
            return double.NaN;
        }

        if (degreesOfFreedom == 0 || statistic <= 0)
        {
            return 0;
        }

        var a = degreesOfFreedom / 2.0;
        var x = statistic / 2.0;
        var q = SpecialFunctions.GammaUpperRegularized(a, x);
        // Below ~1e-300 Math.NET is at (or near) its underflow cut-off; the log-space fraction takes over.
        if (q > 1e-300)
        {
            return Math.Log(q);
        }

        return x > a + 1 ? LogUpperContinuedFraction(a, x) : Math.Log(q);
    }

    /// <summary>
    /// log Q(a, x) = a ln x − x − ln Γ(a) + ln CF(a, x), with CF the Legendre continued fraction for
    /// the upper incomplete gamma function evaluated by the modified Lentz method (converges fast for x &gt; a + 1).
    /// </summary>
    internal static double LogUpperContinuedFraction(double a, double x)
    {
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i <= 10_000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }

            c = b + (an / c);
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }

            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return (a * Math.Log(x)) - x - SpecialFunctions.GammaLn(a) + Math.Log(h);
    }
}
