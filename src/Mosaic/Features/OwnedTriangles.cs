using System.Globalization;
using DuckDB.NET.Data;
using Mosaic.Data;
using Mosaic.ScaleOut;

namespace Mosaic.Features;

/// <summary>
/// Degrees and triangles of one partition's own nodes in the weekly contact graphs (the
/// clustering coefficients of a scale-out features compute step), over compact arrays in memory,
/// one week at a time.
/// Replaces a SQL self-join of the adjacency with the exchanged edges, whose hash tables were the
/// peak of the task (7.9 GB at N = 4 of the <c>large</c> city).
/// </summary>
/// <remarks>
/// Two inputs per week, as pairs of subscriber ids mapped to dense node indices
/// (<see cref="ContactGraph.IdIndex"/>): the owned nodes' neighbours, from the partition's calls
/// (<see cref="AddCall"/>), and the adjacency rows the exchange sent this partition
/// (<see cref="AddNeighbour"/>: every weekly edge of each node with a neighbour here, as a row of
/// that node). Each is radix-sorted and de-duplicated
/// (<see cref="ContactGraph.SortDistinct"/>) into rows of sorted neighbour indices. The triangles
/// through an owned node s are the edges among its neighbours, Σ over neighbours u of
/// |N(u) ∩ N(s)| / 2, each intersection a merge of two sorted arrays (a binary search per element
/// of the shorter when one is much longer). N(u) is complete: u has the owned s as a neighbour, so
/// the exchange sent u's whole row. Counts do not depend on the node numbering or the threads.
/// <see cref="ReadWeek"/> reads one week's pairs only (the calls are sorted by time, the exchanged
/// files by week, so each read skips the other weeks' row groups) into arrays of the exact size
/// counted first, and <see cref="Count"/> releases them: the graph in memory is one week's.
/// </remarks>
internal sealed class OwnedTriangles
{
    /// <summary>Above this ratio of lengths an intersection searches the longer array instead of merging.</summary>
    private const int SearchRatio = 16;

    private readonly PartitionSpec partition;
    private readonly ContactGraph.IdIndex index = new();
    private readonly List<long> ids = [];
    private readonly PairBuffer[] neighbours;
    private readonly PairBuffer[] received;

    /// <summary>An empty graph of <paramref name="weeks"/> weeks for the nodes <paramref name="partition"/> owns.</summary>
    public OwnedTriangles(PartitionSpec partition, int weeks)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(weeks);
        this.partition = partition;
        neighbours = Enumerable.Range(0, weeks).Select(_ => new PairBuffer()).ToArray();
        received = Enumerable.Range(0, weeks).Select(_ => new PairBuffer()).ToArray();
    }

    /// <summary>Counts of one week: every owned node with at least one neighbour, and the week's edges counted here.</summary>
    /// <param name="Nodes">Owned nodes with their degree and the triangles through them, in no particular order.</param>
    /// <param name="Edges">Distinct edges whose lower id is owned here (each edge of the whole graph is counted by exactly one partition).</param>
    public sealed record Week(IReadOnlyList<(long Id, int Degree, long Triangles)> Nodes, long Edges);

    /// <summary>
    /// A call in study week <paramref name="week"/> (1-based) between <paramref name="a"/> and
    /// <paramref name="b"/>: each owned end gets the other as a neighbour. A self-call is no edge.
    /// </summary>
    public void AddCall(int week, long a, long b)
    {
        if (a == b)
        {
            return;
        }

        if (PartitionSpec.OwnerOf(a, partition.Count) == partition.Index)
        {
            neighbours[week - 1].Add(Pack(Node(a), Node(b)));
        }

        if (PartitionSpec.OwnerOf(b, partition.Count) == partition.Index)
        {
            neighbours[week - 1].Add(Pack(Node(b), Node(a)));
        }
    }

    /// <summary>An edge of week <paramref name="week"/> (1-based) in both directions, duplicates allowed.</summary>
    public void AddEdge(int week, long u, long v)
    {
        AddNeighbour(week, u, v);
        AddNeighbour(week, v, u);
    }

    /// <summary>
    /// <paramref name="v"/> is a neighbour of <paramref name="u"/> in week <paramref name="week"/>
    /// (1-based): one entry of u's row, duplicates allowed. An exchanged file holds whole rows
    /// (<c>u</c>'s every edge), so its edges need only this direction.
    /// </summary>
    public void AddNeighbour(int week, long u, long v)
    {
        if (u != v)
        {
            received[week - 1].Add(Pack(Node(u), Node(v)));
        }
    }

    /// <summary>
    /// Streams study week <paramref name="week"/> (1-based) of the open data's calls
    /// (<c>calls</c>) and of the exchanged files (columns <c>week</c>, <c>u</c>, <c>v</c>: rows of
    /// the adjacency) into the graph; each buffer is sized by a count first, so it is one array.
    /// </summary>
    public void ReadWeek(DuckDBConnection connection, FeatureSql sql, IReadOnlyCollection<string> files, int week)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(files);
        var calls = $"FROM {CanonicalTables.Calls} WHERE {sql.InWeek("start_time", week)} AND caller_id <> callee_id";
        neighbours[week - 1].Reserve(Scalar(connection,
            $"SELECT CAST(count_if({partition.Owns("caller_id")}) + count_if({partition.Owns("callee_id")}) AS BIGINT) {calls}"));
        Stream(connection, $"SELECT caller_id, callee_id {calls}", (a, b) => AddCall(week, a, b));
        if (files.Count > 0)
        {
            var edges = $"FROM read_parquet([{string.Join(", ", files.Select(Sql.Literal))}]) WHERE week = {week.ToString(CultureInfo.InvariantCulture)} AND u <> v";
            received[week - 1].Reserve(Scalar(connection, $"SELECT CAST(count(*) AS BIGINT) {edges}"));
            Stream(connection, $"SELECT u, v {edges}", (u, v) => AddNeighbour(week, u, v));
        }
    }

    /// <summary>
    /// Degrees and triangles of week <paramref name="week"/> (1-based). Releases the week's
    /// buffers: each week is counted once, after every call and edge was added.
    /// </summary>
    public Week Count(int week, int threads)
    {
        var nodeCount = index.Count;
        var (owned, starts, targets) = Rows(neighbours[week - 1], nodeCount);
        var (reached, reachedStarts, reachedTargets) = Rows(received[week - 1], nodeCount);
        // Row of every node in the received graph (−1: none), so that N(u) is found in O(1).
        var rowOf = new int[nodeCount];
        Array.Fill(rowOf, -1);
        for (var r = 0; r < reached.Length; r++)
        {
            rowOf[reached[r]] = r;
        }

        var triangles = new long[owned.Length];
        var workers = Math.Max(1, threads);
        var chunk = Math.Max(256, owned.Length / (workers * 16) + 1);
        var chunks = (owned.Length + chunk - 1) / chunk;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = workers }, c =>
        {
            var end = Math.Min(owned.Length, (c + 1) * chunk);
            for (var r = c * chunk; r < end; r++)
            {
                var own = targets.AsSpan(starts[r], starts[r + 1] - starts[r]);
                long sum = 0;
                foreach (var u in own)
                {
                    var row = rowOf[u];
                    if (row >= 0)
                    {
                        sum += Intersect(reachedTargets.AsSpan(reachedStarts[row], reachedStarts[row + 1] - reachedStarts[row]), own);
                    }
                }

                triangles[r] = sum / 2;
            }
        });

        var nodes = new (long, int, long)[owned.Length];
        long edges = 0;
        for (var r = 0; r < owned.Length; r++)
        {
            var id = ids[owned[r]];
            nodes[r] = (id, starts[r + 1] - starts[r], triangles[r]);
            for (var i = starts[r]; i < starts[r + 1]; i++)
            {
                edges += id < ids[targets[i]] ? 1 : 0;
            }
        }

        return new Week(nodes, edges);
    }

    /// <summary>Number of common elements of two ascending arrays without repeats.</summary>
    internal static long Intersect(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length > b.Length)
        {
            return Intersect(b, a);
        }

        long common = 0;
        if (b.Length > SearchRatio * a.Length)
        {
            foreach (var x in a)
            {
                var at = b.BinarySearch(x);
                if (at >= 0)
                {
                    common++;
                    b = b[(at + 1)..];
                }
                else
                {
                    b = b[~at..];
                }
            }

            return common;
        }

        var (i, j) = (0, 0);
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                i++;
            }
            else if (a[i] > b[j])
            {
                j++;
            }
            else
            {
                common++;
                i++;
                j++;
            }
        }

        return common;
    }

    private int Node(long id)
    {
        var node = index.GetOrAdd(id);
        if (node == ids.Count)
        {
            ids.Add(id);
        }

        return node;
    }

    private static ulong Pack(int from, int to) => ((ulong)from << 32) | (uint)to;

    /// <summary>The distinct pairs of a buffer as rows: the sources in ascending order, each row's start, the targets (ascending in a row).</summary>
    private static (int[] Sources, int[] Starts, int[] Targets) Rows(PairBuffer buffer, int nodeCount)
    {
        var keys = buffer.Drain();
        var distinct = ContactGraph.SortDistinct(keys, nodeCount);
        var targets = new int[distinct];
        var sources = new List<int>();
        var starts = new List<int>();
        for (var i = 0; i < distinct; i++)
        {
            var from = (int)(keys[i] >> 32);
            if (sources.Count == 0 || sources[^1] != from)
            {
                sources.Add(from);
                starts.Add(i);
            }

            targets[i] = unchecked((int)(uint)keys[i]);
        }

        starts.Add(distinct);
        return ([.. sources], [.. starts], targets);
    }

    private static void Stream(DuckDBConnection connection, string query, Action<long, long> add)
    {
        using var command = connection.CreateCommand();
        // Streaming: the rows are never materialised by DuckDB.
        command.UseStreamingMode = true;
        command.CommandText = query;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            add(reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    private static long Scalar(DuckDBConnection connection, string query)
    {
        using var command = connection.CreateCommand();
        command.CommandText = query;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Packed pairs in one growable array; when <see cref="Reserve"/> was given the exact count,
    /// <see cref="Drain"/> hands that array over without a copy.
    /// </summary>
    private sealed class PairBuffer
    {
        private ulong[] pairs = [];
        private long count;

        /// <summary>Before the first pair: room for <paramref name="capacity"/> pairs.</summary>
        public void Reserve(long capacity)
        {
            if (count == 0 && capacity > 0 && capacity <= Array.MaxLength)
            {
                pairs = new ulong[capacity];
            }
        }

        public void Add(ulong pair)
        {
            if (count == pairs.Length)
            {
                // Only without a reservation (the tests' AddCall/AddEdge): doubling keeps adds amortised O(1).
                Array.Resize(ref pairs, (int)Math.Min(Array.MaxLength, Math.Max(1024L, 2L * pairs.Length)));
            }

            pairs[count++] = pair;
        }

        /// <summary>All pairs as one array (the reserved one when it is exactly full); the buffer is empty afterwards.</summary>
        public ulong[] Drain()
        {
            var all = count == pairs.Length ? pairs : pairs[..(int)count];
            pairs = [];
            count = 0;
            return all;
        }
    }
}
