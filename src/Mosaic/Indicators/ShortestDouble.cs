using System.Runtime.CompilerServices;

namespace Mosaic.Indicators;

/// <summary>
/// Shortest round-trip decimal text of a double, the same bytes as
/// <c>double.ToString("R", CultureInfo.InvariantCulture)</c> (and <c>Utf8JsonWriter</c>'s
/// numbers), for magnitudes in [10⁻⁴, 10¹⁵), where that text is plain positional notation.
/// Two thirds of the extended indicator values need 16–17 digits, where the library's Grisu3
/// does much of its work twice; here the value's rounding interval is scaled by a power of ten
/// exactly (a 128-bit product and a shift: the value is m / 2ˢ with s ≥ 1 in this range), and the
/// shortest digits closest to the value (ties to even, as the library's Dragon4) are found by
/// dropping digits while the interval still holds a shorter number. Outside the range the caller
/// falls back to the library.
/// </summary>
internal static class ShortestDouble
{
    /// <summary>Bytes enough for any value this class formats.</summary>
    public const int MaxLength = 32;

    private const double Smallest = 1e-4;
    private const double Largest = 1e15;

    private static readonly UInt128[] PowersOfTen = [.. Enumerable.Range(0, 23).Select(Power)];

    /// <summary>The largest k with 2·10ᵏ below 2⁶⁴.</summary>
    private const int MaxWordPower = 18;

    private static readonly ulong[] PowersOfTenWord = [.. Enumerable.Range(0, MaxWordPower + 1).Select(n => (ulong)Power(n))];

    /// <summary>10ⁿ as doubles for n = −4 … 16 (index n + 4).</summary>
    private static readonly double[] PowersOfTenDouble = [.. Enumerable.Range(-4, 21).Select(n => double.Parse($"1e{n}", System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>
    /// Writes <paramref name="value"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxLength"/> bytes) and returns the length, or 0 when the value is outside the
    /// fast range (NaN, infinities, zero, tiny or huge magnitudes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int TryFormat(double value, Span<byte> destination)
    {
        var abs = Math.Abs(value);
        if (!(abs >= Smallest && abs < Largest))
        {
            return 0;
        }

        var bits = BitConverter.DoubleToUInt64Bits(abs);
        var biased = (int)(bits >> 52);
        var fraction = bits & ((1UL << 52) - 1);
        var m = fraction | (1UL << 52);
        // abs = m / 2^shift; in this range 1 <= shift <= 66, and the bounds below carry two more bits.
        var shift = 1075 - biased + 2;
        var acceptBounds = (m & 1) == 0;
        // The interval of reals that round to abs, times 4: (4m - 1 - lowerGap, 4m + 2); the gap
        // below is half as wide when abs is a power of two (the next lower double is closer).
        var lowerGap = fraction == 0 && biased > 1 ? 0UL : 1UL;
        // abs * 10^k has 17 to 19 digits before the point: with abs in [2^e, 2^(e+1)), ⌊e·log₁₀2⌋
        // (in integers, exact for |e| < 1650) is ⌊log₁₀ abs⌋ or one less, which the comparison
        // with the next power of ten corrects (up to the rounding of 10⁻ⁿ, one digit either way).
        var exponent10 = ((biased - 1023) * 78913) >> 18;
        if (abs >= PowersOfTenDouble[exponent10 + 5])
        {
            exponent10++;
        }

        var k = 17 - Math.Max(-4, exponent10);
        ulong vr, vp, vm;
        bool vrTrailingZeros, vmTrailingZeros, vpExact;
        if (k <= MaxWordPower && shift < 64)
        {
            // From 0.1 up the scale and twice it fit in a word: the same products and shifts as
            // below, on a (high, low) pair of words instead of the slower UInt128.
            var scale = PowersOfTenWord[k];
            var hi = Math.BigMul(4 * m, scale, out var lo);
            var up = scale << 1;
            var down = lowerGap == 0 ? scale : up;
            var loP = unchecked(lo + up);
            var hiP = hi + (loP < lo ? 1UL : 0UL);
            var loM = unchecked(lo - down);
            var hiM = hi - (lo < down ? 1UL : 0UL);
            var low = (1UL << shift) - 1;
            vr = (lo >> shift) | (hi << (64 - shift));
            vp = (loP >> shift) | (hiP << (64 - shift));
            vm = (loM >> shift) | (hiM << (64 - shift));
            vrTrailingZeros = (lo & low) == 0;
            vmTrailingZeros = acceptBounds && (loM & low) == 0;
            vpExact = (loP & low) == 0;
        }
        else
        {
            var scale = PowersOfTen[k];
            var mask = (UInt128.One << shift) - 1;
            // One 128-bit product; the bounds differ from it by small multiples of the scale.
            var exactR = (4 * m) * scale;
            var exactP = exactR + (scale << 1);
            var exactM = exactR - (lowerGap == 0 ? scale : scale << 1);
            vr = (ulong)(exactR >> shift);
            vp = (ulong)(exactP >> shift);
            vm = (ulong)(exactM >> shift);
            vrTrailingZeros = (exactR & mask) == 0;
            vmTrailingZeros = acceptBounds && (exactM & mask) == 0;
            vpExact = (exactP & mask) == 0;
        }

        if (!acceptBounds && vpExact)
        {
            vp--; // the upper bound itself rounds to the next double
        }

        var removed = 0;
        var lastRemoved = 0UL;
        while (vp / 10 > vm / 10)
        {
            vmTrailingZeros &= vm % 10 == 0;
            DropDigit(ref vr, ref vp, ref vm, ref lastRemoved, ref vrTrailingZeros);
            removed++;
        }

        while (vmTrailingZeros && vm % 10 == 0)
        {
            // The lower bound is in the interval and ends in zeros: shorter still.
            DropDigit(ref vr, ref vp, ref vm, ref lastRemoved, ref vrTrailingZeros);
            removed++;
        }

        if (vrTrailingZeros && lastRemoved == 5 && vr % 2 == 0)
        {
            lastRemoved = 4; // exactly half way: to the even digit
        }

        var output = vr + ((vr == vm && (!acceptBounds || !vmTrailingZeros)) || lastRemoved >= 5 ? 1UL : 0UL);
        while (output % 10 == 0)
        {
            output /= 10;
            removed++;
        }

        return Write(value < 0, output, removed - k, destination);
    }

    private static void DropDigit(ref ulong vr, ref ulong vp, ref ulong vm, ref ulong lastRemoved, ref bool vrTrailingZeros)
    {
        vrTrailingZeros &= lastRemoved == 0;
        lastRemoved = vr % 10;
        vr /= 10;
        vp /= 10;
        vm /= 10;
    }

    /// <summary>Writes ±<paramref name="digits"/> × 10^<paramref name="exponent"/> in positional notation.</summary>
    private static int Write(bool negative, ulong digits, int exponent, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[20];
        var count = 0;
        var d = digits;
        // Two digits a division while at least two remain.
        while (d >= 10)
        {
            var pair = (int)(d % 100);
            d /= 100;
            text[19 - count++] = (byte)('0' + (pair % 10));
            text[19 - count++] = (byte)('0' + (pair / 10)); // not a leading zero: d was ≥ 10
        }

        if (d != 0)
        {
            text[19 - count++] = (byte)('0' + (int)d);
        }

        var digitText = text[(20 - count)..];
        var at = 0;
        if (negative)
        {
            destination[at++] = (byte)'-';
        }

        var point = count + exponent; // digits before the decimal point
        if (point >= count)
        {
            digitText.CopyTo(destination[at..]);
            at += count;
            destination.Slice(at, point - count).Fill((byte)'0');
            at += point - count;
        }
        else if (point > 0)
        {
            digitText[..point].CopyTo(destination[at..]);
            at += point;
            destination[at++] = (byte)'.';
            digitText[point..].CopyTo(destination[at..]);
            at += count - point;
        }
        else
        {
            destination[at++] = (byte)'0';
            destination[at++] = (byte)'.';
            destination.Slice(at, -point).Fill((byte)'0');
            at += -point;
            digitText.CopyTo(destination[at..]);
            at += count;
        }

        return at;
    }

    private static UInt128 Power(int exponent)
    {
        var result = UInt128.One;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }
}
