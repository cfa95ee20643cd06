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
        var top = ShiftLargestToZero(v);

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

        SubtractAndClip(v, theta);
    }

    /// <summary>
    /// The same projection by Michelot's method (1986): θ = (Σ_{v>θ} v − 1)/|{v > θ}| repeated
    /// until the support stops shrinking, O(k) per pass and a few passes, no sort. It sums in
    /// another order than <see cref="Project"/>, so results differ in the last bits: used from
    /// <see cref="MobilityObjective.BlockedThreshold"/> districts on only, where the blocked
    /// kernels already round differently.
    /// </summary>
    public static void ProjectUnsorted(Span<double> v)
    {
        var k = v.Length;
        ShiftLargestToZero(v);

        // θ starts below every entry (the j = k candidate is a lower bound of θ, as is −1) and
        // increases monotonically; the largest entry (0) always stays in the support.
        var theta = double.NegativeInfinity;
        var count = k + 1;
        for (var pass = 0; pass <= k; pass++)
        {
            var (sum, above) = SumAbove(v, theta);
            var next = (sum - 1) / above;
            if (above == count || !(next > theta))
            {
                break;
            }

            (theta, count) = (next, above);
        }

        SubtractAndClip(v, theta);
    }

    /// <summary>
    /// Subtracts the largest entry from every entry and returns it. The projection is invariant
    /// under v + c·1, and with the largest entry at 0 the sums stay free of cancellation when a
    /// long gradient step makes entries huge.
    /// </summary>
    private static double ShiftLargestToZero(Span<double> v)
    {
        var top = double.NegativeInfinity;
        foreach (var value in v)
        {
            top = Math.Max(top, value);
        }

        for (var i = 0; i < v.Length; i++)
        {
            v[i] -= top;
        }

        return top;
    }

    /// <summary>v ← max(v − θ, 0).</summary>
    private static void SubtractAndClip(Span<double> v, double theta)
    {
        for (var i = 0; i < v.Length; i++)
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
        var (sum, _) = SumAbove(v, double.NegativeInfinity);
        var bound = Math.Max(-1, (sum - 1) / v.Length);
        var (above, count) = SumAbove(v, bound);
        return count > 0 ? Math.Max(bound, (above - 1) / count) : bound;
    }

    /// <summary>The sum and number of the entries above <paramref name="threshold"/> (one Michelot pass).</summary>
    private static (double Sum, int Count) SumAbove(ReadOnlySpan<double> v, double threshold)
    {
        double sum = 0;
        var count = 0;
        foreach (var value in v)
        {
            if (value > threshold)
            {
                sum += value;
                count++;
            }
        }

        return (sum, count);
    }
}
