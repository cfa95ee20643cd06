using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// Where the fields of an operator call file are: column positions (−1 when absent), the field
/// count and the delimiter, plus the reference data the fast reader classifies rows with.
/// </summary>
internal sealed record FastCallLayout(
    int FieldCount, byte Delimiter, int Caller, int Callee, int Start, int Duration, int Kind, int CallerCell, int CalleeCell,
    ByteKeyTable KnownCells, int[] CellIds, double MaxDuration);

/// <summary>
/// The accepted rows of one contiguous part of a call file, columnar, with subscriber ids as
/// indices into the part's own id list (first occurrence order), and the part's rejected rows.
/// </summary>
internal sealed class FastCallPart
{
    /// <summary>Raw ids of the part in first-occurrence order (index = local id).</summary>
    public ByteKeyTable Ids { get; } = new();

    /// <summary>Local id of the caller of each accepted row.</summary>
    public List<int> Caller { get; } = [];

    /// <summary>Local id of the callee of each accepted row.</summary>
    public List<int> Callee { get; } = [];

    /// <summary>Start time ticks (DateTime, unspecified kind) of each accepted row.</summary>
    public List<long> Ticks { get; } = [];

    /// <summary>Duration in seconds of each accepted row.</summary>
    public List<int> Duration { get; } = [];

    /// <summary>True for texts.</summary>
    public List<bool> IsText { get; } = [];

    /// <summary>Canonical caller cell id, −1 when the field is empty.</summary>
    public List<int> CallerCell { get; } = [];

    /// <summary>Canonical callee cell id, −1 when the field is empty.</summary>
    public List<int> CalleeCell { get; } = [];

    /// <summary>Record index within the part (0-based) of each accepted row.</summary>
    public List<int> Record { get; } = [];

    /// <summary>Rejected rows: record index within the part and reason.</summary>
    public List<(int Record, string Reason)> Rejects { get; } = [];

    /// <summary>Records (data lines) in the part.</summary>
    public int Records { get; set; }

    /// <summary>Set when the part holds something only DuckDB's reader decides (quotes, CR, non-ASCII, a timestamp in another format, ...).</summary>
    public bool NeedsGeneralReader { get; set; }
}

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

    /// <summary>Reads a call file (header already checked) into parts; null when the general reader is needed.</summary>
    public static FastCallPart[]? TryRead(string path, FastCallLayout layout, int threads)
    {
        var length = new FileInfo(path).Length;
        using var handle = File.OpenHandle(path);
        var dataStart = HeaderEnd(handle, length);
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

        var parts = new FastCallPart[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
        {
            var part = new FastCallPart();
            ReadPart(handle, bounds[p], bounds[p + 1], layout, part);
            parts[p] = part;
        });
        return parts.Any(p => p.NeedsGeneralReader) ? null : parts;
    }

    /// <summary>Offset after the header line; −1 when the header has no line end within 64 KiB.</summary>
    private static long HeaderEnd(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        var head = new byte[(int)Math.Min(length, 1 << 16)];
        var read = RandomAccess.Read(handle, head, 0);
        var end = head.AsSpan(0, read).IndexOf((byte)'\n');
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

    private static void ReadPart(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long start, long end, FastCallLayout layout, FastCallPart part)
    {
        var buffer = new byte[BlockBytes + MaxLineBytes];
        Span<int> fieldStarts = stackalloc int[layout.FieldCount + 1];
        Span<int> fieldEnds = stackalloc int[layout.FieldCount + 1];
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
            var offset = 0;
            while (offset < data.Length)
            {
                var newline = data[offset..].IndexOf((byte)'\n');
                if (newline < 0 && !last)
                {
                    break;
                }

                var line = newline < 0 ? data[offset..] : data.Slice(offset, newline);
                offset = newline < 0 ? data.Length : offset + newline + 1;

                // Near or over DuckDB's line limit, its reader decides (it rejects such records).
                if (line.Length >= MaxLineBytes - 2 || !ReadLine(line, layout, part, fieldStarts, fieldEnds))
                {
                    part.NeedsGeneralReader = true;
                    return;
                }
            }

            if (last)
            {
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

    /// <summary>Classifies one record in the order of <c>CallStaging.ReasonSql</c>; false when the general reader must decide.</summary>
    private static bool ReadLine(ReadOnlySpan<byte> line, FastCallLayout layout, FastCallPart part, Span<int> starts, Span<int> ends)
    {
        if (line.IsEmpty)
        {
            return false; // blank lines are skipped by DuckDB, which changes record numbering
        }

        var count = 0;
        var from = 0;
        while (true)
        {
            if (count == layout.FieldCount)
            {
                return false; // too many fields
            }

            var at = line[from..].IndexOf(layout.Delimiter);
            starts[count] = from;
            ends[count] = at < 0 ? line.Length : from + at;
            count++;
            if (at < 0)
            {
                break;
            }

            from += at + 1;
        }

        if (count != layout.FieldCount)
        {
            return false;
        }

        var record = part.Records++;
        var caller = Field(line, layout.Caller, starts, ends);
        var callee = Field(line, layout.Callee, starts, ends);
        if (caller.IsEmpty || callee.IsEmpty)
        {
            part.Rejects.Add((record, RejectReason.EmptyId));
            return true;
        }

        var start = Field(line, layout.Start, starts, ends);
        if (start.IsEmpty)
        {
            part.Rejects.Add((record, RejectReason.BadTimestamp));
            return true;
        }

        if (!TryParseTimestamp(start, out var ticks))
        {
            return false;
        }

        var kindField = Field(line, layout.Kind, starts, ends);
        bool? isText = layout.Kind < 0 ? false
            : Ascii.EqualsIgnoreCase(kindField, "call"u8) ? false
            : Ascii.EqualsIgnoreCase(kindField, "text"u8) ? true
            : null;
        var durationField = Field(line, layout.Duration, starts, ends);
        long duration;
        if (durationField.IsEmpty)
        {
            if (isText != true)
            {
                part.Rejects.Add((record, RejectReason.BadDuration));
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
            part.Rejects.Add((record, reason));
            return true;
        }

        var callerCell = Cell(Field(line, layout.CallerCell, starts, ends), layout);
        var calleeCell = Cell(Field(line, layout.CalleeCell, starts, ends), layout);
        if (callerCell == int.MinValue || calleeCell == int.MinValue)
        {
            part.Rejects.Add((record, RejectReason.UnknownCell));
            return true;
        }

        part.Caller.Add(part.Ids.Intern(caller));
        part.Callee.Add(part.Ids.Intern(callee));
        part.Ticks.Add(ticks);
        part.Duration.Add((int)duration);
        part.IsText.Add(isText == true);
        part.CallerCell.Add(callerCell);
        part.CalleeCell.Add(calleeCell);
        part.Record.Add(record);
        return true;
    }

    /// <summary>A field with spaces trimmed (as SQL <c>trim</c>); empty when the column is absent.</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> line, int column, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends) =>
        column < 0 ? default : line[starts[column]..ends[column]].Trim((byte)' ');

    /// <summary>The canonical cell id of a code, −1 when the field is empty, <see cref="int.MinValue"/> when unknown.</summary>
    private static int Cell(ReadOnlySpan<byte> code, FastCallLayout layout)
    {
        if (code.IsEmpty)
        {
            return -1;
        }

        var index = layout.KnownCells.IndexOf(code);
        return index < 0 ? int.MinValue : layout.CellIds[index];
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
