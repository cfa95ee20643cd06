using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

        Sort(data);
        ComputeSorted(data, stats);
    }

    /// <summary>
    /// <see cref="Compute"/> of a non-empty distribution already in ascending order. With
    /// <paramref name="kept"/> ≤ 2 only the mean and std are computed (the others are left as
    /// they were): the same sums in the same order, so the same two values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ComputeSorted(ReadOnlySpan<double> data, Span<double> stats, int kept = Count)
    {
        var n = data.Length;
        var sum = 0.0;
        foreach (var x in data)
        {
            sum += x;
        }

        var mean = sum / n;
        if (kept <= 2)
        {
            var squares = 0.0;
            if (n > 1)
            {
                foreach (var x in data)
                {
                    var d = x - mean;
                    squares += d * d;
                }

                squares /= n;
            }

            stats[0] = mean;
            stats[1] = Math.Sqrt(squares);
            return;
        }

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

    /// <summary>
    /// Sorts ascending, as <c>Span.Sort()</c> does, but faster for
    /// the short, integer-valued distributions most indicators have (counts, seconds): short
    /// spans by insertion, up to 64 values by rank (<see cref="RankSort"/>; 32 with 256-bit vectors),
    /// integer values in a small range by counting, other values up to twice that many by rank,
    /// longer integer spans by a bucket or radix sort on the offset from the minimum, anything
    /// else (fractions, NaN, huge ranges) by the library sort.
    /// Ascending order of a set of numbers is unique, so the result is the same array of values
    /// whichever way it is sorted (the distributions never mix −0 and +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<double> data)
    {
        var n = data.Length;
        if (n <= ShortSpan)
        {
            InsertionSort(data);
            return;
        }

        // Up to 64 values by rank; up to 128 by rank unless counting is cheaper (a small range of whole numbers).
        var inOrder = false;
        var plain = n <= 2 * RankSortMaximum && IsPlain(data, out inOrder);
        if (plain && (inOrder || n <= RankSortMaximum))
        {
            if (!inOrder)
            {
                RankSort(data, RankSortLanes);
            }

            return;
        }

        var min = data[0];
        var max = data[0];
        var sorted = true;
        var previous = data[0];
        foreach (var x in data)
        {
            // NaN and fractions fail the first test; the limit keeps max − min within an int.
            if (x != Math.Floor(x) || Math.Abs(x) > IntegerSortLimit)
            {
                if (plain)
                {
                    RankSort(data, RankSortLanes);
                }
                else if (!IsSorted(data))
                {
                    data.Sort();
                }

                return;
            }

            sorted &= previous <= x;
            previous = x;
            min = Math.Min(min, x);
            max = Math.Max(max, x);
        }

        if (sorted)
        {
            return;
        }

        var range = (int)(max - min);
        if (range < CountingSortMaximumRange || range < 2 * n)
        {
            CountingSort(data, min, range);
        }
        else if (plain)
        {
            RankSort(data, RankSortLanes);
        }
        else if (n <= InsertionSortMaximum)
        {
            InsertionSort(data);
        }
        else if (!BucketSort(data, min, range))
        {
            RadixSort(data, min, range);
        }
    }

    /// <summary>
    /// Merges two ascending spans into <paramref name="output"/> (of their total length): the
    /// ascending order of the union, so the same values as sorting it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Merge(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> output)
    {
        int i = 0, j = 0, k = 0;
        while (i < a.Length && j < b.Length)
        {
            output[k++] = b[j] < a[i] ? b[j++] : a[i++];
        }

        a[i..].CopyTo(output[k..]);
        b[j..].CopyTo(output[(k + a.Length - i)..]);
    }

    /// <summary>Puts <paramref name="value"/> in order into <paramref name="data"/>, whose first Length − 1 values are ascending.</summary>
    public static void InsertLast(Span<double> data, double value)
    {
        var j = data.Length - 2;
        while (j >= 0 && data[j] > value)
        {
            data[j + 1] = data[j];
            j--;
        }

        data[j + 1] = value;
    }

    /// <summary>Vector lanes of the rank sort: 8 with 512-bit vectors, 4 with 256-bit ones, 0 (no rank sort) without.</summary>
    internal static readonly int RankSortLanes =
        Vector512.IsHardwareAccelerated ? Vector512<double>.Count : Vector256.IsHardwareAccelerated ? Vector256<double>.Count : 0;

    /// <summary>Spans up to this length are sorted by rank: at most eight vector comparisons per value.</summary>
    private static readonly int RankSortMaximum = RankSortLanes * 8;

    /// <summary>Whether no value is NaN or −0 (the values <see cref="RankSort"/> cannot place), and whether they are already in order.</summary>
    private static bool IsPlain(ReadOnlySpan<double> data, out bool inOrder)
    {
        var sorted = true;
        var special = false;
        var previous = data[0];
        foreach (var x in data)
        {
            sorted &= previous <= x;
            special |= double.IsNaN(x) | (BitConverter.DoubleToInt64Bits(x) == long.MinValue);
            previous = x;
        }

        inOrder = sorted;
        return !special;
    }

    /// <summary>
    /// Sorts values without NaN or −0 by rank: each value goes to the slot numbered by how many
    /// values are smaller, counted <paramref name="lanes"/> (8 or 4) at a time by vector
    /// comparisons; equal values land in one slot and the empty slots after it take its value.
    /// Quadratic but branch-free: for the tens of values of a week's gaps, durations or counts
    /// it is several times faster than the bucket and counting sorts, whose loops exit at
    /// unpredictable points. NaN marks the empty slots, so the values must have none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RankSort(Span<double> data, int lanes)
    {
        var n = data.Length;
        var padded = (n + lanes - 1) & -lanes;
        Span<double> values = padded <= 256 ? stackalloc double[padded] : new double[padded];
        data.CopyTo(values);
        // Padding is never smaller than a value.
        values[n..].Fill(double.PositiveInfinity);
        data.Fill(double.NaN);
        ref var first = ref MemoryMarshal.GetReference(values);
        if (lanes == Vector512<double>.Count)
        {
            for (var i = 0; i < n; i++)
            {
                var x = Vector512.Create(values[i]);
                var smaller = 0;
                for (var k = 0; k < padded; k += Vector512<double>.Count)
                {
                    smaller += BitOperations.PopCount(Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.LoadUnsafe(ref first, (nuint)k), x)));
                }

                data[smaller] = values[i];
            }
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                var x = Vector256.Create(values[i]);
                var smaller = 0;
                for (var k = 0; k < padded; k += Vector256<double>.Count)
                {
                    smaller += BitOperations.PopCount(Vector256.ExtractMostSignificantBits(Vector256.LessThan(Vector256.LoadUnsafe(ref first, (nuint)k), x)));
                }

                data[smaller] = values[i];
            }
        }

        for (var i = 1; i < n; i++)
        {
            var v = data[i];
            data[i] = double.IsNaN(v) ? data[i - 1] : v;
        }
    }

    private static bool IsSorted(ReadOnlySpan<double> data)
    {
        for (var i = 1; i < data.Length; i++)
        {
            if (!(data[i - 1] <= data[i]))
            {
                return false;
            }
        }

        return true;
    }

    private const int ShortSpan = 6;
    private const int InsertionSortMaximum = 32;
    private const double IntegerSortLimit = 1 << 29;
    private const int CountingSortMaximumRange = 64;

    [ThreadStatic]
    private static int[]? sortKeys;

    [ThreadStatic]
    private static int[]? sortSpare;

    [ThreadStatic]
    private static int[]? sortCounts;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InsertionSort(Span<double> data)
    {
        for (var i = 1; i < data.Length; i++)
        {
            var x = data[i];
            if (double.IsNaN(x) || double.IsNaN(data[0]))
            {
                // Comparisons with NaN are all false: leave NaN placement to the library sort.
                data.Sort();
                return;
            }

            var j = i - 1;
            while (j >= 0 && data[j] > x)
            {
                data[j + 1] = data[j];
                j--;
            }

            data[j + 1] = x;
        }
    }

    /// <summary>Integers in [min, min + range]: counts per value, then the values in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CountingSort(Span<double> data, double min, int range)
    {
        var counts = Scratch(ref sortCounts, range + 1);
        counts.Clear();
        foreach (var x in data)
        {
            counts[(int)(x - min)]++;
        }

        var at = 0;
        for (var v = 0; v <= range; v++)
        {
            var value = min + v;
            for (var c = counts[v]; c > 0; c--)
            {
                data[at++] = value;
            }
        }
    }

    /// <summary>
    /// Integers in [min, min + range], range ≥ 2n: a counting sort on the high bits of the offset
    /// from the minimum (fewer than 2n buckets, so each holds a few values of a smooth
    /// distribution), then an insertion pass that orders each bucket. Much cheaper than the radix
    /// sort's 256-entry passes for the tens to hundreds of values most weeks have. False, data
    /// untouched, when a bucket holds more than <see cref="BucketMaximum"/> values (a clumped
    /// distribution, where the insertion pass could take quadratic time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool BucketSort(Span<double> data, double min, int range)
    {
        var n = data.Length;
        var shift = 0;
        while ((range >> shift) >= 2 * n)
        {
            shift++;
        }

        var buckets = (range >> shift) + 1;
        var starts = Scratch(ref sortCounts, buckets + 1);
        starts.Clear();
        foreach (var x in data)
        {
            starts[((int)(x - min) >> shift) + 1]++;
        }

        var largest = 0;
        for (var b = 1; b <= buckets; b++)
        {
            largest = Math.Max(largest, starts[b]);
            starts[b] += starts[b - 1];
        }

        if (largest > BucketMaximum)
        {
            return false;
        }

        var spare = Scratch(ref sortValues, n);
        foreach (var x in data)
        {
            spare[starts[(int)(x - min) >> shift]++] = x;
        }

        // Values are in bucket order: each moves back only past larger values of its own bucket.
        for (var i = 0; i < n; i++)
        {
            var x = spare[i];
            var j = i - 1;
            while (j >= 0 && data[j] > x)
            {
                data[j + 1] = data[j];
                j--;
            }

            data[j + 1] = x;
        }

        return true;
    }

    private const int BucketMaximum = 16;

    [ThreadStatic]
    private static double[]? sortValues;

    private static Span<double> Scratch(ref double[]? array, int length)
    {
        if (array is null || array.Length < length)
        {
            array = new double[Math.Max(length, 1024)];
        }

        return array.AsSpan(0, length);
    }

    /// <summary>Integers in [min, min + range]: least-significant-digit radix sort of the offsets, 8 bits a pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RadixSort(Span<double> data, double min, int range)
    {
        var n = data.Length;
        var keys = Scratch(ref sortKeys, n);
        var spare = Scratch(ref sortSpare, n);
        for (var i = 0; i < n; i++)
        {
            keys[i] = (int)(data[i] - min);
        }

        Span<int> histogram = stackalloc int[256];
        for (var shift = 0; shift < 32 && (range >> shift) != 0; shift += 8)
        {
            histogram.Clear();
            foreach (var k in keys)
            {
                histogram[(k >> shift) & 0xFF]++;
            }

            var total = 0;
            for (var b = 0; b < 256; b++)
            {
                var c = histogram[b];
                histogram[b] = total;
                total += c;
            }

            foreach (var k in keys)
            {
                spare[histogram[(k >> shift) & 0xFF]++] = k;
            }

            var swap = keys;
            keys = spare;
            spare = swap;
        }

        for (var i = 0; i < n; i++)
        {
            data[i] = min + keys[i];
        }
    }

    private static Span<int> Scratch(ref int[]? array, int length)
    {
        if (array is null || array.Length < length)
        {
            array = new int[Math.Max(length, 1024)];
        }

        return array.AsSpan(0, length);
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
        if (total is >= 1 and <= EntropyTermsMaximum && total == Math.Floor(total))
        {
            // Whole totals (record and bin counts) are mostly small: each term p·ln p is
            // computed once per thread by the same expression and then looked up.
            var row = EntropyRow((int)total);
            foreach (var c in counts)
            {
                h += c >= 1 && c <= row.Length ? row[c - 1] : EntropyTerm(c, total);
            }

            return -h;
        }

        foreach (var c in counts)
        {
            h += EntropyTerm(c, total);
        }

        return -h;
    }

    private const int EntropyTermsMaximum = 256;

    [ThreadStatic]
    private static double[]?[]? entropyTerms;

    private static double EntropyTerm(int count, double total)
    {
        var p = count / total;
        return p * Math.Log(p);
    }

    /// <summary>p·ln p for p = c / <paramref name="total"/>, c = 1 … total (index c − 1), made on first use.</summary>
    private static double[] EntropyRow(int total)
    {
        entropyTerms ??= new double[]?[EntropyTermsMaximum + 1];
        if (entropyTerms[total] is { } row)
        {
            return row;
        }

        row = new double[total];
        for (var c = 1; c <= total; c++)
        {
            row[c - 1] = EntropyTerm(c, total);
        }

        return entropyTerms[total] = row;
    }

    /// <summary>
    /// How many of the largest weights it takes to reach ⌈total·0.8⌉ (bandicoot's pareto rule):
    /// weights are taken largest first until the target is met.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ParetoCount(Span<double> weights, double total)
    {
        Sort(weights);
        return ParetoCountSorted(weights, total);
    }

    /// <summary><see cref="ParetoCount"/> of weights already in ascending order.</summary>
    public static int ParetoCountSorted(ReadOnlySpan<double> weights, double total)
    {
        var target = Math.Ceiling(total * 0.8);
        var taken = 0;
        for (var i = weights.Length - 1; i >= 0 && target > 0; i--)
        {
            target -= weights[i];
            taken++;
        }

        return taken;
    }

    /// <summary>Great-circle distance in km on a sphere of radius 6371 km (haversine), as bandicoot.</summary>
    public static double GreatCircle(double lat1, double lon1, double lat2, double lon2) =>
        GreatCircle(lat1, lon1, CosLatitude(lat1), lat2, lon2, CosLatitude(lat2));

    /// <summary>The cosine of a latitude in degrees, as <see cref="GreatCircle(double, double, double, double, double, double)"/> takes it.</summary>
    public static double CosLatitude(double lat) => Math.Cos(double.DegreesToRadians(lat));

    /// <summary>
    /// <see cref="GreatCircle(double, double, double, double)"/> with the latitudes' cosines given
    /// (<see cref="CosLatitude"/>), so a caller measuring many distances computes each once; the
    /// same operations in the same order, so the same result to the last bit.
    /// </summary>
    public static double GreatCircle(double lat1, double lon1, double cosLat1, double lat2, double lon2, double cosLat2)
    {
        const double r = 6371.0;
        var dLat = double.DegreesToRadians(lat1 - lat2);
        var dLon = double.DegreesToRadians(lon1 - lon2);
        var sinLat = Math.Sin(dLat / 2);
        var sinLon = Math.Sin(dLon / 2);
        var a = (sinLat * sinLat) + (cosLat1 * cosLat2 * sinLon * sinLon);
        return r * 2.0 * Math.Asin(Math.Sqrt(a));
    }
}
