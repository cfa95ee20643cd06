using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Mosaic.Data;

namespace Mosaic.Ingest;

/// <summary>The accepted calls of the fast path, columnar, and the order to write them in (the first <see cref="Rows"/> entries of <see cref="Order"/>).</summary>
internal sealed record CallColumns(
    int[] Order, long[] Caller, long[] Callee, long[] Ticks, int[] Duration, bool[] IsText, int[] CallerCell, int[] CalleeCell)
{
    /// <summary>Rows to write.</summary>
    public int Rows { get; init; } = Order.Length;
}

/// <summary>
/// A purpose-built writer of <c>calls.parquet</c> for the fast ingest path: the canonical schema
/// (caller_id, callee_id INT64; start_time INT64 TIMESTAMP(MICROS, not adjusted to UTC);
/// duration_s INT32; kind STRING, dictionary-encoded; caller_cell, callee_cell optional INT32),
/// one data page per column chunk, PLAIN values, zstd-compressed pages, min/max statistics for
/// the integer columns. Row groups are gathered and encoded on all cores and written in order;
/// the Thrift footer is written here too (the format is small and public). The file is written
/// under a temporary name and renamed when complete.
/// </summary>
internal static class CallsParquetWriter
{
    private const int TypeInt32 = 1, TypeInt64 = 2, TypeByteArray = 6;
    private const int EncodingPlain = 0, EncodingRle = 3, EncodingRleDictionary = 8;
    private const int CodecUncompressed = 0, CodecZstd = 6;
    private const int PageData = 0, PageDictionary = 2;
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    private static readonly (string Name, int Type, bool Optional)[] Columns =
    [
        ("caller_id", TypeInt64, false), ("callee_id", TypeInt64, false), ("start_time", TypeInt64, false), ("duration_s", TypeInt32, false),
        ("kind", TypeByteArray, false), ("caller_cell", TypeInt32, true), ("callee_cell", TypeInt32, true),
    ];

    /// <summary>Writes the rows of <paramref name="columns"/> in their order to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, CallColumns columns, int rowGroupRows, int threads, bool compress = true)
    {
        var finalPath = Path.GetFullPath(path);
        var tempPath = AtomicFile.TempPathFor(finalPath);
        try
        {
            // Direct I/O: the file's bytes need not be copied into fresh page-cache pages.
            using (var stream = new Indicators.DirectOutputFile(tempPath))
            {
                stream.Write("PAR1"u8);
                var rows = columns.Rows;
                var groups = (rows + rowGroupRows - 1) / rowGroupRows;
                var written = new List<(int Rows, ChunkInfo[] Chunks)>();
                // One buffer set per core, reused by every row group: fresh pages are expensive.
                var buffers = new GroupBuffer?[threads];
                try
                {
                    // Encode a batch of row groups on all cores, then write the batch in order.
                    for (var first = 0; first < groups; first += threads)
                    {
                        var batch = new EncodedGroup[Math.Min(threads, groups - first)];
                        Parallel.For(0, batch.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, b =>
                        {
                            var from = (first + b) * rowGroupRows;
                            var output = buffers[b] ??= new GroupBuffer(Math.Min(rowGroupRows, rows), compress);
                            batch[b] = EncodeGroup(columns, output, from, Math.Min(rowGroupRows, rows - from));
                        });
                        foreach (var group in batch)
                        {
                            var start = stream.Length;
                            stream.Write(group.Bytes.AsSpan(0, group.Length));
                            written.Add((group.Rows, group.Chunks.Select(c => c with { Offset = c.Offset + start, DictionaryOffset = c.DictionaryOffset < 0 ? -1 : c.DictionaryOffset + start }).ToArray()));
                        }
                    }
                }
                finally
                {
                    foreach (var buffer in buffers)
                    {
                        buffer?.Dispose();
                    }
                }

                var footer = Footer(rows, written, compress);
                stream.Write(footer);
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, footer.Length);
                stream.Write(length);
                stream.Write("PAR1"u8);
                stream.Complete();
            }

            File.Move(tempPath, finalPath, overwrite: true);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    /// <summary>One encoded row group: its column chunks back to back (offsets relative to the group's start).</summary>
    private sealed record EncodedGroup(byte[] Bytes, int Length, int Rows, ChunkInfo[] Chunks);

    /// <summary>Where a column chunk is and what its metadata says.</summary>
    private sealed record ChunkInfo(long Offset, long DictionaryOffset, long CompressedSize, long UncompressedSize, long NullCount, byte[]? Min, byte[]? Max);

    private static EncodedGroup EncodeGroup(CallColumns c, GroupBuffer output, int from, int n)
    {
        var order = c.Order.AsSpan(from, n);
        output.Reset();
        var chunks = new ChunkInfo[Columns.Length];
        chunks[0] = output.Plain64(order, c.Caller, micros: false);
        chunks[1] = output.Plain64(order, c.Callee, micros: false);
        chunks[2] = output.Plain64(order, c.Ticks, micros: true);
        chunks[3] = output.Plain32(order, c.Duration);
        chunks[4] = output.Kind(order, c.IsText);
        chunks[5] = output.OptionalCell(order, c.CallerCell);
        chunks[6] = output.OptionalCell(order, c.CalleeCell);
        return new EncodedGroup(output.Bytes, output.Length, n, chunks);
    }

    /// <summary>The file footer: schema, row groups with their column chunks, column orders.</summary>
    private static byte[] Footer(long rows, List<(int Rows, ChunkInfo[] Chunks)> groups, bool compress)
    {
        var t = new ThriftCompactWriter();
        t.BeginStruct();
        t.I32Field(1, 1); // version
        t.ListField(2, ThriftCompactWriter.Struct, Columns.Length + 1);
        t.BeginStruct();
        t.StringField(4, "schema");
        t.I32Field(5, Columns.Length);
        t.EndStruct();
        foreach (var (name, type, optional) in Columns)
        {
            t.BeginStruct();
            t.I32Field(1, type);
            t.I32Field(3, optional ? 1 : 0); // OPTIONAL : REQUIRED
            t.StringField(4, name);
            if (name == "kind")
            {
                t.I32Field(6, 0); // converted type UTF8
                t.BeginStructField(10); // logical type
                t.BeginStructField(1); // STRING
                t.EndStruct();
                t.EndStruct();
            }
            else if (name == "start_time")
            {
                t.BeginStructField(10);
                t.BeginStructField(8); // TIMESTAMP
                t.BoolField(1, false); // isAdjustedToUTC
                t.BeginStructField(2); // unit
                t.BeginStructField(2); // MICROS
                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
            }

            t.EndStruct();
        }

        t.I64Field(3, rows);
        t.ListField(4, ThriftCompactWriter.Struct, groups.Count);
        foreach (var (groupRows, chunks) in groups)
        {
            t.BeginStruct();
            t.ListField(1, ThriftCompactWriter.Struct, chunks.Length);
            for (var i = 0; i < chunks.Length; i++)
            {
                var chunk = chunks[i];
                var (name, type, _) = Columns[i];
                var dictionary = chunk.DictionaryOffset >= 0;
                t.BeginStruct();
                t.I64Field(2, dictionary ? chunk.DictionaryOffset : chunk.Offset); // file_offset
                t.BeginStructField(3); // ColumnMetaData
                t.I32Field(1, type);
                int[] encodings = dictionary ? [EncodingPlain, EncodingRle, EncodingRleDictionary] : [EncodingPlain, EncodingRle];
                t.ListField(2, ThriftCompactWriter.I32, encodings.Length);
                foreach (var e in encodings)
                {
                    t.I32Value(e);
                }

                t.ListField(3, ThriftCompactWriter.Binary, 1);
                t.BinaryValue(System.Text.Encoding.UTF8.GetBytes(name));
                t.I32Field(4, compress ? CodecZstd : CodecUncompressed);
                t.I64Field(5, groupRows);
                t.I64Field(6, chunk.UncompressedSize);
                t.I64Field(7, chunk.CompressedSize);
                t.I64Field(9, chunk.Offset);
                if (dictionary)
                {
                    t.I64Field(11, chunk.DictionaryOffset);
                }

                t.BeginStructField(12); // statistics
                t.I64Field(3, chunk.NullCount);
                if (chunk.Max is not null && chunk.Min is not null)
                {
                    t.BinaryField(5, chunk.Max);
                    t.BinaryField(6, chunk.Min);
                }

                t.EndStruct();
                t.EndStruct();
                t.EndStruct();
            }

            t.I64Field(2, chunks.Sum(c => c.UncompressedSize));
            t.I64Field(3, groupRows);
            t.EndStruct();
        }

        t.StringField(6, "Mosaic ingest");
        t.ListField(7, ThriftCompactWriter.Struct, Columns.Length); // column orders: type-defined (signed for ints)
        foreach (var _ in Columns)
        {
            t.BeginStruct();
            t.BeginStructField(1);
            t.EndStruct();
            t.EndStruct();
        }

        t.EndStruct();
        return t.Output.ToArray();
    }

    /// <summary>
    /// Appends pages to a growing row-group buffer; holds the scratch arrays of encoding, sized
    /// for <c>rows</c> rows per group, so that one buffer serves every group a core encodes.
    /// </summary>
    private sealed class GroupBuffer(int rows, bool compress) : IDisposable
    {
        private readonly ZstdSharp.Compressor? compressor = compress ? new ZstdSharp.Compressor(1) : null;

        /// <summary>A page's payload: any column's values, definition levels and bit-packed flags fit.</summary>
        private readonly byte[] scratch = HugePageArray.Uninitialized<byte>((rows * 8) + (rows / 8) + 64);
        private readonly byte[]? compressed = compress ? HugePageArray.Uninitialized<byte>(ZstdSharp.Compressor.GetCompressBound((rows * 8) + (rows / 8) + 64)) : null;
        private readonly int[] gathered = HugePageArray.Uninitialized<int>(rows);
        private readonly bool[] flags = HugePageArray.Uninitialized<bool>(rows);

        public byte[] Bytes { get; private set; } = HugePageArray.Uninitialized<byte>((rows * 40) + (1 << 16));

        public int Length { get; private set; }

        public void Dispose() => compressor?.Dispose();

        /// <summary>Empties the buffer for the next row group.</summary>
        public void Reset() => Length = 0;

        /// <summary>
        /// A required 64-bit column in row order; <paramref name="micros"/> turns ticks into
        /// microseconds since the Unix epoch. Values are gathered in a loop of loads only (the
        /// row order is random, so the loads miss the cache and should overlap), then converted
        /// and scanned for min/max in order.
        /// </summary>
        public ChunkInfo Plain64(ReadOnlySpan<int> order, long[] values, bool micros)
        {
            var target = MemoryMarshal.Cast<byte, long>(scratch.AsSpan(0, order.Length * 8));
            Gather(order, values, target);
            long min = long.MaxValue, max = long.MinValue;
            for (var i = 0; i < target.Length; i++)
            {
                var v = micros ? (target[i] - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond : target[i];
                target[i] = v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            var offset = Length;
            var sizes = Page(PageData, scratch.AsSpan(0, order.Length * 8), order.Length, EncodingPlain);
            return new ChunkInfo(offset, -1, sizes.Compressed, sizes.Uncompressed, 0, Bytes64(min), Bytes64(max));
        }

        public ChunkInfo Plain32(ReadOnlySpan<int> order, int[] values)
        {
            var target = MemoryMarshal.Cast<byte, int>(scratch.AsSpan(0, order.Length * 4));
            Gather(order, values, target);
            int min = int.MaxValue, max = int.MinValue;
            foreach (var v in target)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            var offset = Length;
            var sizes = Page(PageData, scratch.AsSpan(0, order.Length * 4), order.Length, EncodingPlain);
            return new ChunkInfo(offset, -1, sizes.Compressed, sizes.Uncompressed, 0, Bytes32(min), Bytes32(max));
        }

        /// <summary>kind: a two-entry dictionary (call, text) and one bit per row.</summary>
        public ChunkInfo Kind(ReadOnlySpan<int> order, bool[] isText)
        {
            var dictionaryOffset = Length;
            var dictionary = Page(PageDictionary, "\u0004\0\0\0call\u0004\0\0\0text"u8, 2, EncodingPlain);
            Gather(order, isText, flags);
            var length = 0;
            scratch[length++] = 1; // bit width
            length += BitPacked(scratch.AsSpan(length), flags.AsSpan(0, order.Length));
            var offset = Length;
            var data = Page(PageData, scratch.AsSpan(0, length), order.Length, EncodingRleDictionary);
            return new ChunkInfo(offset, dictionaryOffset, dictionary.Compressed + data.Compressed, dictionary.Uncompressed + data.Uncompressed, 0, null, null);
        }

        /// <summary>An optional cell column: definition levels (RLE/bit-packed, after a 4-byte length), then the non-null values.</summary>
        public ChunkInfo OptionalCell(ReadOnlySpan<int> order, int[] cells)
        {
            var defined = flags;
            var rowCells = gathered.AsSpan(0, order.Length);
            Gather(order, cells, rowCells);
            long nulls = 0;
            for (var i = 0; i < rowCells.Length; i++)
            {
                defined[i] = rowCells[i] >= 0;
                nulls += defined[i] ? 0 : 1;
            }

            var length = 4;
            if (nulls == 0)
            {
                length += Varint(scratch.AsSpan(length), (ulong)order.Length << 1); // one RLE run of 1s
                scratch[length++] = 1;
            }
            else
            {
                length += BitPacked(scratch.AsSpan(length), defined.AsSpan(0, order.Length));
            }

            BinaryPrimitives.WriteInt32LittleEndian(scratch, length - 4);
            int min = int.MaxValue, max = int.MinValue;
            var values = MemoryMarshal.Cast<byte, int>(scratch.AsSpan(length, (order.Length - (int)nulls) * 4));
            var at = 0;
            foreach (var cell in rowCells)
            {
                if (cell >= 0)
                {
                    values[at++] = cell;
                    min = Math.Min(min, cell);
                    max = Math.Max(max, cell);
                }
            }

            length += at * 4;
            var offset = Length;
            var sizes = Page(PageData, scratch.AsSpan(0, length), order.Length, EncodingPlain);
            return new ChunkInfo(offset, -1, sizes.Compressed, sizes.Uncompressed, nulls, at == 0 ? null : Bytes32(min), at == 0 ? null : Bytes32(max));
        }

        /// <summary>target[i] = values[order[i]].</summary>
        private static void Gather<T>(ReadOnlySpan<int> order, T[] values, Span<T> target)
        {
            for (var i = 0; i < order.Length; i++)
            {
                target[i] = values[order[i]];
            }
        }

        /// <summary>Writes a page header and the (compressed) payload; returns the sizes including the header.</summary>
        private (long Compressed, long Uncompressed) Page(int type, ReadOnlySpan<byte> payload, int values, int encoding)
        {
            var body = compressed is null ? payload : compressed.AsSpan(0, compressor!.Wrap(payload, compressed));
            var header = new ThriftCompactWriter();
            header.BeginStruct();
            header.I32Field(1, type);
            header.I32Field(2, payload.Length);
            header.I32Field(3, body.Length);
            if (type == PageData)
            {
                header.BeginStructField(5);
                header.I32Field(1, values);
                header.I32Field(2, encoding);
                header.I32Field(3, EncodingRle); // definition levels
                header.I32Field(4, EncodingRle); // repetition levels (none)
                header.EndStruct();
            }
            else
            {
                header.BeginStructField(7);
                header.I32Field(1, values);
                header.I32Field(2, encoding);
                header.EndStruct();
            }

            header.EndStruct();
            var head = header.Output.GetBuffer().AsSpan(0, (int)header.Output.Length);
            Append(head);
            Append(body);
            return (head.Length + body.Length, head.Length + payload.Length);
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > Bytes.Length)
            {
                var larger = HugePageArray.Uninitialized<byte>(Math.Max(Bytes.Length * 2, Length + bytes.Length));
                Bytes.AsSpan(0, Length).CopyTo(larger);
                Bytes = larger;
            }

            bytes.CopyTo(Bytes.AsSpan(Length));
            Length += bytes.Length;
        }

        /// <summary>One bit-packed run (bit width 1) of a flag per row; returns the bytes written.</summary>
        private static int BitPacked(Span<byte> target, ReadOnlySpan<bool> flags)
        {
            var groups = (flags.Length + 7) / 8;
            var length = Varint(target, ((ulong)groups << 1) | 1);
            var bits = target.Slice(length, groups);
            bits.Clear();
            for (var i = 0; i < flags.Length; i++)
            {
                if (flags[i])
                {
                    bits[i >> 3] |= (byte)(1 << (i & 7));
                }
            }

            return length + groups;
        }

        private static int Varint(Span<byte> target, ulong value)
        {
            var at = 0;
            while (value >= 0x80)
            {
                target[at++] = unchecked((byte)(value | 0x80));
                value >>= 7;
            }

            target[at++] = (byte)value;
            return at;
        }

        private static byte[] Bytes64(long value)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            return bytes;
        }

        private static byte[] Bytes32(int value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
            return bytes;
        }
    }
}
