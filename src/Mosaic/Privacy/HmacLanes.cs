using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mosaic.Privacy;

/// <summary>
/// HMAC-SHA256 of many short messages at once: eight SHA-256 computations run side by side, one
/// per 32-bit lane of a 256-bit vector, and the key's inner and outer pad blocks are hashed once
/// (their states are reused for every message), so a message of at most
/// <see cref="MaxMessageBytes"/> bytes costs two compressions shared eight ways. A library HMAC
/// call costs a few microseconds of set-up per message, which for a million subscriber ids was
/// the larger part of pseudonymisation. Only the first 8 bytes of each MAC are returned (the
/// pseudonym); the values are those of <see cref="System.Security.Cryptography.HMACSHA256"/>
/// (FIPS 180-4 and RFC 2104; a test compares them).
/// </summary>
internal sealed class HmacLanes
{
    /// <summary>Longest message that fits one block after the inner pad (64 − 1 − 8 bytes).</summary>
    public const int MaxMessageBytes = 55;

    private const int Lanes = 8;

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] InitialState = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    private readonly Vector256<uint>[] innerState = new Vector256<uint>[8];
    private readonly Vector256<uint>[] outerState = new Vector256<uint>[8];
    private readonly byte[] key;

    /// <summary>Prepares the pad states of <paramref name="key"/> (any length, as HMAC).</summary>
    public HmacLanes(ReadOnlySpan<byte> key)
    {
        this.key = key.ToArray();
        Span<byte> padded = stackalloc byte[64];
        padded.Clear();
        if (key.Length > 64)
        {
            System.Security.Cryptography.SHA256.HashData(key, padded);
        }
        else
        {
            key.CopyTo(padded);
        }

        Span<byte> pad = stackalloc byte[64];
        for (var i = 0; i < 64; i++)
        {
            pad[i] = (byte)(padded[i] ^ 0x36);
        }

        PadState(pad, innerState);
        for (var i = 0; i < 64; i++)
        {
            pad[i] = (byte)(padded[i] ^ 0x5c);
        }

        PadState(pad, outerState);
    }

    /// <summary>
    /// Computes the first 8 bytes (big-endian, as a signed integer) of the MAC of each message
    /// <c>i</c> in [<paramref name="from"/>, <paramref name="to"/>), written by <paramref name="write"/>
    /// (at most <paramref name="maxLength"/> bytes), into <paramref name="output"/>[i]. Messages
    /// longer than <see cref="MaxMessageBytes"/> go through the library HMAC. Thread-safe.
    /// </summary>
    public void Compute(int from, int to, int maxLength, MessageWriter write, Span<long> output)
    {
        ArgumentNullException.ThrowIfNull(write);
        var block = new uint[16 * Lanes];
        var indices = new int[Lanes];
        var message = new byte[Math.Max(64, maxLength)];
        Span<byte> mac = stackalloc byte[32];
        var lane = 0;
        for (var i = from; i < to; i++)
        {
            var length = write(i, message);
            if (length > MaxMessageBytes)
            {
                System.Security.Cryptography.HMACSHA256.HashData(key, message.AsSpan(0, length), mac);
                output[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(mac);
                continue;
            }

            // One padded block: message, 0x80, zeros, bit length of pad block + message (big-endian).
            message.AsSpan(length, 64 - length).Clear();
            message[length] = 0x80;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(56), (ulong)(64 + length) * 8);
            for (var t = 0; t < 16; t++)
            {
                block[(t * Lanes) + lane] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(t * 4));
            }

            indices[lane++] = i;
            if (lane == Lanes)
            {
                Finish(block, indices, lane, output);
                lane = 0;
            }
        }

        if (lane > 0)
        {
            Finish(block, indices, lane, output);
        }
    }

    /// <summary>Writes message <c>index</c> to <c>destination</c> and returns its length.</summary>
    public delegate int MessageWriter(int index, Span<byte> destination);

    private void Finish(uint[] block, int[] indices, int lanes, Span<long> output)
    {
        Span<Vector256<uint>> w = stackalloc Vector256<uint>[16];
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        var vectors = MemoryMarshal.Cast<uint, Vector256<uint>>(block.AsSpan());
        vectors.CopyTo(w);
        innerState.CopyTo(state);
        Compress(state, w);

        // Outer block: the inner digest (already one word per lane), 0x80, zeros, (64 + 32) * 8 bits.
        state.CopyTo(w);
        w[8] = Vector256.Create(0x80000000u);
        for (var t = 9; t < 15; t++)
        {
            w[t] = Vector256<uint>.Zero;
        }

        w[15] = Vector256.Create(768u);
        outerState.CopyTo(state);
        Compress(state, w);
        for (var l = 0; l < lanes; l++)
        {
            output[indices[l]] = unchecked((long)(((ulong)state[0].GetElement(l) << 32) | state[1].GetElement(l)));
        }
    }

    private static void PadState(ReadOnlySpan<byte> pad, Vector256<uint>[] target)
    {
        Span<Vector256<uint>> w = stackalloc Vector256<uint>[16];
        for (var t = 0; t < 16; t++)
        {
            w[t] = Vector256.Create(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(pad[(t * 4)..]));
        }

        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        for (var i = 0; i < 8; i++)
        {
            state[i] = Vector256.Create(InitialState[i]);
        }

        Compress(state, w);
        state.CopyTo(target);
    }

    /// <summary>One SHA-256 compression per lane: <paramref name="state"/> += rounds over block <paramref name="w"/> (the schedule is expanded in place, 16 words at a time).</summary>
    private static void Compress(Span<Vector256<uint>> state, Span<Vector256<uint>> w)
    {
        var a = state[0];
        var b = state[1];
        var c = state[2];
        var d = state[3];
        var e = state[4];
        var f = state[5];
        var g = state[6];
        var h = state[7];
        for (var t = 0; t < 64; t++)
        {
            Vector256<uint> word;
            if (t < 16)
            {
                word = w[t];
            }
            else
            {
                var w15 = w[(t - 15) & 15];
                var w2 = w[(t - 2) & 15];
                word = w[t & 15] = w[t & 15] + SmallSigma0(w15) + w[(t - 7) & 15] + SmallSigma1(w2);
            }

            var sum1 = BigSigma1(e);
            var choose = (e & f) ^ Vector256.AndNot(g, e);
            var t1 = h + sum1 + choose + Vector256.Create(RoundConstants[t]) + word;
            var sum0 = BigSigma0(a);
            var majority = (a & b) ^ (a & c) ^ (b & c);
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + sum0 + majority;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }

    // Rotations are one instruction with AVX-512 (VL); otherwise two shifts and an or.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma0(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 2) ^ Avx512F.VL.RotateRight(x, 13) ^ Avx512F.VL.RotateRight(x, 22)
        : Rotr(x, 2) ^ Rotr(x, 13) ^ Rotr(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma1(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 6) ^ Avx512F.VL.RotateRight(x, 11) ^ Avx512F.VL.RotateRight(x, 25)
        : Rotr(x, 6) ^ Rotr(x, 11) ^ Rotr(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma0(Vector256<uint> x) => (Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 7) ^ Avx512F.VL.RotateRight(x, 18)
        : Rotr(x, 7) ^ Rotr(x, 18)) ^ Vector256.ShiftRightLogical(x, 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma1(Vector256<uint> x) => (Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 17) ^ Avx512F.VL.RotateRight(x, 19)
        : Rotr(x, 17) ^ Rotr(x, 19)) ^ Vector256.ShiftRightLogical(x, 10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotr(Vector256<uint> x, int n) => Vector256.ShiftRightLogical(x, n) | Vector256.ShiftLeft(x, 32 - n);
}
