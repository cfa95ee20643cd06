using System.Globalization;
using Mosaic.Data;
using Mosaic.Privacy;
using Mosaic.Simulation;

namespace Mosaic.Ingest;

/// <summary>
/// The fast path of call staging for operator files (see <see cref="FastCallReader"/>): ids are
/// pseudonymised once per distinct id, the accepted rows are sorted into the canonical order of
/// <c>calls.parquet</c> in memory, exact duplicates (adjacent after the sort) are rejected, and
/// the table is written straight to Parquet. The rows, reasons and order are those of the
/// general path (<see cref="CallStaging"/> + <see cref="DataFolder.Write"/>).
/// </summary>
internal sealed class FastCallStaging
{
    /// <summary>Rows per Parquet row group, as <see cref="DuckDbSession.CopyToParquet"/>.</summary>
    private const int RowGroupRows = 1_000_000;

    private CallRows rows = new(0);
    private List<PartRange> ranges = [];
    private int[] order = [];
    private int accepted;
    private int threads = 1;

    private FastCallStaging()
    {
    }

    /// <summary>Distinct raw ids of accepted rows with their pseudonyms (ids are never written).</summary>
    public PseudonymLookup Pseudonyms { get; private set; } = new(new IdTable(), []);

    /// <summary>Per call file: rows read, the rejected records (1-based record number, reason) and the line and text of those found while reading (all but duplicates).</summary>
    public List<(string Path, long Rows, List<(long Record, string Reason)> Rejects, Dictionary<long, (long Line, string Raw)> Located)> Files { get; } = [];

    /// <summary>Wall and CPU seconds of the fast path's steps (for the manifest and docs/performance.md).</summary>
    public Dictionary<string, double> Timings { get; } = [];

    /// <summary>Accepted rows (after duplicates).</summary>
    public int AcceptedRows => accepted;

    /// <summary>
    /// Where a part's rows are in <see cref="rows"/> (in file order: a later part's rows come
    /// after an earlier part's), and what is needed to number them: the file, the part's first
    /// record number in it and its rejected records in order.
    /// </summary>
    private sealed record PartRange(int Start, int Count, int File, long FirstRecord, int[] RejectedRecords);

    /// <summary>
    /// Reads every operator call file with the fast reader; null when any file (or the options)
    /// need the general path. <paramref name="cellIds"/> maps each known cell code to its canonical id.
    /// </summary>
    public static FastCallStaging? TryStage(IngestOptions options, IReadOnlyList<CsvFile> files, IReadOnlyList<(string Code, int Id)>? cellIds, Pseudonymizer? pseudonymizer)
    {
        if (!options.FastReader || options.Format != CallFormat.Operator || options.Map.TimeFormat is not null || cellIds is null || options.Delimiter > 127
            || files.Any(f => f.Has(options.Map.Source("caller_lat")) || f.Has(options.Map.Source("callee_lat"))))
        {
            return null;
        }

        var threads = options.Engine.Threads ?? Environment.ProcessorCount;
        var knownCells = new CellCodeTable(cellIds);

        var clock = StepClock.Start();
        var plans = new List<FastCallPlan>();
        foreach (var csv in files)
        {
            if (FastCallReader.Plan(csv.Path, threads) is not { } plan)
            {
                return null;
            }

            plans.Add(plan);
        }

        // One range per part, with a fifth more room than expected (unwritten room costs no memory).
        var room = plans.SelectMany(p => p.ExpectedRows).Select(r => r + (r / 5)).ToList();
        var rows = new CallRows((int)Math.Min(room.Sum(r => (long)r), Array.MaxLength));
        // The first part interns into the table of all ids; the others are merged into it after reading.
        var global = new IdTable(plans.Count == 0 ? 1024 : plans[0].ExpectedRows[0] / 4);
        var parts = new List<(int File, FastCallPart Part)>();
        var staging = new FastCallStaging { threads = threads };
        long start = 0;
        for (var f = 0; f < files.Count; f++)
        {
            var csv = files[f];
            int Column(string canonical) => csv.Header.ToList().IndexOf(options.Map.Source(canonical));
            var layout = new FastCallLayout(csv.Header.Count, (byte)options.Delimiter, Column("caller_id"), Column("callee_id"), Column("start_time"),
                Column("duration_s"), Column("kind"), Column("caller_cell"), Column("callee_cell"), knownCells, options.MaxDurationSeconds);
            var fileParts = new List<FastCallPart>();
            foreach (var expected in plans[f].ExpectedRows)
            {
                var capacity = room[parts.Count];
                var from = (int)Math.Min(start, rows.Capacity);
                var part = new FastCallPart(rows, from, (int)Math.Min(capacity, rows.Capacity - from), parts.Count == 0 ? global : new IdTable(expected / 4));
                start += capacity;
                fileParts.Add(part);
                parts.Add((f, part));
            }

            if (!FastCallReader.Read(csv.Path, plans[f], layout, fileParts))
            {
                return null;
            }

            long first = 1;
            var rejects = new List<(long Record, string Reason)>();
            var located = new Dictionary<long, (long Line, string Raw)>();
            foreach (var part in fileParts)
            {
                foreach (var (record, reason, raw) in part.Rejects)
                {
                    rejects.Add((first + record, reason));
                    located[first + record] = (first + record + 1, raw); // the header is line 1; one line per record
                }

                first += part.Records;
            }

            staging.Files.Add((csv.Path, first - 1, rejects, located));
        }

        staging.Place(parts);
        clock.Lap(staging.Timings, "calls_parse");
        if (!staging.Pseudonymise(global, parts.Select(p => p.Part).ToList(), pseudonymizer))
        {
            return null;
        }

        clock.Lap(staging.Timings, "calls_pseudonymise");
        staging.SortAndRejectDuplicates();
        clock.Lap(staging.Timings, "calls_sort");
        return staging;
    }

    /// <summary>Records where each part's rows are; parts that outgrew their range are first copied, with all the others, into columns of the exact size.</summary>
    private void Place(List<(int File, FastCallPart Part)> parts)
    {
        var shared = parts.Count == 0 ? new CallRows(0) : parts[0].Part.Rows;
        if (parts.Any(p => p.Part.Rows != shared))
        {
            var exact = new CallRows(parts.Sum(p => p.Part.Count));
            var at = 0;
            foreach (var (_, part) in parts)
            {
                part.Rows.CopyTo(part.Start, exact, at, part.Count);
                at += part.Count;
            }

            shared = exact;
        }

        rows = shared;
        var next = 0;
        long firstRecord = 1;
        for (var p = 0; p < parts.Count; p++)
        {
            var (file, part) = parts[p];
            if (p > 0 && parts[p - 1].File != file)
            {
                firstRecord = 1;
            }

            var start = part.Rows == shared ? part.Start : next;
            ranges.Add(new PartRange(start, part.Count, file, firstRecord, part.Rejects.Select(r => r.Record).ToArray()));
            next = start + part.Count;
            firstRecord += part.Records;
        }
    }

    /// <summary>Replaces the parts' local id indices by pseudonyms; false when ids are not integers under --no-pseudonymize.</summary>
    private bool Pseudonymise(IdTable global, List<FastCallPart> parts, Pseudonymizer? pseudonymizer)
    {
        // The first part's ids are the global table's; the others' are merged into it in part order (first-seen order overall).
        var remaps = parts.Select((p, i) => i == 0 ? null : global.InternAll(p.Ids)).ToList();
        var pseudonyms = HugePageArray.Uninitialized<long>(global.Count);
        var integers = true;
        if (pseudonymizer is null)
        {
            for (var i = 0; i < pseudonyms.Length && integers; i++)
            {
                integers = global.TryGetInteger(i, out pseudonyms[i]);
            }
        }
        else
        {
            // HMAC once per distinct id, eight ids per vector pass, in one contiguous range per core.
            var workers = Environment.ProcessorCount;
            Parallel.For(0, workers, w => pseudonymizer.PseudonymizeMany(
                (int)((long)pseudonyms.Length * w / workers), (int)((long)pseudonyms.Length * (w + 1) / workers), global.MaxLength, global.Write, pseudonyms));
        }

        if (!integers)
        {
            return false;
        }

        Pseudonyms = new PseudonymLookup(global, pseudonyms);
        // In place, one part per core; a part's ids are first mapped to pseudonyms once (one lookup per row).
        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
        {
            var remap = remaps[p];
            var local = pseudonyms;
            if (remap is not null)
            {
                local = HugePageArray.Uninitialized<long>(remap.Length);
                for (var i = 0; i < local.Length; i++)
                {
                    local[i] = pseudonyms[remap[i]];
                }
            }

            var range = ranges[p];
            var caller = rows.Caller.AsSpan(range.Start, range.Count);
            var callee = rows.Callee.AsSpan(range.Start, range.Count);
            for (var r = 0; r < caller.Length; r++)
            {
                caller[r] = local[caller[r]];
                callee[r] = local[callee[r]];
            }
        });
        return true;
    }

    /// <summary>
    /// Sorts by the canonical key (start time, caller, callee, duration, kind, cells, nulls first)
    /// and then position (file order), so each group of exact duplicates starts with its first
    /// row in file order, which is kept; the rest are rejected as duplicates.
    /// </summary>
    /// <remarks>
    /// Rows are radix-sorted on a prefix of the key packed into 64 bits with the row's
    /// position: the start second and the top bits of the caller's pseudonym. Only rows whose
    /// prefixes tie (same second and caller bits) are then compared fully. Packed keys are
    /// unique (the row number), so the keys are split by their top digit into two ranges of
    /// about equal size that are sorted and resolved on separate cores; equal prefixes never
    /// straddle the split.
    /// </remarks>
    private void SortAndRejectDuplicates()
    {
        var n = ranges.Sum(r => r.Count);
        var positions = ranges.Count == 0 ? 0 : ranges[^1].Start + ranges[^1].Count;
        var rowBits = positions <= 1 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(positions - 1));
        // Two buffers of n keys (as ints, so the order handed to the writer needs no array of its
        // own): the one the sorted keys do not end in then holds each range's rows and kept rows.
        var first = HugePageArray.Uninitialized<int>(2 * n);
        var second = HugePageArray.Uninitialized<int>(2 * n);
        var prefixBits = PackKeys(first, rowBits, out var exactSeconds);
        var passes = (prefixBits + DigitBits - 1) / DigitBits;
        var split = passes == 0 ? [(0, n)] : SplitByTopDigit(Keys(first), Keys(second), rowBits + ((passes - 1) * DigitBits), threads);
        var sorted = split.Count > 1 ? second : first;
        var other = split.Count > 1 ? first : second;
        var kept = new int[split.Count];
        var duplicates = new List<int>[split.Count];
        Parallel.For(0, split.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            var (from, to) = split[r];
            var keys = Keys(sorted).Slice(from, to - from);
            RadixSort(keys, Keys(other).Slice(from, to - from), rowBits, passes);
            (kept[r], duplicates[r]) = ResolveTies(keys, other.AsSpan(2 * from, to - from), rowBits, exactSeconds);
        });

        // The ranges' kept rows, moved together (each starts at or after the end of those before it).
        accepted = 0;
        for (var r = 0; r < split.Count; r++)
        {
            other.AsSpan(2 * split[r].From, kept[r]).CopyTo(other.AsSpan(accepted));
            accepted += kept[r];
        }

        order = other;
        RejectDuplicates(duplicates.SelectMany(d => d).ToList());
    }

    private static Span<ulong> Keys(int[] buffer) => System.Runtime.InteropServices.MemoryMarshal.Cast<int, ulong>(buffer.AsSpan());

    /// <summary>Rejects the duplicate rows (positions in <see cref="rows"/>), numbering them by their file and record.</summary>
    private void RejectDuplicates(List<int> found)
    {
        // The k-th row of a part is its k-th record that was not rejected while reading: walk the
        // positions in order beside each part's rejected records.
        var records = new Dictionary<int, (int File, long Record)>();
        var p = 0;
        var cursor = 0;
        foreach (var position in found.Order())
        {
            while (position >= ranges[p].Start + ranges[p].Count)
            {
                p++;
                cursor = 0;
            }

            var range = ranges[p];
            var k = position - range.Start;
            while (cursor < range.RejectedRecords.Length && range.RejectedRecords[cursor] <= k + cursor)
            {
                cursor++;
            }

            records[position] = (range.File, range.FirstRecord + k + cursor);
        }

        foreach (var position in found)
        {
            var (file, record) = records[position];
            Files[file].Rejects.Add((record, RejectReason.Duplicate));
        }
    }

    /// <summary>
    /// Writes the rows of sorted keys to <paramref name="rows"/>, then keeps, in place at its
    /// start, the rows that are not duplicates (returns their count), comparing rows in full only
    /// where packed prefixes tie; with <paramref name="exactSeconds"/> rows whose prefixes tie have
    /// the same start time, so it is not compared again (a random read saved per row).
    /// </summary>
    private (int Kept, List<int> Duplicates) ResolveTies(ReadOnlySpan<ulong> keys, Span<int> rows, int rowBits, bool exactSeconds)
    {
        var comparer = new RowComparer(this.rows, exactSeconds);
        var rowMask = (1UL << rowBits) - 1;
        for (var i = 0; i < keys.Length; i++)
        {
            rows[i] = (int)(keys[i] & rowMask);
        }

        // Kept rows are written at `kept`, never after the row being read.
        var kept = 0;
        var duplicates = new List<int>();
        for (var from = 0; from < keys.Length;)
        {
            var prefix = keys[from] >> rowBits;
            var to = from + 1;
            while (to < keys.Length && keys[to] >> rowBits == prefix)
            {
                to++;
            }

            if (to - from == 1)
            {
                rows[kept++] = rows[from];
            }
            else
            {
                rows[from..to].Sort(comparer);
                rows[kept++] = rows[from];
                for (var i = from + 1; i < to; i++)
                {
                    var row = rows[i];
                    if (comparer.SameCall(rows[kept - 1], row))
                    {
                        duplicates.Add(row);
                    }
                    else
                    {
                        rows[kept++] = row;
                    }
                }
            }

            from = to;
        }

        return (kept, duplicates);
    }

    /// <summary>
    /// With more than one thread and enough keys, moves <paramref name="keys"/> into
    /// <paramref name="target"/> split into two ranges by the digit at <paramref name="shift"/>
    /// (every key of the first range is smaller than every key of the second) and returns them;
    /// otherwise returns the whole of <paramref name="keys"/> as one range, unmoved.
    /// </summary>
    private static List<(int From, int To)> SplitByTopDigit(Span<ulong> keys, Span<ulong> target, int shift, int threads)
    {
        var n = keys.Length;
        if (threads < 2 || n < 1 << 16)
        {
            return [(0, n)];
        }

        // The top digit has at most DigitBits bits (the mask only keeps the index in range).
        var counts = new int[1 << DigitBits];
        foreach (var key in keys)
        {
            counts[(int)((key >> shift) & ((1 << DigitBits) - 1))]++;
        }

        // The first range ends at the digit boundary closest to half of the keys.
        var split = 0;
        var below = 0;
        while (split < counts.Length && below + counts[split] <= n / 2)
        {
            below += counts[split++];
        }

        if (split < counts.Length && below + counts[split] - (n / 2) < (n / 2) - below)
        {
            below += counts[split++];
        }

        if (below == 0 || below == n)
        {
            return [(0, n)];
        }

        int low = 0, high = below;
        foreach (var key in keys)
        {
            target[(int)((key >> shift) & ((1 << DigitBits) - 1)) < split ? low++ : high++] = key;
        }

        return [(0, below), (below, n)];
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> (as keys, one per row) with prefix ‖ position and returns the prefix's width. The
    /// prefix orders rows as the canonical key does, ties allowed: the start second (shifted
    /// right if it does not fit) and, when times are whole seconds, the caller's top bits.
    /// <paramref name="exactSeconds"/> tells that equal prefixes mean equal start times.
    /// </summary>
    private int PackKeys(int[] buffer, int rowBits, out bool exactSeconds)
    {
        var n = ranges.Sum(r => r.Count);
        long min = long.MaxValue, max = long.MinValue;
        var wholeSeconds = true;
        foreach (var range in ranges)
        {
            foreach (var t in rows.Ticks.AsSpan(range.Start, range.Count))
            {
                min = Math.Min(min, t);
                max = Math.Max(max, t);
                wholeSeconds &= t % TimeSpan.TicksPerSecond == 0;
            }
        }

        var span = n == 0 ? 0UL : (ulong)(max - min) / TimeSpan.TicksPerSecond;
        var timeBits = 64 - System.Numerics.BitOperations.LeadingZeroCount(span);
        var timeShift = Math.Max(0, timeBits + rowBits - 64);
        timeBits -= timeShift;
        // Caller bits fill the last radix digit (at least 8 bits); none when seconds could be split.
        var room = 64 - rowBits - timeBits;
        exactSeconds = wholeSeconds && timeShift == 0;
        var callerBits = !exactSeconds ? 0 : Math.Min(room, (((timeBits + 8 + DigitBits - 1) / DigitBits) * DigitBits) - timeBits);
        // Key k is the k-th row over the ranges in order; one range per core at a time.
        var firstKey = new int[ranges.Count];
        for (var r = 1; r < ranges.Count; r++)
        {
            firstKey[r] = firstKey[r - 1] + ranges[r - 1].Count;
        }

        Parallel.For(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            var keys = Keys(buffer).Slice(firstKey[r], ranges[r].Count);
            var at = ranges[r].Start;
            var ticks = rows.Ticks;
            var caller = rows.Caller;
            for (var i = 0; i < keys.Length; i++, at++)
            {
                var time = ((ulong)(ticks[at] - min) / TimeSpan.TicksPerSecond) >> timeShift;
                var high = callerBits == 0 ? 0 : (unchecked((ulong)caller[at]) ^ 0x8000000000000000UL) >> (64 - callerBits);
                keys[i] = (((time << callerBits) | high) << rowBits) | (uint)at;
            }
        });
        return timeBits + callerBits;
    }

    private const int DigitBits = 11;

    /// <summary>LSD radix sort of <paramref name="keys"/> on <paramref name="passes"/> digits above the row bits (<paramref name="scratch"/>: same length). Keys are unique, so stability does not matter.</summary>
    private static void RadixSort(Span<ulong> keys, Span<ulong> scratch, int rowBits, int passes)
    {
        var n = keys.Length;
        if (passes == 0 || n < 2)
        {
            return;
        }

        const int Buckets = 1 << DigitBits;
        var counts = new int[passes * Buckets];
        foreach (var key in keys)
        {
            for (var p = 0; p < passes; p++)
            {
                counts[(p * Buckets) + (int)((key >> (rowBits + (p * DigitBits))) & (Buckets - 1))]++;
            }
        }

        var source = keys;
        var target = scratch;
        var offsets = new int[Buckets];
        for (var p = 0; p < passes; p++)
        {
            var shift = rowBits + (p * DigitBits);
            var sum = 0;
            for (var b = 0; b < Buckets; b++)
            {
                offsets[b] = sum;
                sum += counts[(p * Buckets) + b];
            }

            if (counts[(p * Buckets) + (int)((source[0] >> shift) & (Buckets - 1))] == n)
            {
                continue; // every key has this digit
            }

            foreach (var key in source)
            {
                target[offsets[(int)((key >> shift) & (Buckets - 1))]++] = key;
            }

            var swap = source;
            source = target;
            target = swap;
        }

        if (source != keys)
        {
            source.CopyTo(keys);
        }
    }

    /// <summary>Writes the accepted rows to <c>calls.parquet</c> in canonical order, atomically.</summary>
    public void WriteCalls(string path)
    {
        var clock = StepClock.Start();
        CallsParquetWriter.Write(path, new CallColumns(order, rows.Caller, rows.Callee, rows.Ticks, rows.Duration, rows.IsText, rows.CallerCell, rows.CalleeCell) { Rows = accepted },
            RowGroupRows, threads);
        clock.Lap(Timings, "calls_write");
    }

    /// <summary>The canonical order of calls; positions (which are in file order) break ties between exact duplicates.</summary>
    private readonly struct RowComparer(CallRows rows, bool timesTie) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            var c = timesTie ? 0 : rows.Ticks[x].CompareTo(rows.Ticks[y]);
            if (c == 0)
            {
                c = CompareCall(x, y);
            }

            return c != 0 ? c : x.CompareTo(y);
        }

        public bool SameCall(int x, int y) => (timesTie || rows.Ticks[x] == rows.Ticks[y]) && CompareCall(x, y) == 0;

        private int CompareCall(int x, int y)
        {
            var c = rows.Caller[x].CompareTo(rows.Caller[y]);
            if (c == 0)
            {
                c = rows.Callee[x].CompareTo(rows.Callee[y]);
            }

            if (c == 0)
            {
                c = rows.Duration[x].CompareTo(rows.Duration[y]);
            }

            if (c == 0)
            {
                c = rows.IsText[x].CompareTo(rows.IsText[y]);
            }

            if (c == 0)
            {
                c = rows.CallerCell[x].CompareTo(rows.CallerCell[y]);
            }

            return c != 0 ? c : rows.CalleeCell[x].CompareTo(rows.CalleeCell[y]);
        }
    }
}

/// <summary>The pseudonyms of the fast path's distinct ids, looked up by id text.</summary>
internal sealed class PseudonymLookup(IdTable ids, long[] pseudonyms)
{
    /// <summary>Distinct ids.</summary>
    public int Count => pseudonyms.Length;

    /// <summary>Every pseudonym (one per distinct id).</summary>
    public IReadOnlyList<long> Values => pseudonyms;

    /// <summary>The pseudonym of <paramref name="id"/>; false when the id is not among them.</summary>
    public bool TryGetValue(string id, out long pseudonym)
    {
        var index = ids.IndexOf(System.Text.Encoding.UTF8.GetBytes(id));
        pseudonym = index < 0 ? 0 : pseudonyms[index];
        return index >= 0;
    }
}

/// <summary>Measures steps in wall and process CPU seconds.</summary>
internal sealed class StepClock
{
    private readonly System.Diagnostics.Stopwatch wall = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    private StepClock()
    {
    }

    /// <summary>Starts measuring.</summary>
    public static StepClock Start() => new();

    /// <summary>Records <c>step</c> (wall) and <c>step_cpu</c> since the last lap, and restarts.</summary>
    public void Lap(Dictionary<string, double> timings, string step)
    {
        var now = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        timings[step] = Math.Round(wall.Elapsed.TotalSeconds, 3);
        timings[step + "_cpu"] = Math.Round((now - cpu).TotalSeconds, 3);
        wall.Restart();
        cpu = now;
    }
}
