using System.Globalization;
using DuckDB.NET.Data;
using Mosaic.Data;

namespace Mosaic.Features;

/// <summary>
/// The weekly undirected contact graphs of the whole data, built in C# from one streaming scan of
/// <c>calls</c>: subscriber ids are mapped to dense node indices with an open-addressing table,
/// every call of a week appends its packed (lower, higher) index pair to that week's buffer, and
/// each week is then radix-sorted, de-duplicated and handed to <see cref="ClusteringKernel"/>.
/// </summary>
/// <remarks>
/// Replaces two joins per week of the calls with a node index in DuckDB (the largest cost of the
/// stage at the <c>seed</c> scale). Node indices are in first-seen order, which is arbitrary; the
/// triangle counts and degrees, hence the coefficients, do not depend on the numbering.
/// </remarks>
internal static class ContactGraph
{
    /// <summary>Entries per chunk of a week's edge buffer (32 MB): growing never copies what was read.</summary>
    private const int ChunkLength = 1 << 22;

    /// <summary>Node count, edges and triangles per week (keys: week numbers as text), seconds of the scan and of the weeks' sorts and kernels.</summary>
    internal sealed record Summary(long Nodes, Dictionary<string, long> Edges, Dictionary<string, long> Triangles, double ScanSeconds = 0, double WeeksSeconds = 0);

    /// <summary>
    /// Builds the graph of each study week from the calls of <paramref name="sql"/>'s study weeks
    /// and appends the subjects' coefficients (non-machines of <c>fx_people</c> with at least one
    /// edge in the week) to <c>fx_cluster</c>, which must exist.
    /// </summary>
    public static Summary Cluster(DuckDbSession session, FeatureSql sql, int weeks, int threads) =>
        Finish(session, Read(session.Connection, sql, weeks), weeks, threads);

    /// <summary>The result of the scan: the id table and every week's packed edges, not yet sorted.</summary>
    internal sealed class Scan(IdIndex index, List<ulong[]>[] buffers, long[] counts, double seconds)
    {
        /// <summary>Ids to node indices.</summary>
        public IdIndex? Index { get; set; } = index;

        /// <summary>Per week, the chunks of packed edges.</summary>
        public List<ulong[]>[] Buffers { get; } = buffers;

        /// <summary>Per week, the number of packed edges in the chunks.</summary>
        public long[] Counts { get; } = counts;

        /// <summary>Wall seconds of the scan.</summary>
        public double Seconds { get; } = seconds;
    }

    /// <summary>
    /// The scan alone: needs only <c>calls</c>, so it may run on a second connection of the same
    /// database while other statements run.
    /// </summary>
    public static Scan Read(DuckDBConnection connection, FeatureSql sql, int weeks)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var index = new IdIndex();
        var buffers = Enumerable.Range(0, weeks).Select(_ => new List<ulong[]>()).ToArray();
        var counts = new long[weeks];
        using (var command = connection.CreateCommand())
        {
            // Streaming: the result (three columns of every call) is never materialised.
            command.UseStreamingMode = true;
            command.CommandText = $"""
                SELECT caller_id, callee_id, {sql.Week("start_time")} AS week
                FROM {CanonicalTables.Calls} WHERE {sql.InStudy("start_time")}
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var a = index.GetOrAdd(reader.GetInt64(0));
                var b = index.GetOrAdd(reader.GetInt64(1));
                if (a == b)
                {
                    continue; // a self-call makes a node but no edge
                }

                var w = reader.GetInt32(2) - 1;
                var key = a < b ? ((ulong)a << 32) | (uint)b : ((ulong)b << 32) | (uint)a; // indices are never negative
                var chunk = (int)(counts[w] % ChunkLength);
                if (chunk == 0)
                {
                    buffers[w].Add(new ulong[ChunkLength]);
                }

                buffers[w][^1][chunk] = key;
                counts[w]++;
            }
        }

        return new Scan(index, buffers, counts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Sorts, de-duplicates and counts the triangles of each week of <paramref name="scan"/> (its
    /// arrays are released on the way) and appends the subjects' coefficients to <c>fx_cluster</c>.
    /// Frees the id table before the first week (the sliced run's memory bound).
    /// </summary>
    public static Summary Finish(DuckDbSession session, Scan scan, int weeks, int threads)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var index = scan.Index ?? throw new InvalidOperationException("the scan was already finished");
        var subjects = Subjects(session, index);
        var nodeCount = index.Count;
        // The id table is the largest array left; free it before the weeks' arrays.
        scan.Index = null;
        var edgesByWeek = new Dictionary<string, long>();
        var trianglesByWeek = new Dictionary<string, long>();
        foreach (var week in Weeks(scan, nodeCount, weeks, threads))
        {
            Append(session, subjects, week, edgesByWeek, trianglesByWeek);
        }

        return new Summary(nodeCount, edgesByWeek, trianglesByWeek, scan.Seconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One week's graph: distinct edges, triangles through and degree of every node.</summary>
    internal sealed record Week(int Number, long Edges, long[] Triangles, int[] Degree);

    /// <summary>The weeks' graphs with the id table, computed before the subjects are known.</summary>
    internal sealed record Computed(IdIndex Index, IReadOnlyList<Week> Weeks, double ScanSeconds, double WeeksSeconds);

    /// <summary>
    /// The sort, de-duplication and kernel of every week of <paramref name="scan"/>, needing no
    /// table: runs alongside the relational steps in the one-pass form. Keeps the id table and
    /// every week's per-node counts (12 bytes per node and week) until <see cref="Finish(DuckDbSession, Computed)"/>.
    /// </summary>
    public static Computed Compute(Scan scan, int weeks, int threads)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var index = scan.Index ?? throw new InvalidOperationException("the scan was already finished");
        scan.Index = null;
        var computed = Weeks(scan, index.Count, weeks, threads).ToList();
        return new Computed(index, computed, scan.Seconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Appends the subjects' coefficients of <paramref name="graph"/> to <c>fx_cluster</c>.</summary>
    public static Summary Finish(DuckDbSession session, Computed graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var subjects = Subjects(session, graph.Index);
        var edgesByWeek = new Dictionary<string, long>();
        var trianglesByWeek = new Dictionary<string, long>();
        foreach (var week in graph.Weeks)
        {
            Append(session, subjects, week, edgesByWeek, trianglesByWeek);
        }

        return new Summary(graph.Index.Count, edgesByWeek, trianglesByWeek, graph.ScanSeconds, graph.WeeksSeconds);
    }

    /// <summary>The subjects (non-machines of <c>fx_people</c>) that are nodes, sorted by id, with their node index.</summary>
    private static (long Id, int Node)[] Subjects(DuckDbSession session, IdIndex index) =>
        session.Query("SELECT subscriber_id FROM fx_people WHERE NOT is_machine ORDER BY subscriber_id", r => r.GetInt64(0))
            .Select(id => (Id: id, Node: index.Find(id)))
            .Where(s => s.Node >= 0)
            .ToArray();

    private static void Append(DuckDbSession session, (long Id, int Node)[] subjects, Week week,
        Dictionary<string, long> edgesByWeek, Dictionary<string, long> trianglesByWeek)
    {
        var label = week.Number.ToString(CultureInfo.InvariantCulture);
        edgesByWeek[label] = week.Edges;
        trianglesByWeek[label] = week.Triangles.Sum() / 3;
        using var appender = session.Connection.CreateAppender("fx_cluster");
        foreach (var (id, node) in subjects)
        {
            if (week.Degree[node] > 0)
            {
                appender.CreateRow().AppendValue(id).AppendValue(week.Number)
                    .AppendValue(ClusteringKernel.Coefficient(week.Triangles[node], week.Degree[node])).EndRow();
            }
        }
    }

    /// <summary>Each week's sort, de-duplication and kernel, one week at a time; a week's buffer is released before the next.</summary>
    private static IEnumerable<Week> Weeks(Scan scan, int nodeCount, int weeks, int threads)
    {
        var (buffers, counts) = (scan.Buffers, scan.Counts);
        for (var w = 0; w < weeks; w++)
        {
            var edges = Gather(buffers[w], counts[w]);
            buffers[w].Clear();
            var distinct = SortDistinct(edges, nodeCount);
            var from = new int[distinct];
            var to = new int[distinct];
            for (var i = 0; i < distinct; i++)
            {
                from[i] = (int)(edges[i] >> 32);
                to[i] = unchecked((int)(uint)edges[i]);
            }

            edges = null;
            var (triangles, degree) = ClusteringKernel.Count(nodeCount, from, to, threads);
            yield return new Week(w + 1, distinct, triangles, degree);
        }
    }

    /// <summary>The chunks of a week's buffer as one array (the chunks are released as they are copied).</summary>
    private static ulong[] Gather(List<ulong[]> chunks, long count)
    {
        var all = new ulong[count];
        for (var c = 0; c < chunks.Count; c++)
        {
            var start = (long)c * ChunkLength;
            var length = (int)Math.Min(ChunkLength, count - start);
            Array.Copy(chunks[c], 0, all, start, length);
            chunks[c] = [];
        }

        return all;
    }

    /// <summary>
    /// Sorts packed (lower &lt;&lt; 32 | higher) edges and moves the distinct ones to the front;
    /// returns their number. LSD radix sort on the used bits only: keys are first repacked as
    /// lower &lt;&lt; b | higher with b = bits of the node count (same order).
    /// </summary>
    internal static int SortDistinct(ulong[] keys, int nodeCount)
    {
        var bits = Math.Max(1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)Math.Max(1, nodeCount - 1)));
        var low = (1UL << bits) - 1;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = ((keys[i] >> 32) << bits) | (keys[i] & low);
        }

        RadixSort(keys, 2 * bits);
        var n = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (n == 0 || keys[i] != keys[n - 1])
            {
                keys[n++] = keys[i];
            }
        }

        for (var i = 0; i < n; i++)
        {
            keys[i] = ((keys[i] >> bits) << 32) | (keys[i] & low);
        }

        return n;
    }

    /// <summary>Stable LSD radix sort of keys below 2^<paramref name="keyBits"/>, digits of at most 16 bits.</summary>
    private static void RadixSort(ulong[] keys, int keyBits)
    {
        var passes = Math.Max(1, (keyBits + 15) / 16);
        var digit = (keyBits + passes - 1) / passes;
        var mask = (1UL << digit) - 1;
        var source = keys;
        var target = new ulong[keys.Length];
        var offsets = new long[1 << digit];
        for (var pass = 0; pass < passes; pass++)
        {
            var shift = pass * digit;
            Array.Clear(offsets);
            foreach (var k in source)
            {
                offsets[(int)((k >> shift) & mask)]++;
            }

            long sum = 0;
            for (var d = 0; d < offsets.Length; d++)
            {
                (offsets[d], sum) = (sum, sum + offsets[d]);
            }

            foreach (var k in source)
            {
                target[offsets[(int)((k >> shift) & mask)]++] = k;
            }

            (source, target) = (target, source);
        }

        if (!ReferenceEquals(source, keys))
        {
            Array.Copy(source, keys, keys.Length);
        }
    }

    /// <summary>
    /// Open-addressing (linear probing) table from 64-bit subscriber ids to dense indices in
    /// first-seen order; about 24 bytes per id at the maximum load of one half.
    /// </summary>
    internal sealed class IdIndex
    {
        private long[] keys = new long[1 << 16];
        private int[] values = new int[1 << 16]; // index + 1; 0 marks an empty slot

        /// <summary>Number of distinct ids.</summary>
        public int Count { get; private set; }

        /// <summary>The id's index, adding it with the next index when new.</summary>
        public int GetOrAdd(long id)
        {
            var mask = keys.Length - 1;
            var slot = Slot(id, mask);
            while (values[slot] != 0)
            {
                if (keys[slot] == id)
                {
                    return values[slot] - 1;
                }

                slot = (slot + 1) & mask;
            }

            keys[slot] = id;
            values[slot] = ++Count;
            if (Count * 2L > keys.Length)
            {
                Grow();
            }

            return Count - 1;
        }

        /// <summary>The id's index, or −1 when the id was never added.</summary>
        public int Find(long id)
        {
            var mask = keys.Length - 1;
            var slot = Slot(id, mask);
            while (values[slot] != 0)
            {
                if (keys[slot] == id)
                {
                    return values[slot] - 1;
                }

                slot = (slot + 1) & mask;
            }

            return -1;
        }

        // Fibonacci hashing: ids may be sequential or keyed pseudonyms; the multiply spreads both.
        private static int Slot(long id, int mask) => unchecked((int)(((ulong)id * 0x9E3779B97F4A7C15UL) >> 32)) & mask;

        private void Grow()
        {
            var (oldKeys, oldValues) = (keys, values);
            keys = new long[oldKeys.Length * 2];
            values = new int[oldKeys.Length * 2];
            var mask = keys.Length - 1;
            for (var i = 0; i < oldKeys.Length; i++)
            {
                if (oldValues[i] != 0)
                {
                    var slot = Slot(oldKeys[i], mask);
                    while (values[slot] != 0)
                    {
                        slot = (slot + 1) & mask;
                    }

                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                }
            }
        }
    }
}
