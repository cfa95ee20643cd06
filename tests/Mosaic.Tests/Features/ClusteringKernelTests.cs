using System.Text.Json;
using Mosaic.Features;

namespace Mosaic.Tests.Features;

public class ClusteringKernelTests
{
    private static (long[] Triangles, int[] Degree) Count(int nodes, params (int, int)[] edges) =>
        ClusteringKernel.Count(nodes, edges.Select(e => e.Item1).ToArray(), edges.Select(e => e.Item2).ToArray(), threads: 2);

    [Fact]
    public void Count_CompleteGraphOnFour_EveryNodeFullyClustered()
    {
        var (triangles, degree) = Count(4, (0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3));
        Assert.Equal([3L, 3, 3, 3], triangles);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(1.0, ClusteringKernel.Coefficient(triangles[i], degree[i])));
    }

    [Fact]
    public void Count_TriangleWithPendant_HandComputed()
    {
        // 0-1-2 triangle, 3 hangs on 0: C(0) = 1/3, C(1) = C(2) = 1, C(3) = 0 (one neighbour).
        var (triangles, degree) = Count(4, (0, 1), (1, 2), (2, 0), (3, 0));
        Assert.Equal(1.0 / 3, ClusteringKernel.Coefficient(triangles[0], degree[0]), 15);
        Assert.Equal(1.0, ClusteringKernel.Coefficient(triangles[1], degree[1]));
        Assert.Equal(0.0, ClusteringKernel.Coefficient(triangles[3], degree[3]));
    }

    [Fact]
    public void Count_RandomGraph_EqualsScipyReference()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "TestData", "features", "clustering_reference.json"));
        var reference = JsonDocument.Parse(file).RootElement;
        var nodes = reference.GetProperty("nodes").GetInt32();
        var edges = reference.GetProperty("edges").EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
        var expectedTriangles = reference.GetProperty("triangles").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var expected = reference.GetProperty("clustering").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(expectedTriangles.Sum() > 100, "the reference graph must have triangles to test");

        foreach (var threads in new[] { 1, 2 })
        {
            var (triangles, degree) = ClusteringKernel.Count(nodes, edges.Select(e => e.Item1).ToArray(), edges.Select(e => e.Item2).ToArray(), threads);
            Assert.Equal(expectedTriangles, triangles);
            for (var i = 0; i < nodes; i++)
            {
                Assert.Equal(expected[i], ClusteringKernel.Coefficient(triangles[i], degree[i]), 12);
            }
        }
    }
}
