using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// Where the fields of an operator call file are: column positions (−1 when absent), the field
/// count and the delimiter, plus the reference data the fast reader classifies rows with.
/// </summary>
internal sealed record FastCallLayout(
    int FieldCount, byte Delimiter, int Caller, int Callee, int Start, int Duration, int Kind, int CallerCell, int CalleeCell,
    CellCodeTable Cells, double MaxDuration);

/// <summary>
/// The columns of the fast path's accepted rows, shared by the parts of every call file: each
/// part writes its own range, so rows are parsed straight into the arrays that are sorted and
/// written (no per-part columns and no gather copy). Ranges leave unused room between them,
/// which costs address space but no memory: pages are only backed once written.
/// </summary>
internal sealed class CallRows(int capacity)
{
    /// <summary>Caller: the part's local id index while reading, the pseudonym after <see cref="FastCallStaging"/> resolved it.</summary>
    public readonly long[] Caller = HugePageArray.Uninitialized<long>(capacity);

    /// <summary>Callee, as <see cref="Caller"/>.</summary>
    public readonly long[] Callee = HugePageArray.Uninitialized<long>(capacity);

    /// <summary>Start time ticks (DateTime, unspecified kind).</summary>
    public readonly long[] Ticks = HugePageArray.Uninitialized<long>(capacity);

    /// <summary>Duration in seconds.</summary>
    public readonly int[] Duration = HugePageArray.Uninitialized<int>(capacity);

    /// <summary>True for texts.</summary>
    public readonly bool[] IsText = HugePageArray.Uninitialized<bool>(capacity);

    /// <summary>Canonical caller cell id, −1 when the field is empty.</summary>
    public readonly int[] CallerCell = HugePageArray.Uninitialized<int>(capacity);

    /// <summary>Canonical callee cell id, −1 when the field is empty.</summary>
    public readonly int[] CalleeCell = HugePageArray.Uninitialized<int>(capacity);

    /// <summary>Rows the columns can hold.</summary>
    public int Capacity => Caller.Length;

    /// <summary>Copies <paramref name="count"/> rows from <paramref name="from"/> to <paramref name="target"/> at <paramref name="to"/>.</summary>
    public void CopyTo(int from, CallRows target, int to, int count)
    {
        Caller.AsSpan(from, count).CopyTo(target.Caller.AsSpan(to));
        Callee.AsSpan(from, count).CopyTo(target.Callee.AsSpan(to));
        Ticks.AsSpan(from, count).CopyTo(target.Ticks.AsSpan(to));
        Duration.AsSpan(from, count).CopyTo(target.Duration.AsSpan(to));
        IsText.AsSpan(from, count).CopyTo(target.IsText.AsSpan(to));
        CallerCell.AsSpan(from, count).CopyTo(target.CallerCell.AsSpan(to));
        CalleeCell.AsSpan(from, count).CopyTo(target.CalleeCell.AsSpan(to));
    }
}

/// <summary>
/// The accepted rows of one contiguous part of a call file: rows <see cref="Start"/> to
/// <see cref="Start"/> + <see cref="Count"/> of <see cref="Rows"/>, with subscriber ids as indices
/// into the part's id table (first occurrence order), and the part's rejected rows. A part that
/// outgrows its range moves its rows to columns of its own.
/// </summary>
internal sealed class FastCallPart(CallRows rows, int start, int capacity, IdTable ids)
{
    /// <summary>Raw ids of the part in first-occurrence order (index = local id).</summary>
    public IdTable Ids { get; } = ids;

    /// <summary>The columns holding the part's rows.</summary>
    public CallRows Rows { get; private set; } = rows;

    /// <summary>The part's first row in <see cref="Rows"/>.</summary>
    public int Start { get; private set; } = start;

    /// <summary>Accepted rows.</summary>
    public int Count { get; private set; }

    /// <summary>Records (data lines) in the part.</summary>
    public int Records { get; set; }

    /// <summary>
    /// Rejected rows in record order: record index within the part, reason and the line's text
    /// (at most <see cref="CsvRecordLocator.MaxRawLength"/> characters). In a file this reader
    /// accepts a record is one line, so the ledger needs no second pass over the file to find them.
    /// </summary>
    public List<(int Record, string Reason, string Raw)> Rejects { get; } = [];

    /// <summary>Set when the part holds something only DuckDB's reader decides (quotes, CR, non-ASCII, a timestamp in another format, ...).</summary>
    public bool NeedsGeneralReader { get; set; }

    /// <summary>Rows whose ids are interned together (see <see cref="IdTable.InternKeys"/>).</summary>
    private const int InternBatch = 64;

    /// <summary>Id keys (<see cref="IdTable.KeyOf"/>) of the rows from <see cref="interned"/> on, caller and callee alternating.</summary>
    private readonly ulong[] pendingKeys = new ulong[2 * InternBatch];
    private readonly int[] pendingIndices = new int[2 * InternBatch];
    private int interned;
    private int capacity = capacity;

    /// <summary>Records a rejected row whose line is <paramref name="line"/>.</summary>
    public void Reject(int record, string reason, ReadOnlySpan<byte> line) =>
        Rejects.Add((record, reason, Encoding.ASCII.GetString(line[..Math.Min(line.Length, CsvRecordLocator.MaxRawLength)])));

    /// <summary>Appends an accepted row; its ids are given as keys of <see cref="Ids"/> and interned in batches (call <see cref="Complete"/> at the end).</summary>
    public void Add(ulong callerKey, ulong calleeKey, long ticks, int duration, bool isText, int callerCell, int calleeCell)
    {
        if (Count == capacity)
        {
            MoveToOwnColumns();
        }

        var pending = 2 * (Count - interned);
        pendingKeys[pending] = callerKey;
        pendingKeys[pending + 1] = calleeKey;
        var i = Start + Count++;
        var rows = Rows;
        rows.Ticks[i] = ticks;
        rows.Duration[i] = duration;
        rows.IsText[i] = isText;
        rows.CallerCell[i] = callerCell;
        rows.CalleeCell[i] = calleeCell;
        if (pending + 2 == pendingKeys.Length)
        {
            Complete();
        }
    }

    /// <summary>Interns the ids of the rows added since the last batch.</summary>
    public void Complete()
    {
        var count = Count - interned;
        Ids.InternKeys(pendingKeys.AsSpan(0, 2 * count), pendingIndices);
        var at = Start + interned;
        for (var r = 0; r < count; r++)
        {
            Rows.Caller[at + r] = pendingIndices[2 * r];
            Rows.Callee[at + r] = pendingIndices[(2 * r) + 1];
        }

        interned = Count;
    }

    /// <summary>Rare (the range is sized with room to spare): the rows so far go to larger columns of the part's own.</summary>
    private void MoveToOwnColumns()
    {
        var own = new CallRows(Math.Max(1024, capacity + (capacity / 2)));
        Rows.CopyTo(Start, own, 0, Count);
        (Rows, Start, capacity) = (own, 0, own.Capacity);
    }
}

/// <summary>The parts a call file is read in: byte ranges starting at line starts, one per thread, and the rows each is expected to hold.</summary>
internal sealed record FastCallPlan(long[] Bounds, int[] ExpectedRows);

/// <summary>
/// A hand-written reader for the common case of an operator call file: plain ASCII, LF line
/// ends, no quotes, every record with the header's field count, timestamps as
/// <c>yyyy-MM-dd HH:mm[:ss]</c>, integer durations. It splits the file at line boundaries,
/// parses the parts in parallel with spans (no string per field; ids are interned), and
/// classifies every row exactly as <see cref="CallStaging"/>'s SQL does. Anything outside that
/// case is not guessed at: the file is reported as needing the general (DuckDB) reader, which
/// stays the reference for every structural and format question.
/// </summary>
internal static class FastCallReader
{
    private const int BlockBytes = 8 << 20;

    /// <summary>DuckDB's reader is given <c>max_line_size = 1048576</c>; longer lines go to it.</summary>
    private const int MaxLineBytes = 1 << 20;

    private static readonly uint CallWord = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian("call"u8);
    private static readonly uint TextWord = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian("text"u8);

    /// <summary>Splits a call file (header already checked) into one part per thread; null when the general reader is needed.</summary>
    public static FastCallPlan? Plan(string path, int threads)
    {
        var length = new FileInfo(path).Length;
        using var handle = File.OpenHandle(path);
        var dataStart = HeaderEnd(handle, length, out var lineBytes);
        if (dataStart < 0)
        {
            return null;
        }

        var bounds = new long[threads + 1];
        bounds[0] = dataStart;
        bounds[threads] = length;
        for (var p = 1; p < threads; p++)
        {
            bounds[p] = Math.Max(bounds[p - 1], LineStartAfter(handle, dataStart + ((length - dataStart) * p / threads), length));
        }

        // From the first lines' mean length (+5%), so ranges are rarely outgrown.
        var rows = Enumerable.Range(0, threads).Select(p => (int)Math.Min((long)((bounds[p + 1] - bounds[p]) / lineBytes * 1.05) + 1024, 1 << 28)).ToArray();
        return new FastCallPlan(bounds, rows);
    }

    /// <summary>Reads the parts of a planned call file, in parallel; false when the general reader is needed.</summary>
    public static bool Read(string path, FastCallPlan plan, FastCallLayout layout, IReadOnlyList<FastCallPart> parts)
    {
        using var handle = File.OpenHandle(path);
        var bounds = plan.Bounds;
        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = parts.Count }, p => ReadPart(handle, bounds[p], bounds[p + 1], layout, parts[p]));
        return !parts.Any(p => p.NeedsGeneralReader);
    }

    /// <summary>Offset after the header line (−1 when it has no line end within 64 KiB) and the mean length of the lines after it in that sample.</summary>
    private static long HeaderEnd(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length, out double lineBytes)
    {
        var head = new byte[(int)Math.Min(length, 1 << 16)];
        var read = RandomAccess.Read(handle, head, 0);
        var end = head.AsSpan(0, read).IndexOf((byte)'\n');
        var sample = end < 0 ? [] : head.AsSpan(end + 1, read - end - 1);
        lineBytes = Math.Max(8.0, (double)sample.Length / Math.Max(1, sample.Count((byte)'\n')));
        return end < 0 ? (read == length ? length : -1) : end + 1;
    }

    /// <summary>The start of the first line that begins at or after <paramref name="offset"/>.</summary>
    private static long LineStartAfter(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length)
    {
        var buffer = new byte[1 << 16];
        var position = offset - 1;
        while (position < length)
        {
            var read = RandomAccess.Read(handle, buffer, position);
            if (read <= 0)
            {
                break;
            }

            var newline = buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }

            position += read;
        }

        return length;
    }

    /// <summary>Reads one part in blocks of one reused buffer; a line cut by a block end is carried to the next block.</summary>
    private static void ReadPart(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long start, long end, FastCallLayout layout, FastCallPart part)
    {
        var buffer = HugePageArray.Uninitialized<byte>(BlockBytes + MaxLineBytes);
        Span<int> ends = stackalloc int[layout.FieldCount];
        var carry = 0;
        var position = start;
        while (true)
        {
            var want = (int)Math.Min(BlockBytes, end - position);
            var read = want > 0 ? RandomAccess.Read(handle, buffer.AsSpan(carry, want), position) : 0;
            position += read;
            var fresh = buffer.AsSpan(carry, read);
            if (!Ascii.IsValid(fresh) || fresh.IndexOfAny((byte)'"', (byte)'\r', (byte)0) >= 0)
            {
                part.NeedsGeneralReader = true;
                return;
            }

            var last = position >= end || read == 0;
            var data = buffer.AsSpan(0, carry + read);
            var offset = ReadLines(data, last, layout, part, ends);
            if (offset < 0)
            {
                part.NeedsGeneralReader = true;
                return;
            }

            if (last)
            {
                part.Complete();
                return;
            }

            carry = data.Length - offset;
            if (carry > MaxLineBytes)
            {
                part.NeedsGeneralReader = true;
                return;
            }

            data[offset..].CopyTo(buffer);
        }
    }

    /// <summary>
    /// Reads the complete lines of <paramref name="data"/> (and, when <paramref name="last"/>,
    /// an unterminated final line); returns the offset of the first byte not read, or −1 when
    /// the general reader must decide (wrong field count, a blank or over-long line, ...).
    /// </summary>
    private static int ReadLines(ReadOnlySpan<byte> data, bool last, FastCallLayout layout, FastCallPart part, Span<int> ends)
    {
        var scanner = new SeparatorScanner(data, layout.Delimiter);
        var lineStart = 0;
        while (lineStart < data.Length)
        {
            var fields = 0;
            while (true)
            {
                var at = scanner.Next();
                if (at < 0)
                {
                    if (!last)
                    {
                        return lineStart;
                    }

                    ends[fields++] = data.Length;
                    break;
                }

                ends[fields++] = at;
                if (data[at] == '\n')
                {
                    break;
                }

                if (fields == layout.FieldCount)
                {
                    return -1; // too many fields
                }
            }

            var lineEnd = ends[fields - 1];
            // Blank lines are skipped by DuckDB, which changes record numbering; near or over its
            // line limit, its reader decides (it rejects such records).
            if (fields != layout.FieldCount || (fields == 1 && lineEnd == lineStart) || lineEnd - lineStart >= MaxLineBytes - 2
                || !ReadRecord(data, lineStart, ends, layout, part))
            {
                return -1;
            }

            lineStart = lineEnd + 1;
        }

        return data.Length;
    }

    /// <summary>Classifies one record in the order of <c>CallStaging.ReasonSql</c>; false when the general reader must decide.</summary>
    private static bool ReadRecord(ReadOnlySpan<byte> data, int lineStart, ReadOnlySpan<int> ends, FastCallLayout layout, FastCallPart part)
    {
        var record = part.Records++;
        var line = data[lineStart..ends[layout.FieldCount - 1]];
        var caller = Field(data, lineStart, ends, layout.Caller);
        var callee = Field(data, lineStart, ends, layout.Callee);
        if (caller.IsEmpty || callee.IsEmpty)
        {
            part.Reject(record, RejectReason.EmptyId, line);
            return true;
        }

        var start = Field(data, lineStart, ends, layout.Start);
        if (start.IsEmpty)
        {
            part.Reject(record, RejectReason.BadTimestamp, line);
            return true;
        }

        if (!TryParseTimestamp(start, out var ticks))
        {
            return false;
        }

        bool? isText = layout.Kind < 0 ? false : Kind(Field(data, lineStart, ends, layout.Kind));
        var durationField = Field(data, lineStart, ends, layout.Duration);
        long duration;
        if (durationField.IsEmpty)
        {
            if (isText != true)
            {
                part.Reject(record, RejectReason.BadDuration, line);
                return true;
            }

            duration = 0;
        }
        else if (!TryParseInteger(durationField, out duration))
        {
            return false;
        }

        var reason = duration < 0 ? RejectReason.NegativeDuration
            : duration > layout.MaxDuration ? RejectReason.AbsurdDuration
            : isText is null ? RejectReason.UnknownKind
            : caller.SequenceEqual(callee) ? RejectReason.SelfCall
            : null;
        if (reason is not null)
        {
            part.Reject(record, reason, line);
            return true;
        }

        var callerCell = Cell(Field(data, lineStart, ends, layout.CallerCell), layout);
        var calleeCell = Cell(Field(data, lineStart, ends, layout.CalleeCell), layout);
        if (callerCell == CellCodeTable.Unknown || calleeCell == CellCodeTable.Unknown)
        {
            part.Reject(record, RejectReason.UnknownCell, line);
            return true;
        }

        part.Add(part.Ids.KeyOf(caller), part.Ids.KeyOf(callee), ticks, (int)duration, isText == true, callerCell, calleeCell);
        return true;
    }

    /// <summary>Field <paramref name="column"/> of the line at <paramref name="lineStart"/>, spaces trimmed (as SQL <c>trim</c>); empty when the column is absent.</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> data, int lineStart, ReadOnlySpan<int> ends, int column) =>
        column < 0 ? default : data[(column == 0 ? lineStart : ends[column - 1] + 1)..ends[column]].Trim((byte)' ');

    /// <summary>False for <c>call</c>, true for <c>text</c> (any case), null for anything else.</summary>
    private static bool? Kind(ReadOnlySpan<byte> kind)
    {
        if (kind.Length != 4)
        {
            return null;
        }

        // Setting bit 5 lower-cases ASCII letters; only case variants of these letters map onto them.
        var word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(kind) | 0x20202020u;
        return word == CallWord ? false : word == TextWord ? true : null;
    }

    /// <summary>The canonical cell id of a code, −1 when the field is empty, <see cref="CellCodeTable.Unknown"/> when unknown.</summary>
    private static int Cell(ReadOnlySpan<byte> code, FastCallLayout layout)
    {
        if (code.IsEmpty)
        {
            return -1;
        }

        return layout.Cells.IdOf(code);
    }

    /// <summary>Parses <c>yyyy-MM-dd HH:mm:ss</c> or <c>yyyy-MM-dd HH:mm</c> (space or T): the first and fifth of the ISO formats, which DuckDB parses to the same value.</summary>
    internal static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long ticks)
    {
        ticks = 0;
        if ((s.Length != 19 && s.Length != 16) || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':'
            || (s.Length == 19 && s[16] != ':'))
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute))
        {
            return false;
        }

        var second = 0;
        if (s.Length == 19 && !Digits(s, 17, 2, out second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int from, int count, out int value)
    {
        value = 0;
        for (var i = from; i < from + count; i++)
        {
            var d = unchecked((uint)(s[i] - '0'));
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        return true;
    }

    /// <summary>An optionally signed run of at most 15 digits (exact as a double, as DuckDB's cast sees it).</summary>
    internal static bool TryParseInteger(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        var negative = s.Length > 0 && s[0] == '-';
        var digits = s.Length > 0 && (s[0] == '-' || s[0] == '+') ? s[1..] : s;
        if (digits.IsEmpty || digits.Length > 15)
        {
            return false;
        }

        foreach (var b in digits)
        {
            var d = unchecked((uint)(b - '0'));
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        value = negative ? -value : value;
        return true;
    }
}

/// <summary>
/// Finds the field delimiters and line feeds of a block in order: 64 bytes at a time are
/// compared with both (two 256-bit vectors) into a bit mask whose set bits are then handed out,
/// so a separator costs a few instructions instead of a search call per field.
/// </summary>
internal ref struct SeparatorScanner
{
    private readonly ReadOnlySpan<byte> data;
    private readonly byte delimiter;
    private int window;
    private ulong mask;

    /// <summary>Starts at the beginning of <paramref name="data"/>.</summary>
    public SeparatorScanner(ReadOnlySpan<byte> data, byte delimiter)
    {
        this.data = data;
        this.delimiter = delimiter;
        mask = Find(0);
    }

    /// <summary>The offset of the next delimiter or line feed; −1 at the end.</summary>
    public int Next()
    {
        while (mask == 0)
        {
            window += 64;
            if (window >= data.Length)
            {
                return -1;
            }

            mask = Find(window);
        }

        var bit = System.Numerics.BitOperations.TrailingZeroCount(mask);
        mask &= mask - 1;
        return window + bit;
    }

    private readonly ulong Find(int at)
    {
        if (at + 64 <= data.Length && Vector256.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(data);
            var low = Vector256.LoadUnsafe(ref first, (nuint)at);
            var high = Vector256.LoadUnsafe(ref first, (nuint)at + 32);
            var d = Vector256.Create(delimiter);
            var n = Vector256.Create((byte)'\n');
            ulong lowMask = (Vector256.Equals(low, d) | Vector256.Equals(low, n)).ExtractMostSignificantBits();
            ulong highMask = (Vector256.Equals(high, d) | Vector256.Equals(high, n)).ExtractMostSignificantBits();
            return lowMask | (highMask << 32);
        }

        ulong bits = 0;
        var stop = Math.Min(64, data.Length - at);
        for (var i = 0; i < stop; i++)
        {
            var b = data[at + i];
            if (b == delimiter || b == '\n')
            {
                bits |= 1UL << i;
            }
        }

        return bits;
    }
}
