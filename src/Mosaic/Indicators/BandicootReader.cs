using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// Reads bandicoot's per-user files with bandicoot's load-time rules: each record is checked
/// field by field (interaction, direction, correspondent_id, datetime, call_duration, location),
/// faulty records are dropped and counted per faulty field, never fixed. Parsing works on byte
/// spans and interns contacts and positions per user, so a record costs no string allocation.
/// </summary>
internal static class BandicootReader
{
    private static readonly string[] RequiredColumns = ["interaction", "direction", "correspondent_id", "datetime", "call_duration"];

    /// <summary>Reads <c>antenna_id,latitude,longitude</c>; a missing file or a bad coordinate is an input error.</summary>
    public static Dictionary<string, (double Lat, double Lon)> ReadAntennas(string path)
    {
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "antennas file not found");
        }

        var rows = ReadSimpleCsv(path, out var header);
        var id = Array.IndexOf(header, "antenna_id");
        var lat = Array.IndexOf(header, "latitude");
        var lon = Array.IndexOf(header, "longitude");
        if (id < 0 || lat < 0 || lon < 0)
        {
            throw new MosaicInputException(path, 1, "antennas file needs the columns antenna_id, latitude, longitude");
        }

        var antennas = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var (line, fields) in rows)
        {
            if (!TryFloat(Field(fields, lat), out var la) || !TryFloat(Field(fields, lon), out var lo))
            {
                throw new MosaicInputException(path, line, "latitude and longitude must be numbers");
            }

            // Later rows win, as in a Python dict built from the rows.
            antennas[Field(fields, id) ?? ""] = (la, lo);
        }

        return antennas;
    }

    /// <summary>Reads a <c>key,value</c> attributes file; null when the file does not exist (bandicoot ignores it then).</summary>
    public static List<KeyValuePair<string, string>>? ReadAttributes(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var rows = ReadSimpleCsv(path, out var header);
        var key = Array.IndexOf(header, "key");
        var value = Array.IndexOf(header, "value");
        if (key < 0 || value < 0)
        {
            throw new MosaicInputException(path, 1, "attributes file needs the columns key, value");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<KeyValuePair<string, string>>();
        foreach (var (_, fields) in rows)
        {
            var k = Field(fields, key) ?? "";
            var v = Field(fields, value) ?? "";
            if (seen.TryGetValue(k, out var at))
            {
                list[at] = new(k, v);
            }
            else
            {
                seen[k] = list.Count;
                list.Add(new(k, v));
            }
        }

        return list;
    }

    /// <summary>
    /// Reads a <c>datetime,amount,retailer_id</c> recharges file (dates <c>%Y-%m-%d</c>), sorted by
    /// date (stable); null when the file does not exist. An amount that is not a number counts as 0,
    /// as in bandicoot; a row without a valid date is skipped (bandicoot keeps it and then cannot sort).
    /// </summary>
    public static List<Recharge>? ReadRecharges(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var rows = ReadSimpleCsv(path, out var header);
        var date = Array.IndexOf(header, "datetime");
        var amount = Array.IndexOf(header, "amount");
        if (date < 0)
        {
            throw new MosaicInputException(path, 1, "recharges file needs the column datetime");
        }

        var list = new List<Recharge>();
        foreach (var (_, fields) in rows)
        {
            if (TryDate(System.Text.Encoding.UTF8.GetBytes(Field(fields, date) ?? ""), out var day))
            {
                list.Add(new Recharge(day, amount >= 0 && TryFloat(Field(fields, amount), out var value) ? value : 0.0));
            }
        }

        return [.. list.OrderBy(r => r.Date)];
    }

    /// <summary>Reads one user's records file.</summary>
    public static BandicootUser ReadUser(string path, string name, IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas, RecordFormat format)
    {
        // One growing buffer per thread: a file costs no allocation and no zeroing.
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new MosaicInputException(path, null, "records file larger than 2 GB");
        }

        if (readBuffer is null || readBuffer.Length < length)
        {
            readBuffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(length, 1 << 16));
        }

        var total = 0;
        while (total < length)
        {
            var n = RandomAccess.Read(handle, readBuffer.AsSpan(total, (int)length - total), total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return ParseUser(path, readBuffer.AsSpan(0, total), name, antennas, format);
    }

    [ThreadStatic]
    private static byte[]? readBuffer;

    /// <summary>Parses one user's records from bytes already read (<paramref name="path"/> names them in errors).</summary>
    internal static BandicootUser ParseUser(string path, ReadOnlySpan<byte> bytes, string name, IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas, RecordFormat format)
    {
        // One builder per thread, reset per user; Build copies out all that the user keeps.
        var builder = scratch ??= new UserBuilder(name, antennas);
        builder.Reset(name, antennas, bytes.Length / 40);
        if (format == RecordFormat.Orange)
        {
            ParseOrange(path, bytes, builder);
        }
        else
        {
            ParseCsv(path, bytes, builder);
        }

        return builder.Build();
    }

    [ThreadStatic]
    private static UserBuilder? scratch;

    private static void ParseCsv(string path, ReadOnlySpan<byte> bytes, UserBuilder builder)
    {
        var lines = new LineReader(bytes);
        var rows = Header(path, ref lines);
        rows.Parse(bytes, lines.Position, builder);
    }

    /// <summary>
    /// Parses one user's records line by line (a search for the line end, then one per field):
    /// the plain form of <see cref="CsvRows.Parse"/>, kept as the reference it is tested against.
    /// </summary>
    internal static BandicootUser ParseUserLineByLine(string path, ReadOnlySpan<byte> bytes, string name, IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas)
    {
        var builder = new UserBuilder(name, antennas) { ReuseDays = false };
        var lines = new LineReader(bytes);
        var rows = Header(path, ref lines);
        while (lines.Next(out var line))
        {
            rows.Line(line, builder);
        }

        return builder.Build();
    }

    /// <summary>Reads the header line: where each column bandicoot reads is (−1 when absent).</summary>
    private static CsvRows Header(string path, ref LineReader lines)
    {
        if (!lines.Next(out var headerLine))
        {
            throw new MosaicInputException(path, 1, "empty records file (no header)");
        }

        var header = SplitToStrings(headerLine, (byte)',');
        var col = new int[8];
        string[] names = ["interaction", "direction", "correspondent_id", "datetime", "call_duration", "antenna_id", "latitude", "longitude"];
        for (var i = 0; i < names.Length; i++)
        {
            col[i] = Array.IndexOf(header, names[i]);
        }

        foreach (var required in RequiredColumns)
        {
            if (Array.IndexOf(header, required) < 0)
            {
                throw new MosaicInputException(path, 1, $"records file lacks the column '{required}'");
            }
        }

        return new CsvRows(col, new Range[Math.Max(header.Length, 8) + 1], col[6] >= 0 && col[7] >= 0);
    }

    /// <summary>
    /// The records rows in one pass: a vector compare per 64 bytes marks every comma, quote and
    /// line feed, and the marks are walked in order, so a line and its fields are found without
    /// a search per field. Lines are cut at every line feed (a trailing CR dropped), blank lines
    /// skipped; a line with a quote goes to <see cref="SplitQuoted"/> (Python's csv rules).
    /// </summary>
    private sealed class CsvRows(int[] col, Range[] fields, bool hasLatLon)
    {
        private byte[]? quoteBuffer;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Parse(ReadOnlySpan<byte> bytes, int position, UserBuilder builder)
        {
            var lineStart = position;
            var fieldStart = position;
            var count = 0;
            var quoted = false;
            for (var block = position; block < bytes.Length; block += 64)
            {
                var marks = Marks(bytes, block);
                while (marks != 0)
                {
                    var at = block + BitOperations.TrailingZeroCount(marks);
                    marks &= marks - 1;
                    var b = bytes[at];
                    if (b == ',')
                    {
                        if (count < fields.Length)
                        {
                            fields[count++] = new Range(fieldStart, at);
                        }

                        fieldStart = at + 1;
                    }
                    else if (b == '\n')
                    {
                        Row(bytes, lineStart, at, fieldStart, count, quoted, builder);
                        lineStart = fieldStart = at + 1;
                        count = 0;
                        quoted = false;
                    }
                    else
                    {
                        quoted = true;
                    }
                }
            }

            if (lineStart < bytes.Length)
            {
                Row(bytes, lineStart, bytes.Length, fieldStart, count, quoted, builder);
            }
        }

        /// <summary>One line (without its line end), split field by field.</summary>
        public void Line(ReadOnlySpan<byte> line, UserBuilder builder)
        {
            if (line.IsEmpty)
            {
                return; // csv.DictReader skips blank lines
            }

            var count = SplitUnquoted(line, fields);
            if (count < 0)
            {
                Quoted(line, builder);
                return;
            }

            builder.AddCsv(line, fields, count, col, hasLatLon);
        }

        private void Quoted(ReadOnlySpan<byte> line, UserBuilder builder)
        {
            if (quoteBuffer is null || quoteBuffer.Length < line.Length)
            {
                quoteBuffer = new byte[Math.Max(256, line.Length * 2)];
            }

            var count = SplitQuoted(line, quoteBuffer, fields, out var used);
            builder.AddCsv(quoteBuffer.AsSpan(0, used), fields, count, col, hasLatLon);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Row(ReadOnlySpan<byte> bytes, int start, int end, int lastField, int count, bool quoted, UserBuilder builder)
        {
            if (end > start && bytes[end - 1] == '\r')
            {
                end--;
            }

            if (end == start)
            {
                return; // csv.DictReader skips blank lines
            }

            if (quoted)
            {
                Quoted(bytes[start..end], builder);
                return;
            }

            if (count < fields.Length)
            {
                fields[count++] = new Range(lastField, end);
            }

            builder.AddCsv(bytes, fields, count, col, hasLatLon);
        }

        /// <summary>Bit i set when byte <c>block + i</c> is a comma, a quote or a line feed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Marks(ReadOnlySpan<byte> bytes, int block)
        {
            ref var first = ref MemoryMarshal.GetReference(bytes);
            if (bytes.Length - block >= 64)
            {
                if (Vector256.IsHardwareAccelerated)
                {
                    return Marks256(Vector256.LoadUnsafe(ref first, (nuint)block))
                        | ((ulong)Marks256(Vector256.LoadUnsafe(ref first, (nuint)block + 32)) << 32);
                }

                if (Vector128.IsHardwareAccelerated)
                {
                    ulong marks = 0;
                    for (var k = 0; k < 4; k++)
                    {
                        var v = Vector128.LoadUnsafe(ref first, (nuint)(block + (16 * k)));
                        var m = Vector128.Equals(v, Vector128.Create((byte)',')) | Vector128.Equals(v, Vector128.Create((byte)'"')) | Vector128.Equals(v, Vector128.Create((byte)'\n'));
                        marks |= (ulong)m.ExtractMostSignificantBits() << (16 * k);
                    }

                    return marks;
                }
            }

            ulong tail = 0;
            var n = Math.Min(64, bytes.Length - block);
            for (var i = 0; i < n; i++)
            {
                if (bytes[block + i] is (byte)',' or (byte)'"' or (byte)'\n')
                {
                    tail |= 1UL << i;
                }
            }

            return tail;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Marks256(Vector256<byte> v) =>
            (Vector256.Equals(v, Vector256.Create((byte)',')) | Vector256.Equals(v, Vector256.Create((byte)'"')) | Vector256.Equals(v, Vector256.Create((byte)'\n'))).ExtractMostSignificantBits();
    }

    private static void ParseOrange(string path, ReadOnlySpan<byte> bytes, UserBuilder builder)
    {
        var lines = new LineReader(bytes);
        var fields = new Range[16];
        long lineNo = 0;
        while (lines.Next(out var line))
        {
            lineNo++;
            if (line.IsEmpty)
            {
                continue;
            }

            var count = Split(line, (byte)';', fields);
            if (!builder.AddOrange(line, fields, count))
            {
                throw new MosaicInputException(path, lineNo, "not a valid orange-format record (8 ';'-separated fields: type;service;user;partner;datetime;duration;longitude;latitude)");
            }
        }
    }

    /// <summary>Splits on a separator; returns the field count (capped at the array length, extra fields ignored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Split(ReadOnlySpan<byte> line, byte separator, Span<Range> fields)
    {
        var count = 0;
        var start = 0;
        while (count < fields.Length)
        {
            var at = line[start..].IndexOf(separator);
            if (at < 0)
            {
                fields[count++] = new Range(start, line.Length);
                return count;
            }

            fields[count++] = new Range(start, start + at);
            start += at + 1;
        }

        return count;
    }

    /// <summary>
    /// As <see cref="Split"/> on commas, looking for quotes in the same scan: −1 when the line
    /// has a quote (then it needs <see cref="SplitQuoted"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int SplitUnquoted(ReadOnlySpan<byte> line, Span<Range> fields)
    {
        var count = 0;
        var start = 0;
        while (count < fields.Length)
        {
            var at = line[start..].IndexOfAny((byte)',', (byte)'"');
            if (at < 0)
            {
                fields[count++] = new Range(start, line.Length);
                return count;
            }

            if (line[start + at] == '"')
            {
                return -1;
            }

            fields[count++] = new Range(start, start + at);
            start += at + 1;
        }

        // Fields beyond the array are ignored, but a quote there still changes the split.
        return line[start..].IndexOf((byte)'"') >= 0 ? -1 : count;
    }

    /// <summary>Splits a line with RFC 4180 quotes (Python's excel dialect) into <paramref name="output"/>.</summary>
    private static int SplitQuoted(ReadOnlySpan<byte> line, byte[] output, Span<Range> fields, out int used)
    {
        var count = 0;
        var o = 0;
        var i = 0;
        while (true)
        {
            var start = o;
            var quoted = false;
            while (i < line.Length)
            {
                var b = line[i];
                if (quoted)
                {
                    if (b == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            output[o++] = (byte)'"';
                            i += 2;
                            continue;
                        }

                        quoted = false;
                        i++;
                        continue;
                    }

                    output[o++] = b;
                    i++;
                }
                else if (b == '"')
                {
                    quoted = true;
                    i++;
                }
                else if (b == ',')
                {
                    break;
                }
                else
                {
                    output[o++] = b;
                    i++;
                }
            }

            if (count < fields.Length)
            {
                fields[count++] = new Range(start, o);
            }

            if (i >= line.Length)
            {
                used = o;
                return count;
            }

            i++; // the comma
        }
    }

    private static string[] SplitToStrings(ReadOnlySpan<byte> line, byte separator)
    {
        if (line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        var fields = new Range[256];
        var n = Split(line, separator, fields);
        var result = new string[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = Encoding.UTF8.GetString(line[fields[i]]).Trim('"');
        }

        return result;
    }

    /// <summary>Small files (antennas, attributes): rows as strings with their 1-based line numbers.</summary>
    private static List<(long Line, string[] Fields)> ReadSimpleCsv(string path, out string[] header)
    {
        var bytes = File.ReadAllBytes(path);
        var lines = new LineReader(bytes);
        if (!lines.Next(out var first))
        {
            throw new MosaicInputException(path, 1, "empty file (no header)");
        }

        header = SplitToStrings(first, (byte)',');
        var rows = new List<(long, string[])>();
        long lineNo = 1;
        var buffer = new byte[1024];
        var ranges = new Range[256];
        while (lines.Next(out var line))
        {
            lineNo++;
            if (line.IsEmpty)
            {
                continue;
            }

            if (buffer.Length < line.Length)
            {
                buffer = new byte[line.Length * 2];
            }

            var n = SplitQuoted(line, buffer, ranges, out _);
            var fields = new string[n];
            for (var i = 0; i < n; i++)
            {
                fields[i] = Encoding.UTF8.GetString(buffer.AsSpan()[ranges[i]]);
            }

            rows.Add((lineNo, fields));
        }

        return rows;
    }

    private static string? Field(string[] fields, int index) => index < fields.Length ? fields[index] : null;

    /// <summary>Python's float(): surrounding whitespace allowed.</summary>
    internal static bool TryFloat(string? s, out double value)
    {
        value = 0;
        return s is not null && double.TryParse(s.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    internal static bool TryFloat(ReadOnlySpan<byte> s, out double value) =>
        double.TryParse(Trim(s), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Python's int(): optional surrounding whitespace and sign, then decimal digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryInt(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        s = Trim(s);
        if (s.IsEmpty)
        {
            return false;
        }

        var negative = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.IsEmpty || s.Length > 9)
        {
            return false;
        }

        var v = 0;
        foreach (var b in s)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            v = (v * 10) + (b - '0');
        }

        value = negative ? -v : v;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var a = 0;
        var b = s.Length;
        while (a < b && IsSpace(s[a]))
        {
            a++;
        }

        while (b > a && IsSpace(s[b - 1]))
        {
            b--;
        }

        return s[a..b];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v';

    /// <summary>
    /// Parses <c>%Y-%m-%d %H:%M:%S</c> as Python's strptime does: four-digit year, one or two
    /// digits for the other fields, whitespace between date and time, a valid calendar date.
    /// </summary>
    internal static bool TryDateTime(ReadOnlySpan<byte> s, out long ticks) => TryDateTime(s, out ticks, out _);

    /// <summary>
    /// As <see cref="TryDateTime(ReadOnlySpan{byte}, out long)"/>, also returning bandicoot's
    /// 30-minute bin key (year, day of month, hour, half hour: the month is not part of it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryDateTime(ReadOnlySpan<byte> s, out long ticks, out int bin)
    {
        ticks = 0;
        bin = 0;
        if (s.Length == 19 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':')
        {
            // The usual zero-padded layout: fixed offsets.
            int d0 = s[0] - '0', d1 = s[1] - '0', d2 = s[2] - '0', d3 = s[3] - '0';
            int m0 = s[5] - '0', m1 = s[6] - '0', a0 = s[8] - '0', a1 = s[9] - '0';
            int h0 = s[11] - '0', h1 = s[12] - '0', n0 = s[14] - '0', n1 = s[15] - '0', c0 = s[17] - '0', c1 = s[18] - '0';
            if (((d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1 | h0 | h1 | n0 | n1 | c0 | c1) & ~15) == 0
                && d0 <= 9 && d1 <= 9 && d2 <= 9 && d3 <= 9 && m0 <= 9 && m1 <= 9 && a0 <= 9 && a1 <= 9
                && h0 <= 9 && h1 <= 9 && n0 <= 9 && n1 <= 9 && c0 <= 9 && c1 <= 9)
            {
                return Compose((d0 * 1000) + (d1 * 100) + (d2 * 10) + d3, (m0 * 10) + m1, (a0 * 10) + a1, (h0 * 10) + h1, (n0 * 10) + n1, (c0 * 10) + c1, out ticks, out bin);
            }
        }

        var i = 0;
        if (!Number(s, ref i, 4, 4, out var year) || !Expect(s, ref i, (byte)'-')
            || !Number(s, ref i, 1, 2, out var month) || !Expect(s, ref i, (byte)'-')
            || !Number(s, ref i, 1, 2, out var day))
        {
            return false;
        }

        var spaces = i;
        while (i < s.Length && IsSpace(s[i]))
        {
            i++;
        }

        if (i == spaces
            || !Number(s, ref i, 1, 2, out var hour) || !Expect(s, ref i, (byte)':')
            || !Number(s, ref i, 1, 2, out var minute) || !Expect(s, ref i, (byte)':')
            || !Number(s, ref i, 1, 2, out var second) || i != s.Length)
        {
            return false;
        }

        return Compose(year, month, day, hour, minute, second, out ticks, out bin);
    }

    /// <summary>
    /// As <see cref="TryDateTime(ReadOnlySpan{byte}, out long, out int)"/>, reusing the date of
    /// the previous zero-padded datetime when the date part (its first ten bytes) is the same:
    /// a user's records come mostly in time order, many on the same day, so most records only
    /// need their time of day read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryDateTime(ReadOnlySpan<byte> s, ref SameDay day, out long ticks, out int bin)
    {
        if (s.Length != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':')
        {
            return TryDateTime(s, out ticks, out bin);
        }

        var date = BinaryPrimitives.ReadUInt64LittleEndian(s);
        var date2 = BinaryPrimitives.ReadUInt16LittleEndian(s[8..]);
        if (!day.Known || date != day.Date || date2 != day.Date2)
        {
            if (!TryDateTime(s, out ticks, out bin))
            {
                return false;
            }

            // Valid with this layout: the date part is four digits, '-', two digits, '-', two digits.
            day = new SameDay { Known = true, Date = date, Date2 = date2, Ticks = ticks - (ticks % TimeSpan.TicksPerDay), Bin = bin - (bin % 48) };
            return true;
        }

        int h0 = s[11] - '0', h1 = s[12] - '0', n0 = s[14] - '0', n1 = s[15] - '0', c0 = s[17] - '0', c1 = s[18] - '0';
        if ((uint)h0 > 9 || (uint)h1 > 9 || (uint)n0 > 9 || (uint)n1 > 9 || (uint)c0 > 9 || (uint)c1 > 9)
        {
            return TryDateTime(s, out ticks, out bin);
        }

        int hour = (h0 * 10) + h1, minute = (n0 * 10) + n1, second = (c0 * 10) + c1;
        if (hour > 23 || minute > 59 || second > 59)
        {
            ticks = 0;
            bin = 0;
            return false;
        }

        ticks = day.Ticks + (((hour * 3600L) + (minute * 60L) + second) * TimeSpan.TicksPerSecond);
        bin = day.Bin + (hour * 2) + (minute / 30);
        return true;
    }

    /// <summary>The last date read by <see cref="TryDateTime(ReadOnlySpan{byte}, ref SameDay, out long, out int)"/>: its bytes, its midnight and its bin at midnight.</summary>
    internal struct SameDay
    {
        public bool Known;
        public ulong Date;
        public ushort Date2;
        public long Ticks;
        public int Bin;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Compose(int year, int month, int day, int hour, int minute, int second, out long ticks, out int bin)
    {
        ticks = 0;
        bin = 0;
        var leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > (leap ? DaysInMonthLeap : DaysInMonthCommon)[month]
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var y = year - 1;
        long days = (y * 365L) + (y / 4) - (y / 100) + (y / 400) + DaysBeforeMonth[month] + (leap && month > 2 ? 1 : 0) + day - 1;
        ticks = ((days * 86400L) + (hour * 3600L) + (minute * 60L) + second) * TimeSpan.TicksPerSecond;
        bin = (((((year * 32) + day) * 24) + hour) * 2) + (minute / 30);
        return true;
    }

    private static readonly int[] DaysInMonthCommon = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    private static readonly int[] DaysInMonthLeap = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    private static readonly int[] DaysBeforeMonth = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

    /// <summary>Parses <c>%Y-%m-%d</c> (recharges).</summary>
    internal static bool TryDate(ReadOnlySpan<byte> s, out DateTime date)
    {
        date = default;
        var i = 0;
        if (!Number(s, ref i, 4, 4, out var year) || !Expect(s, ref i, (byte)'-')
            || !Number(s, ref i, 1, 2, out var month) || !Expect(s, ref i, (byte)'-')
            || !Number(s, ref i, 1, 2, out var day) || i != s.Length
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateTime(year, month, day);
        return true;
    }

    private static bool Number(ReadOnlySpan<byte> s, ref int i, int min, int max, out int value)
    {
        value = 0;
        var start = i;
        while (i < s.Length && i - start < max && IsDigit(s[i]))
        {
            value = (value * 10) + (s[i] - '0');
            i++;
        }

        return i - start >= min;
    }

    private static bool Expect(ReadOnlySpan<byte> s, ref int i, byte c)
    {
        if (i < s.Length && s[i] == c)
        {
            i++;
            return true;
        }

        return false;
    }

    /// <summary>Iterates lines of a byte buffer (LF or CRLF).</summary>
    private ref struct LineReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> bytes = bytes;
        private int position;

        /// <summary>Where the next line starts.</summary>
        public readonly int Position => position;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next(out ReadOnlySpan<byte> line)
        {
            if (position >= bytes.Length)
            {
                line = default;
                return false;
            }

            var rest = bytes[position..];
            var at = rest.IndexOf((byte)'\n');
            var end = at < 0 ? rest.Length : at;
            line = rest[..end];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            position += at < 0 ? rest.Length : at + 1;
            return true;
        }
    }
}
