namespace Mosaic.Features;

/// <summary>
/// Local clustering coefficients of an undirected simple graph held as a compact CSR in memory.
/// Triangles are counted once each by orienting every edge from lower to higher (degree, index)
/// rank and intersecting forward neighbourhoods (the "forward" algorithm, O(m^1.5)); every
/// triangle is credited to its three corners with atomic adds, so the counts, and hence the
/// coefficients, do not depend on the number of threads.
/// </summary>
internal static class ClusteringKernel
{
    /// <summary>
    /// Triangles through each node and each node's degree. Edges are given as pairs of dense node
    /// indices in [0, <paramref name="nodeCount"/>), each undirected edge once, no self-loops.
    /// </summary>
    public static (long[] Triangles, int[] Degree) Count(int nodeCount, ReadOnlySpan<int> from, ReadOnlySpan<int> to, int threads)
    {
        if (from.Length != to.Length)
        {
            throw new ArgumentException("edge endpoint arrays differ in length", nameof(to));
        }

        var degree = new int[nodeCount];
        for (var i = 0; i < from.Length; i++)
        {
            degree[from[i]]++;
            degree[to[i]]++;
        }

        // Forward adjacency: u -> v when (degree, index) of u is below that of v.
        var offsets = new int[nodeCount + 1];
        for (var i = 0; i < from.Length; i++)
        {
            offsets[Lower(from[i], to[i], degree) + 1]++;
        }

        for (var u = 0; u < nodeCount; u++)
        {
            offsets[u + 1] += offsets[u];
        }

        var targets = new int[from.Length];
        var fill = (int[])offsets.Clone();
        for (var i = 0; i < from.Length; i++)
        {
            var (lo, hi) = Lower(from[i], to[i], degree) == from[i] ? (from[i], to[i]) : (to[i], from[i]);
            targets[fill[lo]++] = hi;
        }

        var triangles = new long[nodeCount];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var chunk = Math.Max(1024, nodeCount / (Math.Max(1, threads) * 16) + 1);
        var chunks = (nodeCount + chunk - 1) / chunk;
        Parallel.For(0, chunks, options, () => new int[nodeCount], (c, _, mark) =>
        {
            var end = Math.Min(nodeCount, (c + 1) * chunk);
            for (var u = c * chunk; u < end; u++)
            {
                var stamp = u + 1;
                for (var i = offsets[u]; i < offsets[u + 1]; i++)
                {
                    mark[targets[i]] = stamp;
                }

                for (var i = offsets[u]; i < offsets[u + 1]; i++)
                {
                    var v = targets[i];
                    for (var j = offsets[v]; j < offsets[v + 1]; j++)
                    {
                        var w = targets[j];
                        if (mark[w] == stamp)
                        {
                            Interlocked.Increment(ref triangles[u]);
                            Interlocked.Increment(ref triangles[v]);
                            Interlocked.Increment(ref triangles[w]);
                        }
                    }
                }
            }

            return mark;
        }, _ => { });
        return (triangles, degree);
    }

    /// <summary>Local clustering 2T / (k(k−1)); 0 below two neighbours (networkx's convention).</summary>
    public static double Coefficient(long triangles, int degree) =>
        degree < 2 ? 0.0 : 2.0 * triangles / ((double)degree * (degree - 1));

    private static int Lower(int a, int b, int[] degree) =>
        degree[a] < degree[b] || (degree[a] == degree[b] && a < b) ? a : b;
}
