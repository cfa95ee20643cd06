using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.Indicators;

/// <summary>Run-wide values of bandicoot's reporting block and the output columns.</summary>
internal sealed record OutputContext(IndicatorRequest Request, IndicatorSchema Schema, int NumberOfAntennas, string[] AttributeKeys, string[] RechargeKeys)
{
    public static string Version => $"mosaic {Manifest.ToolVersion} (bandicoot 0.6 semantics)";
}

/// <summary>
/// Streams users to a JSON object keyed by user name (bandicoot's <c>to_json</c> of flattened
/// results) or a CSV with one row per user (bandicoot's <c>to_csv</c>, but floats keep full
/// precision instead of 5 decimals). Rows are rendered to bytes by the worker threads
/// (<see cref="Render"/>, one <see cref="RowRenderer"/> per thread) and appended in user order
/// (<see cref="Append"/>), so formatting runs in parallel and the output does not depend on the
/// thread count. Written under a temporary name and renamed on <see cref="Commit"/>, so a failed
/// run leaves no partial output.
/// </summary>
internal sealed class IndicatorWriter : IDisposable
{
    private static readonly string[] IgnoredKeys = ["all", "interaction", "direction", "correspondent_id", "datetime", "call_duration", "location"];

    private readonly string path;
    private readonly string temp;
    private readonly bool json;
    private readonly OutputContext context;
    private readonly DirectOutputFile stream;
    private readonly byte[][] jsonKeyPrefixes;
    private readonly int jsonEntryMaxLength;
    private readonly RowArrayPool pool = new();
    private long rowsWritten;
    private bool committed;

    public IndicatorWriter(string path, bool json, OutputContext context)
    {
        this.path = Path.GetFullPath(path);
        this.json = json;
        this.context = context;
        // Keys are the same for every user: encode each once with the separator and indentation
        // Utf8JsonWriter puts before a member at depth 2 (the values follow a reporting number).
        jsonKeyPrefixes = [.. context.Schema.Keys.Select(k => (byte[])[.. ",\n    \""u8, .. JsonEncodedText.Encode(k).EncodedUtf8Bytes, .. "\": "u8])];
        jsonEntryMaxLength = jsonKeyPrefixes.Length == 0 ? 0 : jsonKeyPrefixes.Max(k => k.Length) + JsonNumberMaxLength;
        temp = AtomicFile.TempPathFor(this.path);
        stream = new DirectOutputFile(temp);
        if (json)
        {
            stream.WriteByte((byte)'{');
        }
        else
        {
            var header = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            WriteCsvHeader(header);
            stream.Write(Encoding.UTF8.GetBytes(header.ToString()));
        }
    }

    /// <summary>A renderer for one worker thread; its rows' arrays come back to this writer's pool on <see cref="Append"/>.</summary>
    public RowRenderer CreateRenderer() => new(pool);

    /// <summary>
    /// Renders one user's output. JSON: the user's member of the top-level object as the
    /// indented writer lays it out after the opening brace, without the separating comma.
    /// The returned array belongs to the caller until it is given to <see cref="Append"/>.
    /// </summary>
    public RenderedBytes Render(UserRow row, RowRenderer renderer)
    {
        var buffer = renderer.Buffer;
        buffer.Clear();
        if (json)
        {
            var w = renderer.Json;
            w.Reset(buffer);
            // Open the top-level object so that the user lands at the same depth and indentation as in one document; the brace is dropped.
            w.WriteStartObject();
            WriteJson(w, row, buffer);
            w.Flush();
            return buffer.Detach(1);
        }

        WriteCsv(buffer, row);
        return buffer.Detach(0);
    }

    /// <summary>Appends one rendered row (rows in user order) and takes its array back.</summary>
    public void Append(RenderedBytes rendered)
    {
        if (json && rowsWritten > 0)
        {
            stream.WriteByte((byte)',');
        }

        stream.Write(rendered.Span);
        Release(rendered);
        rowsWritten++;
    }

    /// <summary>Takes back a rendered row's array (after writing it, or instead of it when only timing the rendering).</summary>
    public void Release(RenderedBytes rendered) => pool.Return(rendered.Array);

    public void Commit()
    {
        if (json)
        {
            // Utf8JsonWriter's layout: "{}" when empty, else the closing brace on its own line.
            stream.Write(rowsWritten == 0 ? "}\n"u8 : "\n}\n"u8);
        }

        stream.Complete();
        stream.Dispose();
        File.Move(temp, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        if (!committed)
        {
            stream.Dispose();
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The reporting block as (key, value) pairs; values are null, string, bool, long, double or int[].</summary>
    private IEnumerable<(string Key, object? Value)> Reporting(UserRow row)
    {
        var r = row.Report;
        var o = context.Request.Options;
        var hasAttributes = row.Attributes is { Count: > 0 };
        yield return ("antennas_path", context.Request.AntennasPath);
        yield return ("attributes_path", context.Request.AttributesFolder);
        yield return ("recharges_path", context.Request.RechargesFolder);
        yield return ("version", OutputContext.Version);
        yield return ("code_signature", null);
        yield return ("groupby", o.GroupBy == IndicatorGrouping.Week ? "week" : null);
        yield return ("split_week", o.SplitWeek);
        yield return ("split_day", o.SplitDay);
        yield return ("start_time", r.StartTime);
        yield return ("end_time", r.EndTime);
        yield return ("night_start", "19:00:00");
        yield return ("night_end", "07:00:00");
        yield return ("weekend", new[] { 6, 7 });
        yield return ("number_of_records", r.NumberOfRecords);
        yield return ("number_of_antennas", (long)context.NumberOfAntennas);
        yield return ("number_of_recharges", (long)r.NumberOfRecharges);
        yield return ("bins", (long)r.Bins);
        yield return ("bins_with_data", (long)r.BinsWithData);
        yield return ("bins_without_data", (long)(r.Bins - r.BinsWithData));
        yield return ("has_call", r.HasCall);
        yield return ("has_text", r.HasText);
        yield return ("has_home", r.HasHome);
        yield return ("has_recharges", r.NumberOfRecharges > 0);
        yield return ("has_attributes", hasAttributes);
        yield return ("has_network", r.Network is not null);
        yield return ("percent_records_missing_location", r.PercentRecordsMissingLocation);
        yield return ("antennas_missing_locations", (long)r.AntennasMissingLocations);
        yield return ("percent_outofnetwork_calls", r.Network?.Calls ?? 0.0);
        yield return ("percent_outofnetwork_texts", r.Network?.Texts ?? 0.0);
        yield return ("percent_outofnetwork_contacts", r.Network?.Contacts ?? 0.0);
        yield return ("percent_outofnetwork_call_durations", r.Network?.CallDurations ?? 0.0);
        var ignored = r.Ignored;
        long[] counts = [ignored.All, ignored.Interaction, ignored.Direction, ignored.CorrespondentId, ignored.Datetime, ignored.CallDuration, ignored.Location];
        for (var i = 0; i < IgnoredKeys.Length; i++)
        {
            yield return ("ignored_records__" + IgnoredKeys[i], counts[i]);
        }
    }

    private void WriteJson(Utf8JsonWriter w, UserRow row, RowBuffer buffer)
    {
        w.WritePropertyName(row.Name);
        w.WriteStartObject();
        w.WriteString("name", row.Name);
        foreach (var (key, value) in Reporting(row))
        {
            w.WritePropertyName("reporting__" + key);
            switch (value)
            {
                case null:
                    w.WriteNullValue();
                    break;
                case string s:
                    w.WriteStringValue(s);
                    break;
                case bool b:
                    w.WriteBooleanValue(b);
                    break;
                case long l:
                    w.WriteNumberValue(l);
                    break;
                case double d:
                    WriteJsonNumber(w, d);
                    break;
                case int[] list:
                    w.WriteStartArray();
                    foreach (var x in list)
                    {
                        w.WriteNumberValue(x);
                    }

                    w.WriteEndArray();
                    break;
            }
        }

        // The indicator values (most of the output) go straight into the buffer as UTF-8 bytes,
        // laid out as the writer would; the writer, flushed, carries on after them as if it had
        // written them (its last token, a number, is the same).
        w.Flush();
        WriteJsonValues(buffer, row.Values);

        if (row.RechargeValues is not null)
        {
            // As bandicoot: recharge keys only for users with recharges.
            for (var i = 0; i < context.RechargeKeys.Length; i++)
            {
                w.WritePropertyName(context.RechargeKeys[i]);
                WriteJsonNumber(w, row.RechargeValues[i]);
            }
        }

        if (row.Report.Network?.Indicators is { } network)
        {
            // As bandicoot's utils.all(network=True): after the individual and recharge keys, before the attributes.
            w.WritePropertyName("clustering_coefficient_unweighted");
            WriteJsonNumber(w, network.Clustering);
            w.WritePropertyName("clustering_coefficient_weighted");
            WriteJsonNumber(w, network.WeightedClustering);
            foreach (var (key, value) in network.AttributeAssortativity)
            {
                w.WritePropertyName("assortativity_attributes__" + key);
                WriteJsonNumber(w, value);
            }

            foreach (var (key, value) in network.IndicatorAssortativity)
            {
                w.WritePropertyName("assortativity_indicators__" + key);
                WriteJsonNumber(w, value);
            }
        }

        if (row.Attributes is { Count: > 0 })
        {
            foreach (var (key, value) in row.Attributes)
            {
                w.WriteString("attributes__" + key, value);
            }
        }

        w.WriteEndObject();
    }

    /// <summary>Bytes enough for any number <see cref="FormatJsonNumber"/> writes.</summary>
    private const int JsonNumberMaxLength = 32;

    private void WriteJsonValues(RowBuffer buffer, double[] values)
    {
        var span = buffer.GetSpan(jsonEntryMaxLength * values.Length);
        var at = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var prefix = jsonKeyPrefixes[i];
            prefix.CopyTo(span[at..]);
            at += prefix.Length;
            at += FormatJsonNumber(values[i], span[at..]);
        }

        buffer.Advance(at);
    }

    /// <summary>
    /// Writes <paramref name="value"/> as <see cref="WriteJsonNumber"/> would through
    /// <c>Utf8JsonWriter</c> (NaN and infinities as <c>null</c>) into at least
    /// <see cref="JsonNumberMaxLength"/> bytes; returns the length.
    /// </summary>
    internal static int FormatJsonNumber(double value, Span<byte> destination) => FormatNumber(value, destination, json: true);

    /// <summary>
    /// Writes <paramref name="value"/> as <c>double.ToString("R")</c> (nothing for NaN and
    /// infinities, bandicoot's None) into at least <see cref="JsonNumberMaxLength"/> bytes;
    /// returns the length.
    /// </summary>
    internal static int FormatCsvNumber(double value, Span<byte> destination) => FormatNumber(value, destination, json: false);

    private static int FormatNumber(double value, Span<byte> destination, bool json)
    {
        int length;
        if (IsSmallWholeNumber(value))
        {
            // Counts and zeros (a fifth of the values): integer formatting is much cheaper and writes the same digits.
            ((long)value).TryFormat(destination, out length, default, CultureInfo.InvariantCulture);
            return length;
        }

        if (!double.IsFinite(value))
        {
            if (!json)
            {
                return 0;
            }

            "null"u8.CopyTo(destination);
            return 4;
        }

        length = ShortestDouble.TryFormat(value, destination);
        if (length == 0)
        {
            // Outside ShortestDouble's range: Utf8JsonWriter's own formatting of doubles, or "R".
            if (json)
            {
                Utf8Formatter.TryFormat(value, destination, out length);
            }
            else
            {
                value.TryFormat(destination, out length, "R", CultureInfo.InvariantCulture);
            }
        }

        return length;
    }

    private static void WriteJsonNumber(Utf8JsonWriter w, double value)
    {
        if (IsSmallWholeNumber(value))
        {
            // Counts and zeros (a fifth of the values): integer formatting is much cheaper and writes the same digits.
            w.WriteNumberValue((long)value);
        }
        else if (double.IsFinite(value))
        {
            Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
            var length = ShortestDouble.TryFormat(value, text);
            if (length > 0)
            {
                w.WriteRawValue(text[..length], skipInputValidation: true);
            }
            else
            {
                w.WriteNumberValue(value);
            }
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private void WriteCsvHeader(TextWriter w)
    {
        w.Write("name");
        foreach (var (key, _) in Reporting(new UserRow("", [], new UserReport { Ignored = new IgnoredCounts() }, 0, null)))
        {
            w.Write(",reporting__");
            w.Write(key);
        }

        foreach (var key in context.Schema.Keys)
        {
            w.Write(',');
            w.Write(key);
        }

        foreach (var key in context.RechargeKeys)
        {
            w.Write(',');
            w.Write(key);
        }

        if (context.Request.Options.Network)
        {
            w.Write(",clustering_coefficient_unweighted,clustering_coefficient_weighted");
            foreach (var key in context.AttributeKeys)
            {
                w.Write(",assortativity_attributes__");
                w.Write(Quote(key));
            }

            foreach (var key in NetworkFilter.AssortativityKeys)
            {
                w.Write(",assortativity_indicators__");
                w.Write(key);
            }
        }

        foreach (var key in context.AttributeKeys)
        {
            w.Write(",attributes__");
            w.Write(Quote(key));
        }

        w.Write('\n');
    }

    /// <summary>Bytes enough for a comma and any number <see cref="FormatCsvNumber"/> writes.</summary>
    private const int CsvCellMaxLength = 1 + JsonNumberMaxLength;

    /// <summary>One CSV row, written as UTF-8 bytes straight into the row's buffer.</summary>
    private void WriteCsv(RowBuffer w, UserRow row)
    {
        w.WriteText(Quote(row.Name));
        foreach (var (_, value) in Reporting(row))
        {
            w.WriteByte((byte)',');
            switch (value)
            {
                case string s:
                    w.WriteText(Quote(s));
                    break;
                case bool b:
                    w.Write(b ? "True"u8 : "False"u8);
                    break;
                case long l:
                    l.TryFormat(w.GetSpan(CsvCellMaxLength), out var digits, default, CultureInfo.InvariantCulture);
                    w.Advance(digits);
                    break;
                case double d:
                    w.Advance(FormatCsvNumber(d, w.GetSpan(CsvCellMaxLength)));
                    break;
                case int[] list:
                    w.WriteText(Quote("[" + string.Join(", ", list) + "]"));
                    break;
            }
        }

        // The indicator values (nearly all of a row): one span for all of them.
        var values = row.Values;
        var span = w.GetSpan(CsvCellMaxLength * values.Length);
        var at = 0;
        foreach (var v in values)
        {
            span[at++] = (byte)',';
            at += FormatCsvNumber(v, span[at..]);
        }

        w.Advance(at);
        for (var i = 0; i < context.RechargeKeys.Length; i++)
        {
            w.WriteByte((byte)',');
            if (row.RechargeValues is not null)
            {
                w.Advance(FormatCsvNumber(row.RechargeValues[i], w.GetSpan(CsvCellMaxLength)));
            }
        }

        if (context.Request.Options.Network)
        {
            var network = row.Report.Network?.Indicators;
            w.WriteByte((byte)',');
            w.Advance(FormatCsvNumber(network?.Clustering ?? double.NaN, w.GetSpan(CsvCellMaxLength)));
            w.WriteByte((byte)',');
            w.Advance(FormatCsvNumber(network?.WeightedClustering ?? double.NaN, w.GetSpan(CsvCellMaxLength)));
            foreach (var key in context.AttributeKeys)
            {
                w.WriteByte((byte)',');
                var found = network?.AttributeAssortativity.FirstOrDefault(a => a.Key == key);
                w.Advance(FormatCsvNumber(found is { Key: not null } a ? a.Value : double.NaN, w.GetSpan(CsvCellMaxLength)));
            }

            var assortativity = network?.IndicatorAssortativity.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
            foreach (var key in NetworkFilter.AssortativityKeys)
            {
                w.WriteByte((byte)',');
                w.Advance(FormatCsvNumber(assortativity is not null && assortativity.TryGetValue(key, out var v) ? v : double.NaN, w.GetSpan(CsvCellMaxLength)));
            }
        }

        foreach (var key in context.AttributeKeys)
        {
            w.WriteByte((byte)',');
            var value = row.Attributes?.FirstOrDefault(a => a.Key == key).Value;
            if (value is not null)
            {
                w.WriteText(Quote(value));
            }
        }

        w.WriteByte((byte)'\n');
    }

    /// <summary>
    /// Whether the shortest round-trip text of <paramref name="value"/> is that of the integer
    /// <c>(long)value</c>: a whole number below 10¹⁵ in magnitude (from 10¹⁵ on it is written
    /// <c>1E+15</c>), and not −0 (written <c>-0</c>). NaN and infinities are not.
    /// </summary>
    internal static bool IsSmallWholeNumber(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 && (value != 0 || !double.IsNegative(value));

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}

/// <summary>One worker thread's reusable output buffers for <see cref="IndicatorWriter.Render"/>.</summary>
internal sealed class RowRenderer(RowArrayPool pool) : IDisposable
{
    /// <summary>The row being rendered.</summary>
    public RowBuffer Buffer { get; } = new(pool);

    /// <summary>The JSON writer, re-targeted at <see cref="Buffer"/> for each row.</summary>
    public Utf8JsonWriter Json { get; } = new(Stream.Null, new JsonWriterOptions { Indented = true, SkipValidation = true });

    public void Dispose() => Json.Dispose();
}

/// <summary>A rendered row: bytes <c>[Start, Start + Length)</c> of a pooled array.</summary>
internal readonly record struct RenderedBytes(byte[] Array, int Start, int Length)
{
    public ReadOnlySpan<byte> Span => Array.AsSpan(Start, Length);
}

/// <summary>
/// Recycles the rows' arrays between the worker threads that render them and the thread that
/// writes them: rows of one run have similar sizes, so after the first few hundred rows
/// rendering allocates nothing (large rows would otherwise churn the large-object heap).
/// </summary>
internal sealed class RowArrayPool
{
    private readonly ConcurrentQueue<byte[]> free = new();

    /// <summary>An array of at least <paramref name="length"/> bytes.</summary>
    public byte[] Rent(int length)
    {
        if (free.TryDequeue(out var array) && array.Length >= length)
        {
            return array;
        }

        return GC.AllocateUninitializedArray<byte>(Math.Max(length, (int)Math.Min(Array.MaxLength, length + (length / 4L))));
    }

    public void Return(byte[] array)
    {
        if (array.Length > 0)
        {
            free.Enqueue(array);
        }
    }
}

/// <summary>
/// The buffer a row is rendered into. Its array is handed over whole (<see cref="Detach"/>) to the
/// writing thread instead of being copied, and the next row starts in another array of the pool.
/// </summary>
internal sealed class RowBuffer(RowArrayPool pool) : IBufferWriter<byte>
{
    private const int MinimumLength = 1 << 16;
    private byte[] array = [];
    private int written;

    public void Clear() => written = 0;

    public void Advance(int count) => written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Not array.AsMemory(Ensure(…)): the array field would be read before Ensure replaces it.
        Ensure(sizeHint);
        return array.AsMemory(written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return array.AsSpan(written);
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        written++;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        written += bytes.Length;
    }

    public void WriteText(string text)
    {
        Advance(Encoding.UTF8.GetBytes(text, GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
    }

    /// <summary>Hands over the rendered bytes from <paramref name="start"/> on; the buffer starts empty on a new array.</summary>
    public RenderedBytes Detach(int start)
    {
        var rendered = new RenderedBytes(array, start, written - start);
        array = [];
        written = 0;
        return rendered;
    }

    /// <summary>Makes room for <paramref name="sizeHint"/> bytes (at least one) after the written ones.</summary>
    private void Ensure(int sizeHint)
    {
        var needed = (long)written + Math.Max(sizeHint, 1);
        if (needed > array.Length)
        {
            var bigger = pool.Rent((int)Math.Max(needed, Math.Max(MinimumLength, Math.Min(Array.MaxLength, array.Length * 2L))));
            array.AsSpan(0, written).CopyTo(bigger);
            pool.Return(array);
            array = bigger;
        }
    }
}
