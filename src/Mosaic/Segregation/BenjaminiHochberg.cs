namespace Mosaic.Segregation;

/// <summary>
/// Benjamini–Hochberg false-discovery-rate adjustment (1995): the q-value of the i-th smallest of
/// m p-values is min over j ≥ i of m·p₍ⱼ₎ / j, capped at 1 — the same numbers as R's
/// <c>p.adjust(method = "BH")</c>, statsmodels' <c>fdr_bh</c> and scipy's
/// <c>false_discovery_control</c>. NaN p-values (untestable units) are left out of m and get NaN.
/// </summary>
public static class BenjaminiHochberg
{
    /// <summary>Adjusted q-values, in the order of <paramref name="pValues"/>.</summary>
    /// <exception cref="ArgumentException">A p-value outside [0, 1].</exception>
    public static double[] QValues(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var q = new double[pValues.Count];
        Array.Fill(q, double.NaN);
        var order = new List<int>(pValues.Count);
        for (var i = 0; i < pValues.Count; i++)
        {
            var p = pValues[i];
            if (double.IsNaN(p))
            {
                continue;
            }

            if (p is < 0 or > 1)
            {
                throw new ArgumentException($"p-value {i} is {p}, outside [0, 1]", nameof(pValues));
            }

            order.Add(i);
        }

        // Stable sort by p so ties keep input order (the values are equal either way).
        var sorted = order.OrderBy(i => pValues[i]).ToArray();
        var m = sorted.Length;
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            var index = sorted[rank - 1];
            running = Math.Min(running, pValues[index] * m / rank);
            q[index] = running;
        }

        return q;
    }
}
