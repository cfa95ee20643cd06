using System.Globalization;
using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// Interns subscriber ids to dense indices in first-seen order. Phone-number-like ids (an
/// optional <c>+</c> and 1–17 digits) are packed into one 64-bit key (digits, digit count, sign),
/// so a lookup is a single probe of a table whose slots hold the key itself: one cache miss, no
/// byte comparison. Any other id goes through a <see cref="ByteKeyTable"/> and gets a key with
/// the top bit set. Indices do not depend on hashing, so results are deterministic. Not
/// thread-safe for writes.
/// </summary>
internal sealed class IdTable
{
    private const ulong OtherFlag = 1UL << 63;
    private const ulong PlusFlag = 1UL << 62;
    private const int LengthShift = 57;
    private const int MaxDigits = 17;

    private readonly ByteKeyTable others = new();
    /// <summary>Slot s holds a key at 2s and its index at 2s + 1, so a probe touches one cache line; key 0 = empty.</summary>
    private ulong[] slots;
    private ulong[] keys;
    private int shift;

    /// <summary>Creates a table sized for about <paramref name="expected"/> ids (it grows as needed).</summary>
    public IdTable(int expected = 1024)
    {
        var size = 1024;
        while (size < expected * 2)
        {
            size *= 2;
        }

        slots = HugePageArray.Zeroed<ulong>(size * 2);
        shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
        keys = HugePageArray.Uninitialized<ulong>(Math.Max(16, expected));
    }

    /// <summary>The longest id in UTF-8 bytes (an upper bound for <see cref="Write"/>).</summary>
    public int MaxLength { get; private set; } = MaxDigits + 1;

    /// <summary>Ids interned so far.</summary>
    public int Count { get; private set; }

    /// <summary>The index of an id, adding it when new.</summary>
    public int Intern(ReadOnlySpan<byte> id) => InternKey(KeyOf(id));

    /// <summary>
    /// The key of an id for <see cref="InternKeys"/>. An id that is not phone-number-like is
    /// interned here, in its byte-keyed table, so keys must be interned in the order they were
    /// made for indices to stay first-seen order.
    /// </summary>
    public ulong KeyOf(ReadOnlySpan<byte> id) => Pack(id) is var key and not 0 ? key : Other(id);

    /// <summary>
    /// Interns many keys from <see cref="KeyOf"/> in order (the same indices as one
    /// <see cref="Intern"/> each): their slots are prefetched first, so the table's cache misses
    /// overlap instead of coming one per id.
    /// </summary>
    public void InternKeys(ReadOnlySpan<ulong> batch, Span<int> indices)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            foreach (var key in batch)
            {
                Prefetch(ref slots[2 * Home(key)]);
            }
        }

        for (var i = 0; i < batch.Length; i++)
        {
            indices[i] = InternKey(batch[i]);
        }
    }

    private static unsafe void Prefetch(ref ulong slot) =>
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref slot));

    private int Home(ulong key) => (int)(unchecked(key * 0x9E3779B97F4A7C15) >> shift);

    /// <summary>Interns every id of <paramref name="other"/> in its order; returns each one's index here.</summary>
    public int[] InternAll(IdTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var indices = HugePageArray.Uninitialized<int>(other.Count);
        Span<ulong> batch = stackalloc ulong[64];
        for (var from = 0; from < indices.Length; from += batch.Length)
        {
            var n = Math.Min(batch.Length, indices.Length - from);
            for (var i = 0; i < n; i++)
            {
                var key = other.keys[from + i];
                batch[i] = (key & OtherFlag) == 0 ? key : Other(other.others.Key(unchecked((int)(uint)key)));
            }

            InternKeys(batch[..n], indices.AsSpan(from, n));
        }

        return indices;
    }

    /// <summary>The key of an id that is not phone-number-like.</summary>
    private ulong Other(ReadOnlySpan<byte> id)
    {
        MaxLength = Math.Max(MaxLength, id.Length);
        return OtherFlag | (uint)others.Intern(id);
    }

    /// <summary>Id <paramref name="index"/> as UTF-8 bytes, written to <paramref name="destination"/>; returns the byte count.</summary>
    public int Write(int index, Span<byte> destination)
    {
        var key = keys[index];
        if ((key & OtherFlag) != 0)
        {
            var bytes = others.Key(unchecked((int)(uint)key));
            bytes.CopyTo(destination);
            return bytes.Length;
        }

        var length = (int)((key >> LengthShift) & 31);
        var at = 0;
        if ((key & PlusFlag) != 0)
        {
            destination[at++] = (byte)'+';
        }

        var value = key & ((1UL << LengthShift) - 1);
        for (var i = at + length - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        return at + length;
    }

    /// <summary>Id <paramref name="index"/> as text.</summary>
    public string KeyString(int index)
    {
        var key = keys[index];
        if ((key & OtherFlag) != 0)
        {
            return others.KeyString(unchecked((int)(uint)key));
        }

        Span<byte> bytes = stackalloc byte[MaxDigits + 1];
        return Encoding.ASCII.GetString(bytes[..Write(index, bytes)]);
    }

    /// <summary>Id <paramref name="index"/> as a signed 64-bit integer (for <c>--no-pseudonymize</c>); false when it is not one.</summary>
    public bool TryGetInteger(int index, out long value) =>
        long.TryParse(KeyString(index), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>The packed key of a phone-number-like id; 0 when the id is not one.</summary>
    private static ulong Pack(ReadOnlySpan<byte> id)
    {
        ulong flags = 0;
        if (!id.IsEmpty && id[0] == '+')
        {
            flags = PlusFlag;
            id = id[1..];
        }

        if (id.IsEmpty || id.Length > MaxDigits)
        {
            return 0;
        }

        ulong value = 0;
        foreach (var b in id)
        {
            var d = unchecked((uint)(b - '0'));
            if (d > 9)
            {
                return 0;
            }

            value = (value * 10) + d;
        }

        return flags | ((ulong)id.Length << LengthShift) | value;
    }

    /// <summary>The index of an id; −1 when absent.</summary>
    public int IndexOf(ReadOnlySpan<byte> id)
    {
        var key = Pack(id);
        if (key == 0)
        {
            var other = others.IndexOf(id);
            if (other < 0)
            {
                return -1;
            }

            key = OtherFlag | (uint)other;
        }

        var slot = Find(key);
        return slots[2 * slot] == 0 ? -1 : (int)slots[(2 * slot) + 1];
    }

    /// <summary>The slot holding <paramref name="key"/>, or the empty slot where it would go.</summary>
    private int Find(ulong key)
    {
        var mask = (slots.Length / 2) - 1;
        var slot = Home(key);
        while (slots[2 * slot] != key && slots[2 * slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private int InternKey(ulong key)
    {
        var slot = Find(key);
        if (slots[2 * slot] == key)
        {
            return (int)slots[(2 * slot) + 1];
        }

        if (Count == keys.Length)
        {
            var larger = HugePageArray.Uninitialized<ulong>(keys.Length * 2);
            keys.AsSpan().CopyTo(larger);
            keys = larger;
        }

        keys[Count] = key;
        slots[2 * slot] = key;
        slots[(2 * slot) + 1] = (ulong)Count;
        Count++;
        if (Count * 4 > slots.Length)
        {
            Grow();
        }

        return Count - 1;
    }

    private void Grow()
    {
        var size = slots.Length;
        slots = HugePageArray.Zeroed<ulong>(size * 2);
        shift--;
        for (var i = 0; i < Count; i++)
        {
            var slot = (int)(unchecked(keys[i] * 0x9E3779B97F4A7C15) >> shift);
            while (slots[2 * slot] != 0)
            {
                slot = (slot + 1) & (size - 1);
            }

            slots[2 * slot] = keys[i];
            slots[(2 * slot) + 1] = (ulong)i;
        }
    }
}
