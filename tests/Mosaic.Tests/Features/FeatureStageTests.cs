using Mosaic.Features;

namespace Mosaic.Tests.Features;

public class FeatureStageTests
{
    private static DateTime T(int day, int hour, int minute = 0) => TestDataset.Monday.AddDays(day).AddHours(hour).AddMinutes(minute);

    [Fact]
    public void Run_SmallExample_Smoke()
    {
        var data = new TestDataset();
        data.Subscribers.AddRange([new TestSubscriber(1, "city", Age: 30, Gender: "F"), new TestSubscriber(2, "north", Age: 40, Gender: "M")]);
        data.Cells.AddRange([new TestCell(10, 0.0, 0.0, 1), new TestCell(20, 0.0, 1.0, 2)]);
        data.Districts.AddRange([new TestDistrict(1, 100), new TestDistrict(2, 100)]);
        data.Call(1, 2, T(0, 10), 60, 10, 20).Text(2, 1, T(0, 23), 20, 10).Call(1, 3, T(8, 12), 30, 10, null);
        var rows = data.Features();
        foreach (var (k, r) in rows)
        {
            Console.WriteLine($"{k}: " + string.Join(", ", r.Select(x => $"{x.Key}={x.Value}")));
        }

        Assert.Equal(3, rows.Count);
    }
}

public class FeatureTimingProbe
{
    [Fact]
    public void Probe()
    {
        for (var i = 0; i < 3; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var data = FeaturePropertyTests.RandomDataset(i + 1);
            data.Features(new FeatureOptions { MachineThreshold = 40 });
            Console.WriteLine($"total {sw.Elapsed.TotalSeconds}: " + string.Join(", ", data.LastReport!.TimingsSeconds.Select(t => $"{t.Key}={t.Value}")));
        }
    }
}
