using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class IndicatorWriterTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(7.0)]
    [InlineData(-12345.0)]
    [InlineData(0.1)]
    [InlineData(1.0 / 3)]
    [InlineData(-2.5e-4)]
    [InlineData(5e-5)]
    [InlineData(5e-324)]
    [InlineData(1e15)]
    [InlineData(123456789012345678.0)]
    [InlineData(double.MaxValue)]
    [InlineData(double.MinValue)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void FormatJsonNumber_EdgeValues_SameBytesAsUtf8JsonWriter(double value) =>
        Assert.Equal(ThroughWriter(value), Direct(value));

    [Fact]
    public void FormatJsonNumber_RandomDoubles_SameBytesAsUtf8JsonWriter()
    {
        Assert.Equal("-0", Direct(-0.0));
        Assert.Equal(ThroughWriter(-0.0), Direct(-0.0));
        var random = new Random(20261123);
        for (var i = 0; i < 20_000; i++)
        {
            // Random bit patterns cover tiny, huge and fast-range values alike.
            var value = BitConverter.Int64BitsToDouble(random.NextInt64());
            Assert.Equal(ThroughWriter(value), Direct(value));
        }
    }

    [Fact]
    public void FormatCsvNumber_EdgeAndRandomDoubles_SameTextAsRoundTripString()
    {
        double[] edges = [0.0, -0.0, 7.0, -12345.0, 0.1, 1.0 / 3, -2.5e-4, 5e-5, 5e-324, 999999999999999.0, 1e15, 123456789012345678.0, double.MaxValue, double.MinValue, double.NaN, double.NegativeInfinity];
        var random = new Random(20261124);
        var values = edges.Concat(Enumerable.Range(0, 20_000).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64())))
            .Concat(Enumerable.Range(0, 2_000).Select(i => i / 8.0));
        var text = new byte[32];
        foreach (var value in values)
        {
            // The text the CSV had when it went through strings: "R", and nothing for bandicoot's None.
            var expected = double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";
            Assert.Equal(expected, Encoding.ASCII.GetString(text, 0, IndicatorWriter.FormatCsvNumber(value, text)));
        }
    }

    [Fact]
    public void RowBuffer_GrowsDetachesAndReusesReleasedArrays()
    {
        var pool = new RowArrayPool();
        var buffer = new RowBuffer(pool);
        var expected = new List<byte>();
        for (var i = 0; i < 30_000; i++)
        {
            // Enough small pieces to outgrow the first array at least once.
            var piece = Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture) + ",");
            buffer.Write(piece);
            expected.AddRange(piece);
        }

        buffer.WriteByte((byte)'\n');
        expected.Add((byte)'\n');
        var first = buffer.Detach(2);
        Assert.Equal(expected.Skip(2).ToArray(), first.Span.ToArray());

        buffer.WriteText("é,x");
        var second = buffer.Detach(0);
        Assert.NotSame(first.Array, second.Array);
        Assert.Equal("é,x"u8.ToArray(), second.Span.ToArray());

        pool.Return(first.Array);
        buffer.WriteByte((byte)'y');
        Assert.Same(first.Array, buffer.Detach(0).Array);
    }

    private static string Direct(double value)
    {
        Span<byte> text = stackalloc byte[32];
        return Encoding.ASCII.GetString(text[..IndicatorWriter.FormatJsonNumber(value, text)]);
    }

    /// <summary>What the writer wrote before values were formatted directly: integers, shortest doubles, null for NaN.</summary>
    private static string ThroughWriter(double value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            if (IndicatorWriter.IsSmallWholeNumber(value))
            {
                w.WriteNumberValue((long)value);
            }
            else if (double.IsFinite(value))
            {
                w.WriteNumberValue(value);
            }
            else
            {
                w.WriteNullValue();
            }
        }

        return Encoding.ASCII.GetString(stream.ToArray());
    }
}
