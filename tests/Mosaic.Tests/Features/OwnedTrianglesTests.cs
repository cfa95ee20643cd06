using Mosaic.Features;
using Mosaic.ScaleOut;

namespace Mosaic.Tests.Features;

public class OwnedTrianglesTests
{
    /// <summary>Counts of partition K of N when every edge of the graph is both a call and exchanged (as at N = 1).</summary>
    private static Dictionary<long, (int Degree, long Triangles)> Count(PartitionSpec spec, params (long, long)[] edges)
    {
        var graph = new OwnedTriangles(spec, weeks: 1);
        foreach (var (a, b) in edges)
        {
            graph.AddCall(1, a, b);
            graph.AddEdge(1, b, a);
        }

        return graph.Count(1, threads: 2).Nodes.ToDictionary(n => n.Id, n => (n.Degree, n.Triangles));
    }

    [Fact]
    public void Count_TwoTrianglesSharingAnEdgeWithPendant_HandComputed()
    {
        // Triangles 1-2-3 and 2-3-4, pendant 5 on 1, a repeated call and a self-call.
        // Through 1: 1 (of 3 neighbours); 2 and 3: 2 each; 4: 1; 5: 0.
        var counts = Count(new PartitionSpec(0, 1), (1, 2), (2, 3), (3, 1), (2, 4), (4, 3), (5, 1), (2, 1), (6, 6));

        Assert.Equal((3, 1L), counts[1]);
        Assert.Equal((3, 2L), counts[2]);
        Assert.Equal((3, 2L), counts[3]);
        Assert.Equal((2, 1L), counts[4]);
        Assert.Equal((1, 0L), counts[5]);
        Assert.False(counts.ContainsKey(6)); // a self-call is no edge
    }

    [Fact]
    public void Count_OddPartitionOfTwo_CountsOnlyItsOwnNodesWithEdgesTheyOwn()
    {
        // Same graph; partition 1 of 2 owns the odd ids 1, 3, 5. Edges counted: those whose lower id is owned.
        var graph = new OwnedTriangles(new PartitionSpec(1, 2), weeks: 2);
        foreach (var (a, b) in new (long, long)[] { (1, 2), (2, 3), (3, 1), (2, 4), (4, 3), (5, 1) })
        {
            graph.AddCall(2, a, b);
            graph.AddEdge(2, a, b);
        }

        var week = graph.Count(2, threads: 1);

        Assert.Equal([(1L, 3, 1L), (3L, 3, 2L), (5L, 1, 0L)], week.Nodes.OrderBy(n => n.Id));
        Assert.Equal(4, week.Edges); // 1-2, 1-3, 1-5, 3-4
        Assert.Empty(graph.Count(1, threads: 1).Nodes);
    }

    [Fact]
    public void Count_RandomGraph_EqualsClusteringKernel()
    {
        var random = new Random(11);
        var edges = Enumerable.Range(0, 3000).Select(_ => ((long)random.Next(300) - 150, (long)random.Next(300) - 150))
            .Where(e => e.Item1 != e.Item2).ToArray();
        var distinct = edges.Select(e => (Math.Min(e.Item1, e.Item2), Math.Max(e.Item1, e.Item2))).Distinct().ToArray();
        var (triangles, degree) = ClusteringKernel.Count(300, distinct.Select(e => (int)e.Item1 + 150).ToArray(), distinct.Select(e => (int)e.Item2 + 150).ToArray(), threads: 1);

        for (var k = 0; k < 3; k++)
        {
            foreach (var (id, (d, t)) in Count(new PartitionSpec(k, 3), edges))
            {
                Assert.Equal(k, PartitionSpec.OwnerOf(id, 3));
                Assert.Equal((degree[id + 150], triangles[id + 150]), (d, t));
            }
        }

        Assert.True(triangles.Sum() > 100, "the graph must have triangles to test");
    }

    [Fact]
    public void Count_ExchangedRowsOneDirection_EqualsClusteringKernel()
    {
        // As the exchange sends them: for partition k, the whole row (u, every neighbour v) of each
        // node u with a neighbour owned by k, one direction only, in week 3 of 3.
        var random = new Random(5);
        var edges = Enumerable.Range(0, 2000).Select(_ => ((long)random.Next(200), (long)random.Next(200)))
            .Where(e => e.Item1 != e.Item2).ToArray();
        var distinct = edges.Select(e => (Math.Min(e.Item1, e.Item2), Math.Max(e.Item1, e.Item2))).Distinct().ToArray();
        var (triangles, degree) = ClusteringKernel.Count(200, distinct.Select(e => (int)e.Item1).ToArray(), distinct.Select(e => (int)e.Item2).ToArray(), threads: 1);
        var rows = distinct.SelectMany(e => new[] { e, (e.Item2, e.Item1) }).ToLookup(e => e.Item1, e => e.Item2);

        for (var k = 0; k < 4; k++)
        {
            var spec = new PartitionSpec(k, 4);
            var graph = new OwnedTriangles(spec, weeks: 3);
            foreach (var (a, b) in edges)
            {
                graph.AddCall(3, a, b);
            }

            foreach (var row in rows.Where(r => r.Any(v => PartitionSpec.OwnerOf(v, 4) == k)))
            {
                foreach (var v in row)
                {
                    graph.AddNeighbour(3, row.Key, v);
                }
            }

            var week = graph.Count(3, threads: 2);
            Assert.NotEmpty(week.Nodes);
            foreach (var (id, d, t) in week.Nodes)
            {
                Assert.Equal((degree[id], triangles[id]), (d, t));
            }
        }
    }

    [Theory]
    [InlineData(new[] { 1, 3, 5, 7 }, new[] { 2, 3, 7, 8 }, 2)]
    [InlineData(new[] { 4 }, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }, 1)]
    [InlineData(new[] { -1, 30 }, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35 }, 1)]
    [InlineData(new int[0], new[] { 1 }, 0)]
    public void Intersect_MergeAndSearch_CountCommonElements(int[] a, int[] b, long expected)
    {
        Assert.Equal(expected, OwnedTriangles.Intersect(a, b));
        Assert.Equal(expected, OwnedTriangles.Intersect(b, a));
    }
}
