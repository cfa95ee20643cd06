namespace Mosaic.Segregation;

/// <summary>
/// Single-group (aspatial) segregation indices of one group against a unit's total, with PySAL
/// <c>segregation</c>'s definitions (Massey and Denton 1988). Notation: xᵢ the group and tᵢ the
/// total in unit i, X = Σxᵢ, T = Σtᵢ, P = X/T, pᵢ = xᵢ/tᵢ (0 for a unit with tᵢ = 0, as PySAL).
/// </summary>
/// <param name="Dissimilarity">D = Σ tᵢ |pᵢ − P| / (2 T P (1 − P)).</param>
/// <param name="Gini">G = Σᵢ Σⱼ tᵢ tⱼ |pᵢ − pⱼ| / (2 T² P (1 − P)).</param>
/// <param name="Entropy">Theil's H = Σ tᵢ (E − Eᵢ) / (E T), E and Eᵢ the binary entropies (natural log) of P and pᵢ, 0·ln 0 = 0.</param>
/// <param name="Isolation">xPx = Σ (xᵢ/X)(xᵢ/tᵢ); zero-population units skipped.</param>
/// <param name="Interaction">xPy = Σ (xᵢ/X)((tᵢ − xᵢ)/tᵢ); zero-population units skipped.</param>
/// <param name="CorrelationRatio">V = (xPx − P) / (1 − P).</param>
/// <param name="Atkinson">A = 1 − P/(1 − P) · |Σ (1 − pᵢ)^(1−b) pᵢ^b tᵢ / (P T)|^(1/(1−b)), b = 0.5 (PySAL's default).</param>
public sealed record SingleGroupIndices(
    double Dissimilarity, double Gini, double Entropy, double Isolation, double Interaction,
    double CorrelationRatio, double Atkinson);

/// <summary>
/// Multigroup (aspatial) segregation indices over K groups, with PySAL <c>segregation</c>'s
/// definitions (Reardon and Firebaugh 2002 unless noted). Notation: n_ik the count of group k in
/// unit i, tᵢ = Σₖ n_ik, T = Σ tᵢ, p_ik = n_ik / tᵢ, Pₖ = Σᵢ n_ik / T, Is = Σ Pₖ(1 − Pₖ).
/// Units with tᵢ = 0 contribute nothing (p_ik = 0 for them, as PySAL's <c>nan_to_num</c> does for
/// most of these indices; for Gini and relative diversity PySAL would return NaN or raise
/// instead). Groups with a zero total are left out (PySAL would return NaN).
/// </summary>
/// <param name="Dissimilarity">Sakoda (1981): Σᵢ Σₖ tᵢ |p_ik − Pₖ| / (2 T Is).</param>
/// <param name="Gini">Σₖ Σᵢ Σⱼ tᵢ tⱼ |p_ik − p_jk| / (2 T² Is).</param>
/// <param name="InformationTheory">Σᵢ Σₖ tᵢ p_ik ln(p_ik / Pₖ) / (T E), E = Σ Pₖ ln(1/Pₖ).</param>
/// <param name="NormalizedExposure">Σᵢ Σₖ tᵢ (p_ik − Pₖ)² / (1 − Pₖ) / T.</param>
/// <param name="Diversity">Theil's entropy of the city, −Σ Pₖ ln Pₖ (not normalised, PySAL's default).</param>
/// <param name="RelativeDiversity">Reardon (1998): Σᵢ Σₖ tᵢ (p_ik − Pₖ)² / (T Is).</param>
/// <param name="SquaredCoefficientOfVariation">Σᵢ Σₖ tᵢ (p_ik − Pₖ)² / (T (K − 1) Pₖ).</param>
/// <param name="SimpsonsConcentration">Simpson (1949): Σ Pₖ².</param>
/// <param name="SimpsonsInteraction">Σ Pₖ (1 − Pₖ) = 1 − concentration.</param>
/// <param name="Divergence">Roberto (2015): Σᵢ (tᵢ/T) Σₖ p_ik ln(p_ik / Pₖ), 0·ln 0 = 0.</param>
/// <param name="GroupsUsed">K, the groups with a non-zero total.</param>
public sealed record MultiGroupIndices(
    double Dissimilarity, double Gini, double InformationTheory, double NormalizedExposure,
    double Diversity, double RelativeDiversity, double SquaredCoefficientOfVariation,
    double SimpsonsConcentration, double SimpsonsInteraction, double Divergence, int GroupsUsed);

/// <summary>
/// Computes the indices of <see cref="SingleGroupIndices"/> and <see cref="MultiGroupIndices"/>
/// for any unit-by-group table, and the two-distribution Dissimilarity Index the paper uses.
/// A degenerate city (the group is absent, or is everybody) gives NaN for indices that divide by
/// P(1 − P), as PySAL does.
/// </summary>
public static class SegregationIndices
{
    /// <summary>Atkinson's shape parameter b used by PySAL by default.</summary>
    public const double DefaultAtkinsonShape = 0.5;

    /// <summary>
    /// Duncan's Dissimilarity Index between two distributions over the same units:
    /// ½ Σ |aᵢ/A − bᵢ/B| (the paper's DI with a = refugee and b = host populations or call
    /// volumes). Equal to <see cref="SingleGroupIndices.Dissimilarity"/> with x = a and t = a + b.
    /// NaN when either total is zero.
    /// </summary>
    public static double Dissimilarity(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        CheckSameLength(first, second);
        double a = first.Sum(), b = second.Sum();
        if (a <= 0 || b <= 0)
        {
            return double.NaN;
        }

        var sum = 0.0;
        for (var i = 0; i < first.Count; i++)
        {
            sum += Math.Abs((first[i] / a) - (second[i] / b));
        }

        return sum / 2;
    }

    /// <summary>Single-group indices of <paramref name="group"/> within <paramref name="total"/>, unit by unit.</summary>
    /// <exception cref="ArgumentException">Lengths differ, a count is negative or not finite, or a group count exceeds its unit's total.</exception>
    public static SingleGroupIndices SingleGroup(IReadOnlyList<double> group, IReadOnlyList<double> total, double atkinsonShape = DefaultAtkinsonShape)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(total);
        CheckSameLength(group, total);
        if (atkinsonShape is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(atkinsonShape), atkinsonShape, "Atkinson's b must be in [0, 1)");
        }

        var n = group.Count;
        for (var i = 0; i < n; i++)
        {
            CheckCount(group[i], nameof(group), i);
            CheckCount(total[i], nameof(total), i);
            if (group[i] > total[i])
            {
                throw new ArgumentException($"unit {i}: group count {group[i]} exceeds the total {total[i]}", nameof(group));
            }
        }

        var bigX = group.Sum();
        var bigT = total.Sum();
        var share = bigX / bigT;
        var p = new double[n];
        for (var i = 0; i < n; i++)
        {
            p[i] = total[i] == 0 ? 0 : group[i] / total[i];
        }

        double dissim = 0, gini = 0, entropySum = 0, isolation = 0, interaction = 0, atkinsonSum = 0;
        var cityEntropy = BinaryEntropy(share);
        for (var i = 0; i < n; i++)
        {
            dissim += total[i] * Math.Abs(p[i] - share);
            entropySum += total[i] * (cityEntropy - BinaryEntropy(p[i]));
            atkinsonSum += Math.Pow(1 - p[i], 1 - atkinsonShape) * Math.Pow(p[i], atkinsonShape) * total[i];
            if (total[i] > 0)
            {
                isolation += group[i] / bigX * (group[i] / total[i]);
                interaction += group[i] / bigX * ((total[i] - group[i]) / total[i]);
            }

            for (var j = i + 1; j < n; j++)
            {
                gini += total[i] * total[j] * Math.Abs(p[i] - p[j]);
            }
        }

        var spread = share * (1 - share);
        return new SingleGroupIndices(
            Dissimilarity: dissim / (2 * bigT * spread),
            Gini: 2 * gini / (2 * bigT * bigT * spread),
            Entropy: entropySum / (cityEntropy * bigT),
            Isolation: isolation,
            Interaction: interaction,
            CorrelationRatio: (isolation - share) / (1 - share),
            Atkinson: 1 - (share / (1 - share) * Math.Pow(Math.Abs(atkinsonSum / (share * bigT)), 1 / (1 - atkinsonShape))));
    }

    /// <summary>Multigroup indices of a table with one row per unit and one column per group.</summary>
    /// <exception cref="ArgumentException">Ragged rows, fewer than two groups, or a negative or non-finite count.</exception>
    public static MultiGroupIndices MultiGroup(IReadOnlyList<IReadOnlyList<double>> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            throw new ArgumentException("the table has no units", nameof(counts));
        }

        var groups = counts[0].Count;
        var groupTotals = new double[groups];
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i].Count != groups)
            {
                throw new ArgumentException($"unit {i} has {counts[i].Count} groups, unit 0 has {groups}", nameof(counts));
            }

            for (var k = 0; k < groups; k++)
            {
                CheckCount(counts[i][k], nameof(counts), i);
                groupTotals[k] += counts[i][k];
            }
        }

        var kept = Enumerable.Range(0, groups).Where(k => groupTotals[k] > 0).ToArray();
        if (kept.Length < 2)
        {
            throw new ArgumentException("multigroup indices need at least two groups with a non-zero total", nameof(counts));
        }

        var units = counts.Count;
        var k2 = kept.Length;
        var t = new double[units];
        var pik = new double[units, k2];
        for (var i = 0; i < units; i++)
        {
            foreach (var k in kept)
            {
                t[i] += counts[i][k];
            }

            for (var c = 0; c < k2; c++)
            {
                pik[i, c] = t[i] == 0 ? 0 : counts[i][kept[c]] / t[i];
            }
        }

        var bigT = t.Sum();
        var pk = kept.Select(k => groupTotals[k] / bigT).ToArray();
        var interaction = pk.Sum(x => x * (1 - x));
        var concentration = pk.Sum(x => x * x);
        var cityEntropy = -pk.Sum(x => x * Math.Log(x));

        double dissim = 0, info = 0, exposure = 0, squares = 0, coefVar = 0, gini = 0, divergence = 0;
        for (var i = 0; i < units; i++)
        {
            var unitDivergence = 0.0;
            for (var c = 0; c < k2; c++)
            {
                var deviation = pik[i, c] - pk[c];
                dissim += t[i] * Math.Abs(deviation);
                exposure += t[i] * deviation * deviation / (1 - pk[c]);
                squares += t[i] * deviation * deviation;
                coefVar += t[i] * deviation * deviation / pk[c];
                if (pik[i, c] > 0)
                {
                    var term = pik[i, c] * Math.Log(pik[i, c] / pk[c]);
                    info += t[i] * term;
                    unitDivergence += term;
                }

                for (var j = i + 1; j < units; j++)
                {
                    gini += t[i] * t[j] * Math.Abs(pik[i, c] - pik[j, c]);
                }
            }

            divergence += t[i] / bigT * unitDivergence;
        }

        return new MultiGroupIndices(
            Dissimilarity: dissim / (2 * bigT * interaction),
            Gini: 2 * gini / (2 * bigT * bigT * interaction),
            InformationTheory: info / (bigT * cityEntropy),
            NormalizedExposure: exposure / bigT,
            Diversity: cityEntropy,
            RelativeDiversity: squares / (bigT * interaction),
            SquaredCoefficientOfVariation: coefVar / (bigT * (k2 - 1)),
            SimpsonsConcentration: concentration,
            SimpsonsInteraction: interaction,
            Divergence: divergence,
            GroupsUsed: k2);
    }

    /// <summary>Binary entropy −p ln p − (1 − p) ln(1 − p), with 0 ln 0 = 0 (PySAL's <c>nan_to_num</c>).</summary>
    private static double BinaryEntropy(double p)
    {
        var h = 0.0;
        if (p > 0)
        {
            h -= p * Math.Log(p);
        }

        if (p < 1)
        {
            h -= (1 - p) * Math.Log(1 - p);
        }

        return h;
    }

    private static void CheckSameLength(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        if (first.Count != second.Count)
        {
            throw new ArgumentException($"both vectors need one value per unit ({first.Count} vs {second.Count})", nameof(second));
        }
    }

    private static void CheckCount(double value, string name, int unit)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentException($"unit {unit}: count {value} must be finite and non-negative", name);
        }
    }
}
