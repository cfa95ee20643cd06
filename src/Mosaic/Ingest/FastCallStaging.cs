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

    private long[] caller = [];
    private long[] callee = [];
    private long[] ticks = [];
    private int[] duration = [];
    private bool[] isText = [];
    private int[] callerCell = [];
    private int[] calleeCell = [];
    private int[] fileOf = [];
    private long[] recordOf = [];
    private int[] order = [];
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
    public int AcceptedRows => order.Length;

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
        var parts = new List<(int File, long FirstRecord, FastCallPart Part)>();
        var staging = new FastCallStaging { threads = threads };
        for (var f = 0; f < files.Count; f++)
        {
            var csv = files[f];
            int Column(string canonical) => csv.Header.ToList().IndexOf(options.Map.Source(canonical));
            var layout = new FastCallLayout(csv.Header.Count, (byte)options.Delimiter, Column("caller_id"), Column("callee_id"), Column("start_time"),
                Column("duration_s"), Column("kind"), Column("caller_cell"), Column("callee_cell"), knownCells, options.MaxDurationSeconds);
            var fileParts = FastCallReader.TryRead(csv.Path, layout, threads);
            if (fileParts is null)
            {
                return null;
            }

            long first = 1;
            var rejects = new List<(long Record, string Reason)>();
            var located = new Dictionary<long, (long Line, string Raw)>();
            foreach (var part in fileParts)
            {
                parts.Add((f, first, part));
                foreach (var (record, reason, raw) in part.Rejects)
                {
                    rejects.Add((first + record, reason));
                    located[first + record] = (first + record + 1, raw); // the header is line 1; one line per record
                }

                first += part.Records;
            }

            staging.Files.Add((csv.Path, first - 1, rejects, located));
        }

        clock.Lap(staging.Timings, "calls_parse");
        if (!staging.Pseudonymise(parts, pseudonymizer))
        {
            return null;
        }

        clock.Lap(staging.Timings, "calls_pseudonymise");
        staging.SortAndRejectDuplicates();
        clock.Lap(staging.Timings, "calls_sort");
        return staging;
    }

    /// <summary>Gathers the parts' rows with pseudonyms; false when ids are not integers under --no-pseudonymize.</summary>
    private bool Pseudonymise(List<(int File, long FirstRecord, FastCallPart Part)> parts, Pseudonymizer? pseudonymizer)
    {
        var global = new IdTable(parts.Count == 0 ? 1024 : parts.Max(p => p.Part.Ids.Count));
        var remaps = parts.Select(p => global.InternAll(p.Part.Ids)).ToList();
        var pseudonyms = new long[global.Count];
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
        var total = parts.Sum(p => p.Part.Count);
        caller = HugePageArray.Uninitialized<long>(total);
        callee = HugePageArray.Uninitialized<long>(total);
        ticks = HugePageArray.Uninitialized<long>(total);
        duration = HugePageArray.Uninitialized<int>(total);
        isText = HugePageArray.Uninitialized<bool>(total);
        callerCell = HugePageArray.Uninitialized<int>(total);
        calleeCell = HugePageArray.Uninitialized<int>(total);
        fileOf = HugePageArray.Uninitialized<int>(total);
        recordOf = HugePageArray.Uninitialized<long>(total);
        var offsets = new int[parts.Count];
        for (var p = 1; p < parts.Count; p++)
        {
            offsets[p] = offsets[p - 1] + parts[p - 1].Part.Count;
        }

        // Each part is gathered into its own range, one part per core.
        Parallel.For(0, parts.Count, p =>
        {
            var (file, firstRecord, part) = parts[p];
            var remap = remaps[p];
            var local = HugePageArray.Uninitialized<long>(remap.Length);
            for (var i = 0; i < local.Length; i++)
            {
                local[i] = pseudonyms[remap[i]];
            }

            var at = offsets[p];
            var n = part.Count;
            for (var r = 0; r < n; r++, at++)
            {
                caller[at] = local[part.Caller[r]];
                callee[at] = local[part.Callee[r]];
                fileOf[at] = file;
                recordOf[at] = firstRecord + part.Record[r];
            }

            part.Ticks.AsSpan(0, n).CopyTo(ticks.AsSpan(offsets[p]));
            part.Duration.AsSpan(0, n).CopyTo(duration.AsSpan(offsets[p]));
            part.IsText.AsSpan(0, n).CopyTo(isText.AsSpan(offsets[p]));
            part.CallerCell.AsSpan(0, n).CopyTo(callerCell.AsSpan(offsets[p]));
            part.CalleeCell.AsSpan(0, n).CopyTo(calleeCell.AsSpan(offsets[p]));
        });
        return true;
    }

    /// <summary>
    /// Sorts by the canonical key (start time, caller, callee, duration, kind, cells, nulls first)
    /// and then file and record, so each group of exact duplicates starts with its first row in
    /// file order, which is kept; the rest are rejected as duplicates.
    /// </summary>
    /// <remarks>
    /// Rows (in file order) are radix-sorted on a prefix of the key packed into 64 bits with the
    /// row number: the start second and the top bits of the caller's pseudonym. Only rows whose
    /// prefixes tie (same second and caller bits) are then compared fully. Packed keys are
    /// unique (the row number), so the keys are split by their top digit into two ranges of
    /// about equal size that are sorted and resolved on separate cores; equal prefixes never
    /// straddle the split.
    /// </remarks>
    private void SortAndRejectDuplicates()
    {
        var n = ticks.Length;
        var rowBits = n <= 1 ? 1 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1));
        var keys = HugePageArray.Uninitialized<ulong>(n);
        var scratch = HugePageArray.Uninitialized<ulong>(n);
        var prefixBits = PackKeys(keys, rowBits, out var exactSeconds);
        var passes = (prefixBits + DigitBits - 1) / DigitBits;
        var ranges = passes == 0 ? new List<(int From, int To)> { (0, n) } : SplitByTopDigit(keys, scratch, rowBits + ((passes - 1) * DigitBits), threads);
        var sorted = ranges.Count > 1 ? scratch : keys;
        var temporary = ranges.Count > 1 ? keys : scratch;
        var rows = HugePageArray.Uninitialized<int>(n);
        var kept = new List<int>[ranges.Count];
        var duplicates = new List<int>[ranges.Count];
        Parallel.For(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            var (from, to) = ranges[r];
            RadixSort(sorted.AsSpan(from, to - from), temporary.AsSpan(from, to - from), rowBits, passes);
            (kept[r], duplicates[r]) = ResolveTies(sorted.AsSpan(from, to - from), rows.AsSpan(from, to - from), rowBits, exactSeconds);
        });

        order = kept.Length == 1 ? kept[0].ToArray() : kept.SelectMany(k => k).ToArray();
        foreach (var row in duplicates.SelectMany(d => d))
        {
            Files[fileOf[row]].Rejects.Add((recordOf[row], RejectReason.Duplicate));
        }
    }

    /// <summary>
    /// The kept rows of sorted keys in order, and the duplicate rows, comparing rows in full only
    /// where packed prefixes tie; with <paramref name="exactSeconds"/> rows whose prefixes tie have
    /// the same start time, so it is not compared again (a random read saved per row).
    /// </summary>
    private (List<int> Kept, List<int> Duplicates) ResolveTies(ReadOnlySpan<ulong> keys, Span<int> rows, int rowBits, bool exactSeconds)
    {
        var comparer = new RowComparer(this, exactSeconds);
        var rowMask = (1UL << rowBits) - 1;
        for (var i = 0; i < keys.Length; i++)
        {
            rows[i] = (int)(keys[i] & rowMask);
        }

        var kept = new List<int>(keys.Length);
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
                kept.Add(rows[from]);
            }
            else
            {
                rows[from..to].Sort(comparer);
                kept.Add(rows[from]);
                for (var i = from + 1; i < to; i++)
                {
                    var row = rows[i];
                    if (comparer.SameCall(kept[^1], row))
                    {
                        duplicates.Add(row);
                    }
                    else
                    {
                        kept.Add(row);
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
    private static List<(int From, int To)> SplitByTopDigit(ulong[] keys, ulong[] target, int shift, int threads)
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
    /// Fills <paramref name="keys"/> with prefix ‖ row number and returns the prefix's width. The
    /// prefix orders rows as the canonical key does, ties allowed: the start second (shifted
    /// right if it does not fit) and, when times are whole seconds, the caller's top bits.
    /// <paramref name="exactSeconds"/> tells that equal prefixes mean equal start times.
    /// </summary>
    private int PackKeys(ulong[] keys, int rowBits, out bool exactSeconds)
    {
        var n = ticks.Length;
        long min = long.MaxValue, max = long.MinValue;
        var wholeSeconds = true;
        foreach (var t in ticks)
        {
            min = Math.Min(min, t);
            max = Math.Max(max, t);
            wholeSeconds &= t % TimeSpan.TicksPerSecond == 0;
        }

        var range = n == 0 ? 0UL : (ulong)(max - min) / TimeSpan.TicksPerSecond;
        var timeBits = 64 - System.Numerics.BitOperations.LeadingZeroCount(range);
        var timeShift = Math.Max(0, timeBits + rowBits - 64);
        timeBits -= timeShift;
        // Caller bits fill the last radix digit (at least 8 bits); none when seconds could be split.
        var room = 64 - rowBits - timeBits;
        exactSeconds = wholeSeconds && timeShift == 0;
        var callerBits = !exactSeconds ? 0 : Math.Min(room, (((timeBits + 8 + DigitBits - 1) / DigitBits) * DigitBits) - timeBits);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
        {
            var to = (int)((long)n * (part + 1) / threads);
            for (var i = (int)((long)n * part / threads); i < to; i++)
            {
                var time = ((ulong)(ticks[i] - min) / TimeSpan.TicksPerSecond) >> timeShift;
                var high = callerBits == 0 ? 0 : (unchecked((ulong)caller[i]) ^ 0x8000000000000000UL) >> (64 - callerBits);
                keys[i] = (((time << callerBits) | high) << rowBits) | (uint)i;
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
        CallsParquetWriter.Write(path, new CallColumns(order, caller, callee, ticks, duration, isText, callerCell, calleeCell), RowGroupRows, threads);
        clock.Lap(Timings, "calls_write");
    }

    /// <summary>The canonical order of calls; file and record break ties between exact duplicates.</summary>
    private readonly struct RowComparer(FastCallStaging rows, bool timesTie) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            var c = timesTie ? 0 : rows.ticks[x].CompareTo(rows.ticks[y]);
            if (c == 0)
            {
                c = CompareCall(x, y);
            }

            if (c == 0)
            {
                c = rows.fileOf[x].CompareTo(rows.fileOf[y]);
            }

            return c != 0 ? c : rows.recordOf[x].CompareTo(rows.recordOf[y]);
        }

        public bool SameCall(int x, int y) => (timesTie || rows.ticks[x] == rows.ticks[y]) && CompareCall(x, y) == 0;

        private int CompareCall(int x, int y)
        {
            var c = rows.caller[x].CompareTo(rows.caller[y]);
            if (c == 0)
            {
                c = rows.callee[x].CompareTo(rows.callee[y]);
            }

            if (c == 0)
            {
                c = rows.duration[x].CompareTo(rows.duration[y]);
            }

            if (c == 0)
            {
                c = rows.isText[x].CompareTo(rows.isText[y]);
            }

            if (c == 0)
            {
                c = rows.callerCell[x].CompareTo(rows.callerCell[y]);
            }

            return c != 0 ? c : rows.calleeCell[x].CompareTo(rows.calleeCell[y]);
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
