using System.Runtime.CompilerServices;

namespace Mosaic.Indicators;

/// <summary>
/// bandicoot's statistics of a distribution. All use the population normaliser N: <c>std</c> is
/// √(m₂), skewness m₃/m₂^1.5 and kurtosis m₄/m₂² (non-excess; 0 when m₂ = 0), where
/// mₖ = Σ(x − mean)ᵏ / N and every moment of one value is 0. The median is the mean of the two
/// middle values. An empty distribution gives NaN (bandicoot's None) for every statistic.
/// </summary>
internal static class SummaryStatistics
{
    /// <summary>Statistics in bandicoot's extended order: mean, std, median, skewness, kurtosis, min, max.</summary>
    public const int Count = 7;

    /// <summary>Fills <paramref name="stats"/> (length 7) from <paramref name="data"/>, which is sorted in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(Span<double> data, Span<double> stats)
    {
        if (data.IsEmpty)
        {
            stats[..Count].Fill(double.NaN);
            return;
        }

        data.Sort();
        var n = data.Length;
        var sum = 0.0;
        foreach (var x in data)
        {
            sum += x;
        }

        var mean = sum / n;
        double m2 = 0, m3 = 0, m4 = 0;
        if (n > 1)
        {
            foreach (var x in data)
            {
                var d = x - mean;
                var d2 = d * d;
                m2 += d2;
                m3 += d2 * d;
                m4 += d2 * d2;
            }

            m2 /= n;
            m3 /= n;
            m4 /= n;
        }

        stats[0] = mean;
        stats[1] = Math.Sqrt(m2);
        stats[2] = (data[n / 2] + data[(n - 1) / 2]) / 2.0;
        stats[3] = m2 != 0 ? m3 / Math.Pow(m2, 1.5) : 0.0;
        stats[4] = m2 != 0 ? m4 / (m2 * m2) : 0.0;
        stats[5] = data[0];
        stats[6] = data[n - 1];
    }

    /// <summary>Mean and population std of the non-NaN values; both NaN when there are none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Mean, double Std) MeanStd(ReadOnlySpan<double> values)
    {
        var n = 0;
        var sum = 0.0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                n++;
            }
        }

        if (n == 0)
        {
            return (double.NaN, double.NaN);
        }

        var mean = sum / n;
        if (n == 1)
        {
            return (mean, 0.0);
        }

        var m2 = 0.0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                m2 += (v - mean) * (v - mean);
            }
        }

        return (mean, Math.Sqrt(m2 / n));
    }

    /// <summary>Shannon entropy (natural log) of counts, in the order given.</summary>
    public static double Entropy(ReadOnlySpan<int> counts, double total)
    {
        if (counts.IsEmpty)
        {
            return double.NaN;
        }

        var h = 0.0;
        foreach (var c in counts)
        {
            var p = c / total;
            h += p * Math.Log(p);
        }

        return -h;
    }

    /// <summary>
    /// How many of the largest weights it takes to reach ⌈total·0.8⌉ (bandicoot's pareto rule):
    /// weights are taken largest first until the target is met.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ParetoCount(Span<double> weights, double total)
    {
        var target = Math.Ceiling(total * 0.8);
        weights.Sort();
        var taken = 0;
        for (var i = weights.Length - 1; i >= 0 && target > 0; i--)
        {
            target -= weights[i];
            taken++;
        }

        return taken;
    }

    /// <summary>Great-circle distance in km on a sphere of radius 6371 km (haversine), as bandicoot.</summary>
    public static double GreatCircle(double lat1, double lon1, double lat2, double lon2)
    {
        const double r = 6371.0;
        var dLat = double.DegreesToRadians(lat1 - lat2);
        var dLon = double.DegreesToRadians(lon1 - lon2);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
                + (Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return r * 2.0 * Math.Asin(Math.Sqrt(a));
    }
}
