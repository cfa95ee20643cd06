using System.Text;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

/// <summary><see cref="ByteInterner"/>: one index per distinct byte string, in order of first appearance.</summary>
public class ByteInternerTests
{
    [Fact]
    public void Intern_KeysDifferingInOneByteOrInLength_GetTheirOwnIndices()
    {
        // Every length around the packed-word limit (8), each key next to keys that differ from
        // it in one byte at each position or only by a trailing zero byte.
        var keys = new List<byte[]>();
        for (var length = 0; length <= 12; length++)
        {
            var key = Enumerable.Range(0, length).Select(i => (byte)('a' + i)).ToArray();
            keys.Add(key);
            keys.Add([.. key, 0]);
            for (var at = 0; at < length; at++)
            {
                var changed = (byte[])key.Clone();
                changed[at] ^= 0x40;
                keys.Add(changed);
            }
        }

        var distinct = keys.Select(Convert.ToHexString).Distinct().Count();
        var interner = new ByteInterner();
        var expected = new Dictionary<string, int>();
        foreach (var key in keys.Concat(keys))
        {
            var index = interner.Intern(key, out var added);
            var hex = Convert.ToHexString(key);
            Assert.Equal(!expected.ContainsKey(hex), added);
            if (added)
            {
                Assert.Equal(expected.Count, index);
                expected[hex] = index;
            }

            Assert.Equal(expected[hex], index);
            Assert.Equal(index, interner.Find(key));
            Assert.Equal(Encoding.UTF8.GetString(key), interner.GetString(index));
        }

        Assert.Equal(distinct, interner.Count);
        Assert.Equal(-1, interner.Find("absent key"u8));
        Assert.Equal(-1, interner.Find("zz"u8));
    }

    [Fact]
    public void Intern_ManyShortKeys_SurvivesGrowth()
    {
        var interner = new ByteInterner();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 5000; i++)
            {
                var index = interner.Intern(Encoding.UTF8.GetBytes($"c{i % 997}_{i / 997}"), out var added);
                Assert.Equal(round == 0, added);
                Assert.Equal(i, index);
            }
        }
    }

    [Theory]
    [InlineData(100)] // the table is kept and emptied
    [InlineData(40_000)] // the table is past the size kept: it starts small again
    public void Clear_AfterKeys_InternsAfreshAndSnapshotKeepsTheOldNames(int keys)
    {
        var interner = new ByteInterner();
        for (var i = 0; i < keys; i++)
        {
            interner.Intern(Encoding.UTF8.GetBytes($"old-key-{i}"), out _);
        }

        var names = interner.Snapshot();
        interner.Clear();
        Assert.Equal(0, interner.Count);
        Assert.Equal(-1, interner.Find("old-key-0"u8));
        Assert.Equal(-1, interner.Find(Encoding.UTF8.GetBytes($"old-key-{keys - 1}")));
        Assert.Equal(0, interner.Intern("new"u8, out var added));
        Assert.True(added);
        Assert.Equal(1, interner.Intern("old-key-1"u8, out added));
        Assert.True(added);
        Assert.Equal("old-key-1", interner.GetString(1));

        var old = names();
        Assert.Equal(keys, old.Length);
        Assert.Equal("old-key-0", old[0]);
        Assert.Equal($"old-key-{keys - 1}", old[^1]);
    }
}
