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

        // Only entries above a lower bound of θ can be in the support, and they are the largest
        // ones, so sorting just them walks the same prefix with the same sums: identical bits,
        // at a fraction of the sort when long steps leave most entries far below the others.
        var bound = LowerBoundOfTheta(v) - (1e-9 * (1 + Math.Abs(top)));
        var count = 0;
        foreach (var value in v)
        {
            if (value > bound)
            {
                scratch[count++] = value;
            }
        }

        var sorted = scratch[..count];
        sorted.Sort();
        double cumulative = 0, theta = 0;

        // Walk from the largest entry down; the last index where u_j − (Σ_{r≤j} u_r − 1)/j > 0 fixes θ.
        for (var j = 1; j <= count; j++)
        {
            var u = sorted[count - j];
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

    /// <summary>
    /// A lower bound of θ = max_j (Σ_{r≤j} u_r − 1)/j (u sorted decreasingly), with the largest
    /// entry shifted to 0: the largest of the j = 1 and j = k candidates, then one Michelot pass
    /// (the mean over the entries above a lower bound, less 1/count, is again a lower bound).
    /// Computed in another order than the walk, so the caller keeps a margin below it.
    /// </summary>
    private static double LowerBoundOfTheta(ReadOnlySpan<double> v)
    {
        double sum = 0;
        foreach (var value in v)
        {
            sum += value;
        }

        var bound = Math.Max(-1, (sum - 1) / v.Length);
        double above = 0;
        var count = 0;
        foreach (var value in v)
        {
            if (value > bound)
            {
                above += value;
                count++;
            }
        }

        return count > 0 ? Math.Max(bound, (above - 1) / count) : bound;
    }
}
