namespace Mosaic.Mitigation;

/// <summary>
/// Exact Euclidean projection onto the probability simplex {x ≥ 0, Σx = 1} by sorting
/// (Held, Wolfe and Crowder 1974; Duchi et al. 2008): O(k log k) for k entries. The upper
/// bound x ≤ 1 of the mobility matrix is implied by the simplex.
/// </summary>
internal static class SimplexProjection
{
    /// <summary>Projects <paramref name="v"/> in place; <paramref name="scratch"/> has at least v.Length entries.</summary>
    public static void Project(Span<double> v, Span<double> scratch)
    {
        var k = v.Length;

        // The projection is invariant under v + c·1: shifting the largest entry to 0 keeps the
        // cumulative sums free of cancellation when a long gradient step makes entries huge.
        var top = double.NegativeInfinity;
        foreach (var value in v)
        {
            top = Math.Max(top, value);
        }

        for (var i = 0; i < k; i++)
        {
            v[i] -= top;
        }

        var sorted = scratch[..k];
        v.CopyTo(sorted);
        sorted.Sort();
        double cumulative = 0, theta = 0;

        // Walk from the largest entry down; the last index where u_j − (Σ_{r≤j} u_r − 1)/j > 0 fixes θ.
        for (var j = 1; j <= k; j++)
        {
            var u = sorted[k - j];
            cumulative += u;
            var candidate = (cumulative - 1) / j;
            if (u - candidate > 0)
            {
                theta = candidate;
            }
        }

        for (var i = 0; i < k; i++)
        {
            v[i] = Math.Max(v[i] - theta, 0);
        }
    }
}
