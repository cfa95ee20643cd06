using Mosaic.Features;

namespace Mosaic.Tests.Features;

public class ContactGraphTests
{
    [Fact]
    public void SortDistinct_RandomPackedEdges_EqualsLinqDistinctSorted()
    {
        var random = new Random(7);
        foreach (var nodes in new[] { 1, 2, 3, 1000, 70_000, 5_000_000 })
        {
            var keys = Enumerable.Range(0, 20_000).Select(_ =>
            {
                var a = random.Next(nodes);
                var b = random.Next(nodes);
                return ((ulong)Math.Min(a, b) << 32) | (uint)Math.Max(a, b);
            }).ToArray();
            // Duplicates must occur for the test to check de-duplication.
            keys[^1] = keys[0];
            var expected = keys.Distinct().Order().ToArray();

            var n = ContactGraph.SortDistinct(keys, nodes);

            Assert.Equal(expected, keys[..n]);
        }
    }

    [Fact]
    public void IdIndex_ManyIdsIncludingExtremes_DenseFirstSeenIndices()
    {
        var index = new ContactGraph.IdIndex();
        var random = new Random(11);
        var ids = new[] { 0L, -1L, long.MinValue, long.MaxValue }
            .Concat(Enumerable.Range(0, 200_000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)))
            .Concat(Enumerable.Range(1, 100_000).Select(i => (long)i)) // sequential ids probe clustering of the hash
            .Distinct().ToArray();

        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i, index.GetOrAdd(ids[i]));
        }

        Assert.Equal(ids.Length, index.Count);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i, index.GetOrAdd(ids[i]));
            Assert.Equal(i, index.Find(ids[i]));
        }

        Assert.Equal(ids.Length, index.Count);
        Assert.DoesNotContain(100_001L, ids);
        Assert.Equal(-1, index.Find(100_001L));
    }
}
