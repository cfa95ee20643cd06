using System.Runtime.CompilerServices;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// Interns byte strings (UTF-8 field values) to dense indices without allocating per lookup:
/// an open-addressing table over a byte arena. Strings are materialised once, on request.
/// </summary>
internal sealed class ByteInterner
{
    private byte[] arena = new byte[1024];
    private int used;
    private int[] starts = new int[64];
    private int[] lengths = new int[64];
    private uint[] hashes = new uint[64];
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
        var hash = Hash(key);
        var found = Probe(key, hash, out var slot);
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
        }

        if (used + key.Length > arena.Length)
        {
            Array.Resize(ref arena, Math.Max(arena.Length * 2, used + key.Length));
        }

        key.CopyTo(arena.AsSpan(used));
        starts[id] = used;
        lengths[id] = key.Length;
        hashes[id] = hash;
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
    public int Find(ReadOnlySpan<byte> key) => Probe(key, Hash(key), out _);

    /// <summary>Linear probing: the entry of <paramref name="key"/>, or -1 and the free slot where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Probe(ReadOnlySpan<byte> key, uint hash, out int slot)
    {
        var mask = table.Length - 1;
        slot = (int)(hash & (uint)mask);
        while (true)
        {
            var index = table[slot];
            if (index < 0)
            {
                return -1;
            }

            if (hashes[index] == hash && arena.AsSpan(starts[index], lengths[index]).SequenceEqual(key))
            {
                return index;
            }

            slot = (slot + 1) & mask;
        }
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

    /// <summary>FNV-1a, then a multiplicative mix so that the low bits spread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Hash(ReadOnlySpan<byte> key)
    {
        var h = 2166136261u;
        foreach (var b in key)
        {
            h = unchecked((h ^ b) * 16777619u);
        }

        return unchecked(h * 2654435769u) ^ (h >> 16);
    }
}
