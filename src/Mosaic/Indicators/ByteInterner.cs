using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// Interns byte strings (UTF-8 field values) to dense indices without allocating per lookup:
/// an open-addressing table over a byte arena. Strings are materialised once, on request. Keys
/// of up to 8 bytes (antenna ids, most correspondent ids) are also packed into one 64-bit word,
/// which is both hashed and compared instead of the bytes.
/// </summary>
internal sealed class ByteInterner
{
    private byte[] arena = new byte[1024];
    private int used;
    private int[] starts = new int[64];
    private int[] lengths = new int[64];
    private uint[] hashes = new uint[64];
    private ulong[] packed = new ulong[64];
    private int[] table = new int[128];
    private int count;

    public ByteInterner()
    {
        Array.Fill(table, -1);
    }

    public int Count => count;

    /// <summary>The index of <paramref name="key"/>, adding it when new (<paramref name="added"/> true).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Intern(ReadOnlySpan<byte> key, out bool added)
    {
        var word = Pack(key);
        var hash = Hash(key, word);
        var found = Probe(key, word, hash, out var slot);
        if (found >= 0)
        {
            added = false;
            return found;
        }

        added = true;
        var id = count;
        if (id == starts.Length)
        {
            Array.Resize(ref starts, id * 2);
            Array.Resize(ref lengths, id * 2);
            Array.Resize(ref hashes, id * 2);
            Array.Resize(ref packed, id * 2);
        }

        if (used + key.Length > arena.Length)
        {
            Array.Resize(ref arena, Math.Max(arena.Length * 2, used + key.Length));
        }

        key.CopyTo(arena.AsSpan(used));
        starts[id] = used;
        lengths[id] = key.Length;
        hashes[id] = hash;
        packed[id] = word;
        used += key.Length;
        count++;
        table[slot] = id;
        if (count * 2 > table.Length)
        {
            Grow();
        }

        return id;
    }

    /// <summary>The index of <paramref name="key"/>, or -1 when absent (no change: safe for concurrent readers).</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        var word = Pack(key);
        return Probe(key, word, Hash(key, word), out _);
    }

    /// <summary>Linear probing: the entry of <paramref name="key"/>, or -1 and the free slot where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Probe(ReadOnlySpan<byte> key, ulong word, uint hash, out int slot)
    {
        var mask = table.Length - 1;
        slot = (int)(hash & (uint)mask);
        var isShort = key.Length <= PackedMaximum;
        while (true)
        {
            var index = table[slot];
            if (index < 0)
            {
                return -1;
            }

            // A short key is its length and its packed word; a longer one needs its bytes compared.
            if (hashes[index] == hash && lengths[index] == key.Length
                && (isShort ? packed[index] == word : arena.AsSpan(starts[index], lengths[index]).SequenceEqual(key)))
            {
                return index;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Removes every key, keeping the grown arrays for reuse.</summary>
    public void Clear()
    {
        if (count > 0)
        {
            Array.Fill(table, -1);
        }

        count = 0;
        used = 0;
    }

    /// <summary>
    /// The keys as strings, made on first call from a copy of the keys as they are now, so the
    /// interner can be cleared and reused meanwhile.
    /// </summary>
    public Func<string[]> Snapshot()
    {
        var bytes = arena.AsSpan(0, used).ToArray();
        var ends = new int[count];
        for (var i = 0; i < count; i++)
        {
            ends[i] = starts[i] + lengths[i];
        }

        return () =>
        {
            var names = new string[ends.Length];
            for (var i = 0; i < names.Length; i++)
            {
                var start = i == 0 ? 0 : ends[i - 1];
                names[i] = Encoding.UTF8.GetString(bytes, start, ends[i] - start);
            }

            return names;
        };
    }

    /// <summary>The string of entry <paramref name="index"/> (UTF-8 decoded).</summary>
    public string GetString(int index) => Encoding.UTF8.GetString(arena, starts[index], lengths[index]);

    private void Grow()
    {
        table = new int[table.Length * 2];
        Array.Fill(table, -1);
        var mask = table.Length - 1;
        for (var id = 0; id < count; id++)
        {
            var slot = (int)(hashes[id] & (uint)mask);
            while (table[slot] >= 0)
            {
                slot = (slot + 1) & mask;
            }

            table[slot] = id;
        }
    }

    private const int PackedMaximum = 8;

    /// <summary>
    /// A key of up to 8 bytes as one word that, together with the length, determines its bytes:
    /// two overlapping 4-byte reads from 4 bytes on, the first, middle and last byte below.
    /// Longer keys: 0 (they are compared byte by byte).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(ReadOnlySpan<byte> key)
    {
        var length = key.Length;
        if (length >= 4)
        {
            return length > PackedMaximum
                ? 0
                : BinaryPrimitives.ReadUInt32LittleEndian(key) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(key[(length - 4)..]) << 32);
        }

        return length == 0 ? 0 : key[0] | ((ulong)key[length / 2] << 8) | ((ulong)key[length - 1] << 16);
    }

    /// <summary>
    /// Short keys: their word and length through a 64-bit finaliser (MurmurHash3's), so every byte
    /// moves the low bits the table uses. Longer keys: FNV-1a, then a multiplicative mix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Hash(ReadOnlySpan<byte> key, ulong word)
    {
        if (key.Length <= PackedMaximum)
        {
            var x = word ^ ((ulong)key.Length << 58);
            x = unchecked((x ^ (x >> 33)) * 0xFF51AFD7ED558CCDUL);
            x = unchecked((x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53UL);
            return unchecked((uint)(x ^ (x >> 33)));
        }

        var h = 2166136261u;
        foreach (var b in key)
        {
            h = unchecked((h ^ b) * 16777619u);
        }

        return unchecked(h * 2654435769u) ^ (h >> 16);
    }
}
