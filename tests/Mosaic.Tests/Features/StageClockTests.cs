using System.Diagnostics;
using Mosaic.Features;

namespace Mosaic.Tests.Features;

public class StageClockTests
{
    [Fact]
    public void Lap_Profiling_CountsCpuFromItsOwnStartOnly()
    {
        var older = new StageClock(profile: true);
        Spin(TimeSpan.FromMilliseconds(300));
        var newer = new StageClock(profile: true);
        var olderTimings = new Dictionary<string, double>();
        var newerTimings = new Dictionary<string, double>();

        newer.Lap(newerTimings, "step");
        older.Lap(olderTimings, "step");

        // A clock shared between runs would charge the newer run the older run's CPU.
        Assert.True(olderTimings["cpu: step"] >= 0.25, $"older {olderTimings["cpu: step"]}");
        Assert.True(newerTimings["cpu: step"] < 0.25, $"newer {newerTimings["cpu: step"]}");
    }

    [Fact]
    public void Add_Profiling_SumsRepeatedStepsAndLapRestarts()
    {
        var clock = new StageClock(profile: true);
        var timings = new Dictionary<string, double>();

        Spin(TimeSpan.FromMilliseconds(150));
        clock.Add(timings, "slice");
        Spin(TimeSpan.FromMilliseconds(150));
        clock.Add(timings, "slice");
        clock.Lap(timings, "next");

        Assert.True(timings["cpu: slice"] >= 0.25, $"slice {timings["cpu: slice"]}");
        Assert.True(timings["slice"] > 0);
        Assert.True(timings["cpu: next"] < 0.25);
    }

    [Fact]
    public void Lap_NotProfiling_RecordsWallSecondsOnly()
    {
        var clock = new StageClock(profile: false);
        var timings = new Dictionary<string, double>();

        clock.Lap(timings, "step");

        Assert.Equal(["step"], timings.Keys);
    }

    /// <summary>Burns at least <paramref name="cpu"/> of this process's CPU time on this thread.</summary>
    private static void Spin(TimeSpan cpu)
    {
        var process = Process.GetCurrentProcess();
        var until = process.TotalProcessorTime + cpu;
        var x = 0.0;
        while (true)
        {
            for (var i = 0; i < 100_000; i++)
            {
                x += Math.Sqrt(i);
            }

            process.Refresh();
            if (process.TotalProcessorTime >= until)
            {
                break;
            }
        }

        GC.KeepAlive(x);
    }
}
