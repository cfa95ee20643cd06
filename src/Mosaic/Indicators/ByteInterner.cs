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
    private Slot[] table = new Slot[128];
    private int count;

    /// <summary>
    /// A table slot holds what a probe compares, so a lookup touches one cache line: the key's
    /// length and its packed word (keys of up to 8 bytes) or its hash (longer keys, whose bytes
    /// are then compared in the arena), and the entry's index plus one (0: an empty slot).
    /// </summary>
    private struct Slot
    {
        public ulong Word;
        public int Length;
        public int IdPlusOne;
    }

    public int Count => count;

    /// <summary>The index of <paramref name="key"/>, adding it when new (<paramref name="added"/> true).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Intern(ReadOnlySpan<byte> key, out bool added)
    {
        var word = Word(key);
        var found = Probe(key, word, out var slot);
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
        }

        if (used + key.Length > arena.Length)
        {
            Array.Resize(ref arena, Math.Max(arena.Length * 2, used + key.Length));
        }

        key.CopyTo(arena.AsSpan(used));
        starts[id] = used;
        lengths[id] = key.Length;
        used += key.Length;
        count++;
        table[slot] = new Slot { Word = word, Length = key.Length, IdPlusOne = count };
        if (count * 2 > table.Length)
        {
            Grow();
        }

        return id;
    }

    /// <summary>The index of <paramref name="key"/>, or -1 when absent (no change: safe for concurrent readers).</summary>
    public int Find(ReadOnlySpan<byte> key) => Probe(key, Word(key), out _);

    /// <summary>Linear probing: the entry of <paramref name="key"/>, or -1 and the free slot where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Probe(ReadOnlySpan<byte> key, ulong word, out int slot)
    {
        var table = this.table;
        var mask = table.Length - 1;
        slot = (int)(Mix(word, key.Length) & (uint)mask);
        while (true)
        {
            ref var entry = ref table[slot];
            if (entry.IdPlusOne == 0)
            {
                return -1;
            }

            // A short key is its length and its packed word; a longer one needs its bytes compared.
            if (entry.Word == word && entry.Length == key.Length
                && (key.Length <= PackedMaximum || arena.AsSpan(starts[entry.IdPlusOne - 1], key.Length).SequenceEqual(key)))
            {
                return entry.IdPlusOne - 1;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Removes every key, keeping the grown arrays for reuse.</summary>
    public void Clear()
    {
        if (table.Length > KeptSlots)
        {
            // After a very large key set, start small again rather than hold its memory.
            arena = new byte[1024];
            starts = new int[64];
            lengths = new int[64];
            table = new Slot[128];
        }
        else if (count > 0)
        {
            Array.Clear(table);
        }

        count = 0;
        used = 0;
    }

    /// <summary>The largest table <see cref="Clear"/> keeps (1 MB of slots).</summary>
    private const int KeptSlots = 1 << 16;

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
        var old = table;
        table = new Slot[old.Length * 2];
        var mask = table.Length - 1;
        foreach (var entry in old)
        {
            if (entry.IdPlusOne == 0)
            {
                continue;
            }

            var slot = (int)(Mix(entry.Word, entry.Length) & (uint)mask);
            while (table[slot].IdPlusOne != 0)
            {
                slot = (slot + 1) & mask;
            }

            table[slot] = entry;
        }
    }

    private const int PackedMaximum = 8;

    /// <summary>
    /// A key of up to 8 bytes as one word that, together with the length, determines its bytes:
    /// two overlapping 4-byte reads from 4 bytes on, the first, middle and last byte below.
    /// Longer keys: their FNV-1a hash (their bytes are compared too).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Word(ReadOnlySpan<byte> key)
    {
        var length = key.Length;
        if (length >= 4)
        {
            return length > PackedMaximum
                ? Fnv(key)
                : BinaryPrimitives.ReadUInt32LittleEndian(key) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(key[(length - 4)..]) << 32);
        }

        return length == 0 ? 0 : key[0] | ((ulong)key[length / 2] << 8) | ((ulong)key[length - 1] << 16);
    }

    private static ulong Fnv(ReadOnlySpan<byte> key)
    {
        var h = 14695981039346656037UL;
        foreach (var b in key)
        {
            h = unchecked((h ^ b) * 1099511628211UL);
        }

        return h;
    }

    /// <summary>
    /// The table position of a word and length: the word folded onto itself (so its high bytes
    /// reach the low bits), then a Fibonacci multiply whose high half is well mixed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix(ulong word, int length) =>
        unchecked((uint)(((word ^ (word >> 29) ^ ((ulong)length << 56)) * 0x9E3779B97F4A7C15UL) >> 32));
}
