using System.Globalization;
using System.Text;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class ShortestDoubleTests
{
    [Fact]
    public void TryFormat_ManyDoubles_SameTextAsRoundTripFormatOrDeclined()
    {
        var random = new Random(20261123);
        var formatted = 0;
        foreach (var value in Values(random))
        {
            formatted += Check(value);
            formatted += Check(-value);
        }

        // Most of the values lie in the fast range; the rest must be declined, never mis-written.
        Assert.True(formatted > 300_000, $"only {formatted} values took the fast path");
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(2.0 / 3, "0.6666666666666666")]
    [InlineData(5e-324, null)]
    [InlineData(1e15, null)]
    [InlineData(0.0, null)]
    [InlineData(double.NaN, null)]
    public void TryFormat_KnownValues(double value, string? expected)
    {
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
        var length = ShortestDouble.TryFormat(value, text);
        Assert.Equal(expected, length == 0 ? null : Encoding.ASCII.GetString(text[..length]));
    }

    private static int Check(double value)
    {
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
        var length = ShortestDouble.TryFormat(value, text);
        if (length == 0)
        {
            var abs = Math.Abs(value);
            Assert.False(abs >= 1e-4 && abs < 1e15, $"declined {value:R}");
            return 0;
        }

        var expected = value.ToString("R", CultureInfo.InvariantCulture);
        var actual = Encoding.ASCII.GetString(text[..length]);
        if (expected != actual)
        {
            Assert.Fail($"{BitConverter.DoubleToInt64Bits(value):X}: expected {expected}, got {actual}");
        }

        return 1;
    }

    private static IEnumerable<double> Values(Random random)
    {
        for (var i = 0; i < 60_000; i++)
        {
            // Any bit pattern (most outside the range), then log-uniform magnitudes inside it.
            yield return BitConverter.Int64BitsToDouble(random.NextInt64());
            yield return Math.Pow(10, -4.5 + (random.NextDouble() * 20));
            // Statistics of small whole numbers: means, ratios, square roots, moments.
            var n = random.Next(1, 400);
            var sum = random.Next(0, 100_000);
            yield return (double)sum / n;
            yield return Math.Sqrt((double)sum / n);
            yield return (double)random.Next(1, n + 1) / n;
            yield return Math.Pow((double)sum / n, 1.5);
            // Short decimals, halves and their neighbours.
            var shortDecimal = random.Next(1, 10_000_000) / Math.Pow(10, random.Next(0, 9));
            yield return shortDecimal;
            yield return Math.BitIncrement(shortDecimal);
            yield return Math.BitDecrement(shortDecimal);
            yield return random.Next(0, 1 << 30) + 0.5;
        }

        // Powers of two and of ten and their neighbours (the uneven interval below a power of two).
        for (var e = -20; e < 60; e++)
        {
            var p = Math.Pow(2, e);
            yield return p;
            yield return Math.BitIncrement(p);
            yield return Math.BitDecrement(p);
        }

        for (var e = -5; e < 17; e++)
        {
            var p = Math.Pow(10, e);
            yield return p;
            yield return Math.BitIncrement(p);
            yield return Math.BitDecrement(p);
            yield return Math.BitIncrement(Math.BitIncrement(p));
            yield return Math.BitDecrement(Math.BitDecrement(p));
        }
    }
}
