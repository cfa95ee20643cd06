using System.Diagnostics;

namespace Mosaic.Features;

/// <summary>
/// The wall clock of one features run, and under <see cref="FeatureStage.Profile"/> the process
/// CPU clock: each run (or partition task) owns its baseline, so successive runs in one process
/// are not charged each other's CPU. The CPU read is process-wide: runs that overlap in time
/// (concurrent partition tasks) each see the other's CPU too, so profile one run at a time.
/// </summary>
internal sealed class StageClock
{
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private readonly bool profile;
    private TimeSpan cpu;

    /// <summary>Starts both clocks; CPU seconds are recorded when <see cref="FeatureStage.Profile"/> is on.</summary>
    public StageClock()
        : this(FeatureStage.Profile)
    {
    }

    /// <summary>Starts both clocks; <paramref name="profile"/>: record CPU seconds too.</summary>
    internal StageClock(bool profile)
    {
        this.profile = profile;
        if (profile)
        {
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
        }
    }

    /// <summary>Wall time since the last lap.</summary>
    public TimeSpan Elapsed => wall.Elapsed;

    /// <summary>
    /// Records <paramref name="step"/>'s wall seconds since the last lap (and, profiling, its
    /// process CPU seconds as <c>"cpu: STEP"</c>), then restarts.
    /// </summary>
    public void Lap(Dictionary<string, double> timings, string step) => Record(timings, step, add: false);

    /// <summary><see cref="Lap"/>, adding to what <paramref name="step"/> already has (a step repeated per slice).</summary>
    public void Add(Dictionary<string, double> timings, string step) => Record(timings, step, add: true);

    private void Record(Dictionary<string, double> timings, string step, bool add)
    {
        timings[step] = Math.Round((add ? timings.GetValueOrDefault(step) : 0) + wall.Elapsed.TotalSeconds, 3);
        wall.Restart();
        if (profile)
        {
            var now = Process.GetCurrentProcess().TotalProcessorTime;
            var key = "cpu: " + step;
            timings[key] = Math.Round((add ? timings.GetValueOrDefault(key) : 0) + (now - cpu).TotalSeconds, 3);
            cpu = now;
        }
    }
}
