using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class SpatialTests
{
    [Fact]
    public void HomeDistrictPerSubscriber_TiesGoToTheLatestWeek()
    {
        // Subscriber 1: district 7 twice, 8 once → 7. Subscriber 2: 7 then 8 (tie) → 8 (latest week).
        // Subscriber 3: no home at all → left out.
        long[] ids = [1, 1, 1, 2, 2, 3];
        int[] weeks = [1, 2, 3, 1, 2, 1];
        byte[] groups = [0, 0, 0, 1, 1, 2];
        int[] homes = [7, 8, 7, 7, 8, FeatureTable.NoDistrict];
        var table = FeatureTable.Create(ids, weeks, groups, homes, [], []);
        Assert.Equal([(0, 7), (1, 8)], Spatial.HomeDistrictPerSubscriber(table));
    }

    [Fact]
    public void HomeShares_HandCounts_ShareAndLogRatio()
    {
        // 3 locals in district 1, 1 local in 2; 2 settled in 2. All: d1 3/6, d2 3/6.
        long[] ids = [1, 2, 3, 4, 5, 6];
        var table = FeatureTable.Create(ids, [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1], [1, 1, 1, 2, 2, 2], [], []);
        var rows = Spatial.HomeShares(table, [1, 2, 3], k: 1).ToString().Split('\n');
        Assert.Contains($"1,local,0.75,{Csv.Format(Math.Log(0.75) - Math.Log(0.5))},false", rows);
        Assert.Contains($"2,settled,1,{Csv.Format(Math.Log(1.0) - Math.Log(0.5))},false", rows);
        Assert.Contains("1,settled,,,true", rows); // zero subscribers: below any k
        Assert.Contains("3,local,,,true", rows);
        Assert.Contains("1,new,,,true", rows);

        // k = 3 hides district 2's single local; showing district 1's share (0.75) would give it
        // away as 1 − 0.75, so district 1's locals are hidden too (complementary suppression).
        var suppressed = Spatial.HomeShares(table, [1, 2], k: 3).ToString().Split('\n');
        Assert.Contains("2,local,,,true", suppressed);
        Assert.Contains("1,local,,,true", suppressed);
    }

    [Fact]
    public void GroupSizes_CountsDistinctSubscribers()
    {
        var table = FeatureTable.Create([1, 1, 2, 3, 3], [1, 2, 1, 2, 3], [0, 0, 1, 2, 2], [1, 1, 1, 1, 1], [], []);
        Assert.Equal("group,subscribers,suppressed\nlocal,1,false\nsettled,1,false\nnew,1,false\n", Spatial.GroupSizes(table, 1, out _).ToString());
        Assert.Equal("group,subscribers,suppressed\nlocal,,true\nsettled,,true\nnew,,true\n", Spatial.GroupSizes(table, 2, out _).ToString());
    }
}
