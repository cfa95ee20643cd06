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
