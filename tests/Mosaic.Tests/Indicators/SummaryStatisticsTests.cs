using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

/// <summary>The fast paths of <see cref="SummaryStatistics"/> against the library routines they replace.</summary>
public class SummaryStatisticsTests
{
    public static TheoryData<int, double, bool> SortCases => new()
    {
        // length, range of values, whole numbers: each case reaches one branch of the sort.
        { 0, 10, true },
        { 1, 10, true },
        { 5, 1000, true },
        { 20, 1000, true },
        { 20, 10, true },
        { 200, 30, true },
        { 200, 100_000, true },
        { 200, 1e8, true },
        { 200, 1e12, true },
        { 40, 1000, false },
        { 500, 1, false },
    };

    [Theory]
    [MemberData(nameof(SortCases))]
    public void Sort_RandomSpans_SameAsLibrarySort(int length, double range, bool whole)
    {
        var random = new Random(length + (int)Math.Log10(range + 1));
        for (var trial = 0; trial < 200; trial++)
        {
            var data = new double[length];
            var offset = random.Next(3) switch { 0 => 0.0, 1 => -range / 2, _ => range * 3 };
            for (var i = 0; i < length; i++)
            {
                var x = (random.NextDouble() * range) + offset;
                data[i] = whole ? Math.Floor(x) : x;
            }

            if (trial % 5 == 0)
            {
                Array.Sort(data); // already sorted
            }

            AssertSortsLikeLibrary(data);
        }
    }

    [Fact]
    public void Sort_WithNaN_SameAsLibrarySort()
    {
        double[] shortSpan = [3, double.NaN, 1, 2];
        double[] longSpan = [.. Enumerable.Range(0, 50).Select(i => i == 17 ? double.NaN : (i * 7) % 13)];
        AssertSortsLikeLibrary(shortSpan);
        AssertSortsLikeLibrary(longSpan);
    }

    [Fact]
    public void Sort_SkewedAndClumpedWholeNumbers_SameAsLibrarySort()
    {
        // Exponential gaps (the interevent times and call durations most weeks sort), and values
        // piled into one bucket beside an outlier (where the bucket sort gives way to the radix sort).
        var random = new Random(11);
        for (var trial = 0; trial < 300; trial++)
        {
            var length = 33 + random.Next(400);
            var mean = Math.Pow(10, 1 + (random.NextDouble() * 4));
            var data = new double[length];
            for (var i = 0; i < length; i++)
            {
                data[i] = Math.Floor(-Math.Log(1 - random.NextDouble()) * mean);
            }

            if (trial % 3 == 0)
            {
                for (var i = 0; i < length; i++)
                {
                    data[i] = random.Next(6);
                }

                data[random.Next(length)] = 1e6 + random.Next(1000);
            }

            AssertSortsLikeLibrary(data);
        }
    }

    public static TheoryData<int> RankSortLanes => new() { 8, 4 };

    [Theory]
    [MemberData(nameof(RankSortLanes))]
    public void RankSort_RandomSpans_SameBitsAsLibrarySort(int lanes)
    {
        // Both vector widths where the machine has them: whole numbers with many ties, exponential
        // gaps, signed fractions and infinities, every length up to past the rank sort's limit.
        if (!(lanes == 8 ? System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated))
        {
            return; // this machine has no vectors of that width, so Sort never uses them
        }

        var random = new Random(lanes);
        for (var length = 1; length <= 130; length++)
        {
            for (var kind = 0; kind < 4; kind++)
            {
                var data = new double[length];
                for (var i = 0; i < length; i++)
                {
                    data[i] = kind switch
                    {
                        0 => random.Next(5),
                        1 => Math.Floor(-Math.Log(1 - random.NextDouble()) * 10_000),
                        2 => (random.NextDouble() - 0.5) * 1e3,
                        _ => random.Next(4) switch { 0 => double.PositiveInfinity, 1 => double.NegativeInfinity, _ => random.Next(-3, 4) + 0.5 },
                    };
                }

                var expected = (double[])data.Clone();
                Array.Sort(expected);
                SummaryStatistics.RankSort(data, lanes);
                Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), data.Select(BitConverter.DoubleToInt64Bits));
            }
        }
    }

    [Fact]
    public void Sort_MixedZerosAndFractions_KeepsEveryNegativeZero()
    {
        // −0 and +0 compare equal: the rank sort would write one of them into both slots, so
        // spans with −0 go to the other sorts; with fractions that is the library sort, which
        // moves values without copying them. (Whole numbers go to the counting sort, which
        // writes +0 for both: the distributions never mix them.)
        double[] data = [.. Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : i + 0.5)];
        SummaryStatistics.Sort(data);
        Assert.Equal(14, data.Count(x => BitConverter.DoubleToInt64Bits(x) == long.MinValue));
        Assert.Equal(13, data.Count(x => BitConverter.DoubleToInt64Bits(x) == 0));
        Assert.True(data.SequenceEqual(data.Order()));
    }

    [Fact]
    public void ComputeSorted_MeanAndStdOnly_SameBitsAsAllStatistics()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 500; trial++)
        {
            var data = new double[1 + random.Next(80)];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = trial % 2 == 0 ? random.Next(1000) : random.NextDouble() * 1e4;
            }

            Array.Sort(data);
            var all = new double[SummaryStatistics.Count];
            var two = new double[SummaryStatistics.Count];
            SummaryStatistics.ComputeSorted(data, all);
            SummaryStatistics.ComputeSorted(data, two, kept: 2);
            Assert.Equal(BitConverter.DoubleToInt64Bits(all[0]), BitConverter.DoubleToInt64Bits(two[0]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(all[1]), BitConverter.DoubleToInt64Bits(two[1]));
        }
    }

    private static void AssertSortsLikeLibrary(double[] data)
    {
        var expected = (double[])data.Clone();
        Array.Sort(expected);
        SummaryStatistics.Sort(data);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void IsSmallWholeNumber_IntegerText_SameAsShortestRoundTrip()
    {
        var random = new Random(7);
        var values = new List<double> { 0.0, -0.0, 1.0, -1.0, 1e14, 1e15 - 1, 1e15, -1e15, 1e16, 0.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 123456789012345 };
        for (var e = 0; e < 17; e++)
        {
            values.Add(Math.Pow(10, e));
            values.Add(-Math.Pow(10, e) + 1);
        }

        for (var i = 0; i < 20_000; i++)
        {
            values.Add(Math.Floor(random.NextDouble() * Math.Pow(10, random.Next(17))) * (random.Next(2) == 0 ? 1 : -1));
            values.Add(random.NextDouble() * 1000);
        }

        var fast = 0;
        foreach (var v in values)
        {
            if (IndicatorWriter.IsSmallWholeNumber(v))
            {
                fast++;
                Assert.Equal(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.InRange(fast, 15_000, 25_000);
        Assert.False(IndicatorWriter.IsSmallWholeNumber(-0.0));
        Assert.False(IndicatorWriter.IsSmallWholeNumber(1e15));
        Assert.False(IndicatorWriter.IsSmallWholeNumber(double.NaN));
    }

    [Fact]
    public void Entropy_WholeAndFractionalTotals_SameBitsAsTheFormula()
    {
        var random = new Random(5);
        foreach (var total in new double[] { 1, 2, 3, 7, 100, 255, 256, 257, 1000, 12.5 })
        {
            for (var trial = 0; trial < 50; trial++)
            {
                // Counts that sum to the total (when whole), in any order, plus ones above it.
                var counts = new List<int>();
                var left = (int)total;
                while (left > 0)
                {
                    var c = random.Next(1, left + 1);
                    counts.Add(c);
                    left -= c;
                }

                if (trial % 10 == 0)
                {
                    counts.Add((int)total + 3);
                }

                var h = 0.0;
                foreach (var c in counts)
                {
                    var p = c / total;
                    h += p * Math.Log(p);
                }

                Assert.Equal(BitConverter.DoubleToInt64Bits(-h), BitConverter.DoubleToInt64Bits(SummaryStatistics.Entropy(counts.ToArray(), total)));
            }
        }
    }
}
