using System.Buffers.Binary;
using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// Interns byte strings (ids, cell codes) to dense indices in first-seen order, without a
/// .NET string per lookup: keys live in one byte arena, an open-addressing table holds each
/// key's 64-bit hash beside its index so that most probes touch one cache line. Indices do not
/// depend on the hash, so results are deterministic. Not thread-safe for writes.
/// </summary>
internal sealed class ByteKeyTable
{
    private byte[] arena = new byte[1 << 16];
    private int arenaUsed;
    private long[] keys = new long[1024];
    /// <summary>Per slot: the key's hash in the high 32 bits, its index + 1 in the low 32 (0 = empty).</summary>
    private ulong[] slots = new ulong[1 << 11];

    /// <summary>Keys interned so far.</summary>
    public int Count { get; private set; }

    /// <summary>The bytes of key <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Key(int index) => arena.AsSpan((int)(keys[index] >> 24), (int)(keys[index] & 0xFFFFFF));

    /// <summary>Key <paramref name="index"/> as text (keys are UTF-8).</summary>
    public string KeyString(int index) => Encoding.UTF8.GetString(Key(index));

    /// <summary>The index of a key, adding it when new.</summary>
    public int Intern(ReadOnlySpan<byte> key)
    {
        var hash = Hash(key);
        var slot = Find(key, hash);
        if (slots[slot] != 0)
        {
            return IndexIn(slots[slot]);
        }

        if (arenaUsed + key.Length > arena.Length)
        {
            Array.Resize(ref arena, Math.Max(arena.Length * 2, arenaUsed + key.Length));
        }

        if (Count == keys.Length)
        {
            Array.Resize(ref keys, keys.Length * 2);
        }

        key.CopyTo(arena.AsSpan(arenaUsed));
        keys[Count] = ((long)arenaUsed << 24) | (uint)key.Length;
        arenaUsed += key.Length;
        slots[slot] = (hash & 0xFFFFFFFF00000000) | (uint)++Count;
        if (Count * 2 > slots.Length)
        {
            Grow();
        }

        return Count - 1;
    }

    /// <summary>The index of a key; −1 when absent.</summary>
    public int IndexOf(ReadOnlySpan<byte> key) => IndexIn(slots[Find(key, Hash(key))]);

    /// <summary>The key index a slot holds (−1 for an empty slot).</summary>
    private static int IndexIn(ulong slot) => (int)(slot & 0xFFFFFFFF) - 1;

    private int Find(ReadOnlySpan<byte> key, ulong hash)
    {
        var mask = slots.Length - 1;
        var slot = (int)(hash & (uint)mask);
        var high = hash & 0xFFFFFFFF00000000;
        while (slots[slot] != 0 && ((slots[slot] & 0xFFFFFFFF00000000) != high || !Key(IndexIn(slots[slot])).SequenceEqual(key)))
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Grow()
    {
        var size = slots.Length * 2;
        slots = new ulong[size];
        for (var i = 0; i < Count; i++)
        {
            var hash = Hash(Key(i));
            var slot = (int)(hash & (uint)(size - 1));
            while (slots[slot] != 0)
            {
                slot = (slot + 1) & (size - 1);
            }

            slots[slot] = (hash & 0xFFFFFFFF00000000) | (uint)(i + 1);
        }
    }

    /// <summary>A fast non-cryptographic hash (8-byte words, multiply–xorshift mixing); keys shorter than 8 bytes are read byte by byte.</summary>
    private static ulong Hash(ReadOnlySpan<byte> key)
    {
        unchecked
        {
            const ulong Prime = 0x9E3779B97F4A7C15;
            var h = (ulong)key.Length * Prime;
            var i = 0;
            for (; i + 8 <= key.Length; i += 8)
            {
                h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(key[i..])) * Prime;
                h ^= h >> 29;
            }

            if (i < key.Length)
            {
                // The last (overlapping) word covers the tail without a byte loop when the key is long enough.
                ulong tail = 0;
                if (key.Length >= 8)
                {
                    tail = BinaryPrimitives.ReadUInt64LittleEndian(key[^8..]);
                }
                else
                {
                    for (var j = i; j < key.Length; j++)
                    {
                        tail = (tail << 8) | key[j];
                    }
                }

                h = (h ^ tail) * Prime;
            }

            h ^= h >> 32;
            h *= Prime;
            return h ^ (h >> 29);
        }
    }
}
