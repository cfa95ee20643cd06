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

    private FastCallStaging()
    {
    }

    /// <summary>Distinct raw ids of accepted rows with their pseudonyms (ids are never written).</summary>
    public Dictionary<string, long> Pseudonyms { get; } = new(StringComparer.Ordinal);

    /// <summary>Per call file: rows read and the rejected records (1-based record number, reason).</summary>
    public List<(string Path, long Rows, List<(long Record, string Reason)> Rejects)> Files { get; } = [];

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
        var knownCells = new ByteKeyTable();
        var ids = new int[cellIds.Count];
        foreach (var (code, id) in cellIds)
        {
            ids[knownCells.Intern(System.Text.Encoding.UTF8.GetBytes(code))] = id;
        }

        var clock = StepClock.Start();
        var parts = new List<(int File, long FirstRecord, FastCallPart Part)>();
        var staging = new FastCallStaging();
        for (var f = 0; f < files.Count; f++)
        {
            var csv = files[f];
            int Column(string canonical) => csv.Header.ToList().IndexOf(options.Map.Source(canonical));
            var layout = new FastCallLayout(csv.Header.Count, (byte)options.Delimiter, Column("caller_id"), Column("callee_id"), Column("start_time"),
                Column("duration_s"), Column("kind"), Column("caller_cell"), Column("callee_cell"), knownCells, ids, options.MaxDurationSeconds);
            var fileParts = FastCallReader.TryRead(csv.Path, layout, threads);
            if (fileParts is null)
            {
                return null;
            }

            long first = 1;
            var rejects = new List<(long Record, string Reason)>();
            foreach (var part in fileParts)
            {
                parts.Add((f, first, part));
                rejects.AddRange(part.Rejects.Select(r => (first + r.Record, r.Reason)));
                first += part.Records;
            }

            staging.Files.Add((csv.Path, first - 1, rejects));
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
        var global = new ByteKeyTable();
        var remaps = parts.Select(p =>
        {
            var remap = new int[p.Part.Ids.Count];
            for (var i = 0; i < remap.Length; i++)
            {
                remap[i] = global.Intern(p.Part.Ids.Key(i));
            }

            return remap;
        }).ToList();
        var ids = new string[global.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = global.KeyString(i);
        }

        var pseudonyms = new long[ids.Length];
        var integers = true;
        if (pseudonymizer is null)
        {
            for (var i = 0; i < ids.Length && integers; i++)
            {
                integers = long.TryParse(ids[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out pseudonyms[i]);
            }
        }
        else
        {
            // HMAC once per distinct id, split over the cores.
            var workers = Environment.ProcessorCount;
            Parallel.For(0, workers, w =>
            {
                using var local = pseudonymizer.Clone();
                for (var i = w; i < ids.Length; i += workers)
                {
                    pseudonyms[i] = local.Pseudonymize(ids[i]);
                }
            });
        }

        if (!integers)
        {
            return false;
        }

        for (var i = 0; i < ids.Length; i++)
        {
            Pseudonyms[ids[i]] = pseudonyms[i];
        }

        var total = parts.Sum(p => p.Part.Record.Count);
        caller = new long[total];
        callee = new long[total];
        ticks = new long[total];
        duration = new int[total];
        isText = new bool[total];
        callerCell = new int[total];
        calleeCell = new int[total];
        fileOf = new int[total];
        recordOf = new long[total];
        var at = 0;
        for (var p = 0; p < parts.Count; p++)
        {
            var (file, firstRecord, part) = parts[p];
            var remap = remaps[p];
            for (var r = 0; r < part.Record.Count; r++, at++)
            {
                caller[at] = pseudonyms[remap[part.Caller[r]]];
                callee[at] = pseudonyms[remap[part.Callee[r]]];
                ticks[at] = part.Ticks[r];
                duration[at] = part.Duration[r];
                isText[at] = part.IsText[r];
                callerCell[at] = part.CallerCell[r];
                calleeCell[at] = part.CalleeCell[r];
                fileOf[at] = file;
                recordOf[at] = firstRecord + part.Record[r];
            }
        }

        return true;
    }

    /// <summary>
    /// Sorts by the canonical key (start time, caller, callee, duration, kind, cells, nulls first)
    /// and then file and record, so each group of exact duplicates starts with its first row in
    /// file order, which is kept; the rest are rejected as duplicates.
    /// </summary>
    private void SortAndRejectDuplicates()
    {
        var n = ticks.Length;
        var sorted = new int[n];
        for (var i = 0; i < n; i++)
        {
            sorted[i] = i;
        }

        // Sort on the time alone (a primitive key sort), move every column into that order so
        // the rest works on neighbouring memory, then order the short runs of equal times fully.
        Array.Sort(ticks, sorted);
        caller = Gather(caller, sorted);
        callee = Gather(callee, sorted);
        duration = Gather(duration, sorted);
        isText = Gather(isText, sorted);
        callerCell = Gather(callerCell, sorted);
        calleeCell = Gather(calleeCell, sorted);
        fileOf = Gather(fileOf, sorted);
        recordOf = Gather(recordOf, sorted);
        for (var i = 0; i < n; i++)
        {
            sorted[i] = i;
        }

        var comparer = new RowComparer(this);
        for (var from = 0; from < n;)
        {
            var to = from + 1;
            while (to < n && ticks[to] == ticks[from])
            {
                to++;
            }

            if (to - from > 1)
            {
                Array.Sort(sorted, from, to - from, comparer);
            }

            from = to;
        }

        var kept = new List<int>(n);
        for (var i = 0; i < n; i++)
        {
            var row = sorted[i];
            if (kept.Count > 0 && comparer.SameCall(kept[^1], row))
            {
                Files[fileOf[row]].Rejects.Add((recordOf[row], RejectReason.Duplicate));
            }
            else
            {
                kept.Add(row);
            }
        }

        order = kept.ToArray();
    }

    private static T[] Gather<T>(T[] values, int[] positions)
    {
        var result = new T[values.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            result[i] = values[positions[i]];
        }

        return result;
    }

    /// <summary>Writes the accepted rows to <c>calls.parquet</c> in canonical order, atomically.</summary>
    public void WriteCalls(string path)
    {
        var clock = StepClock.Start();
        using var writer = new ParquetCallWriter(path);
        for (var from = 0; from < order.Length; from += RowGroupRows)
        {
            var count = Math.Min(RowGroupRows, order.Length - from);
            var buffer = new CallBuffer(count);
            for (var i = from; i < from + count; i++)
            {
                var row = order[i];
                // CallBuffer cells are 0-based (written +1); −1 marks an empty cell field.
                buffer.Add(caller[row], callee[row], new DateTime(ticks[row], DateTimeKind.Unspecified), duration[row], isText[row],
                    callerCell[row] < 0 ? -1 : callerCell[row] - 1, calleeCell[row] < 0 ? -1 : calleeCell[row] - 1);
            }

            writer.Append(buffer);
        }

        writer.Complete();
        clock.Lap(Timings, "calls_write");
    }

    /// <summary>The canonical order of calls; file and record break ties between exact duplicates.</summary>
    private sealed class RowComparer(FastCallStaging rows) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            var c = rows.ticks[x].CompareTo(rows.ticks[y]);
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

        public bool SameCall(int x, int y) => rows.ticks[x] == rows.ticks[y] && CompareCall(x, y) == 0;

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
