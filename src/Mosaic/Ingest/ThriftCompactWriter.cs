using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// The few parts of Thrift's compact protocol that Parquet's footer and page headers need:
/// structs, i32/i64 (zigzag varints), binary and string fields, booleans and lists. Fields
/// must be written in increasing id order within a struct, as the protocol's deltas assume.
/// </summary>
internal sealed class ThriftCompactWriter
{
    /// <summary>Compact type ids.</summary>
    public const byte True = 1, False = 2, I32 = 5, I64 = 6, Binary = 8, List = 9, Struct = 12;

    private readonly Stack<short> outer = new();
    private short last;

    /// <summary>The encoded bytes.</summary>
    public MemoryStream Output { get; } = new();

    /// <summary>Writes a field header; the caller writes the value.</summary>
    public void Field(short id, byte type)
    {
        var delta = id - last;
        if (delta is > 0 and <= 15)
        {
            Output.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            Output.WriteByte(type);
            Varint(ZigZag(id));
        }

        last = id;
    }

    /// <summary>An i32 field.</summary>
    public void I32Field(short id, int value)
    {
        Field(id, I32);
        Varint(ZigZag(value));
    }

    /// <summary>An i64 field.</summary>
    public void I64Field(short id, long value)
    {
        Field(id, I64);
        Varint(ZigZag(value));
    }

    /// <summary>A binary field.</summary>
    public void BinaryField(short id, ReadOnlySpan<byte> value)
    {
        Field(id, Binary);
        BinaryValue(value);
    }

    /// <summary>A string field (UTF-8).</summary>
    public void StringField(short id, string value) => BinaryField(id, Encoding.UTF8.GetBytes(value));

    /// <summary>A boolean field (the value is in the type nibble).</summary>
    public void BoolField(short id, bool value) => Field(id, value ? True : False);

    /// <summary>Starts a struct field; end it with <see cref="EndStruct"/>.</summary>
    public void BeginStructField(short id)
    {
        Field(id, Struct);
        BeginStruct();
    }

    /// <summary>Starts a struct value (a list element or the top level).</summary>
    public void BeginStruct()
    {
        outer.Push(last);
        last = 0;
    }

    /// <summary>Ends the current struct.</summary>
    public void EndStruct()
    {
        Output.WriteByte(0);
        last = outer.Pop();
    }

    /// <summary>Starts a list field of <paramref name="count"/> elements of <paramref name="elementType"/>.</summary>
    public void ListField(short id, byte elementType, int count)
    {
        Field(id, List);
        if (count < 15)
        {
            Output.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            Output.WriteByte((byte)(0xF0 | elementType));
            Varint((ulong)count);
        }
    }

    /// <summary>An i32 list element.</summary>
    public void I32Value(int value) => Varint(ZigZag(value));

    /// <summary>A binary list element.</summary>
    public void BinaryValue(ReadOnlySpan<byte> value)
    {
        Varint((ulong)value.Length);
        Output.Write(value);
    }

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            Output.WriteByte(unchecked((byte)(value | 0x80)));
            value >>= 7;
        }

        Output.WriteByte((byte)value);
    }

    private static ulong ZigZag(long value) => unchecked((ulong)((value << 1) ^ (value >> 63)));
}
