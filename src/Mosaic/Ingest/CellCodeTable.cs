using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// The canonical id of each known cell code, for the fast reader's two lookups per row. Codes
/// of at most 8 bytes without a NUL (the usual case: <c>C01561</c>) are packed into one 64-bit
/// word and found with one probe of a small table, with no byte comparison; other codes go to
/// a <see cref="ByteKeyTable"/>. A field is only looked up where the fast reader accepts its
/// file, which holds no NUL byte, so a short field can only equal a short code.
/// </summary>
internal sealed class CellCodeTable
{
    /// <summary>Returned for a code that is not a known cell.</summary>
    public const int Unknown = int.MinValue;

    private readonly ulong[] shortKeys;
    private readonly int[] shortIds;
    private readonly int shift;
    private readonly ByteKeyTable longCodes = new();
    private readonly List<int> longIds = [];

    /// <summary>Builds the table from every known cell code with its canonical id.</summary>
    public CellCodeTable(IReadOnlyList<(string Code, int Id)> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var size = 64;
        while (size < cells.Count * 4)
        {
            size *= 2;
        }

        shortKeys = new ulong[size];
        shortIds = new int[size];
        shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
        foreach (var (code, id) in cells)
        {
            var bytes = Encoding.UTF8.GetBytes(code);
            if (Pack(bytes) is var key and not 0)
            {
                // A repeated code keeps its last id, as before this table.
                var slot = Slot(key);
                shortKeys[slot] = key;
                shortIds[slot] = id;
            }
            else if (longCodes.Intern(bytes) is var index && index == longIds.Count)
            {
                longIds.Add(id);
            }
            else
            {
                longIds[index] = id;
            }
        }
    }

    /// <summary>The canonical id of <paramref name="code"/>; <see cref="Unknown"/> when it is not a known cell.</summary>
    public int IdOf(ReadOnlySpan<byte> code)
    {
        if (Pack(code) is var key and not 0)
        {
            var slot = Slot(key);
            return shortKeys[slot] == key ? shortIds[slot] : Unknown;
        }

        var index = longCodes.IndexOf(code);
        return index < 0 ? Unknown : longIds[index];
    }

    /// <summary>The slot holding <paramref name="key"/>, or the empty slot where it would go (the table is never more than a quarter full).</summary>
    private int Slot(ulong key)
    {
        var mask = shortKeys.Length - 1;
        var slot = (int)(unchecked(key * 0x9E3779B97F4A7C15) >> shift);
        while (shortKeys[slot] != key && shortKeys[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    /// <summary>The bytes of a 1–8 byte code without a NUL as one word (distinct codes give distinct words); 0 for any other code.</summary>
    private static ulong Pack(ReadOnlySpan<byte> code)
    {
        if (code.IsEmpty || code.Length > 8)
        {
            return 0;
        }

        ulong key = 0;
        for (var i = code.Length - 1; i >= 0; i--)
        {
            if (code[i] == 0)
            {
                return 0;
            }

            key = (key << 8) | code[i];
        }

        return key;
    }
}
