using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using Mosaic.Data;
using Mosaic.Segregation;

namespace Mosaic.Benchmarks;

/// <summary>
/// The segregation stage on synthetic data folders with the seed's proportions (13 calls per
/// subscriber, 5% of subscribers attributed, a fifth of those refugees, 39 districts, 12,000
/// cells, 10% of callee cells unknown so the home-district fallback is exercised).
/// <c>Calls</c> = 2.6M is the simulator's <c>medium</c> scale (200k subscribers); 10M is the
/// scale the 698M-call seed is extrapolated from. Per-step timings (call matrices alone, homes,
/// hashing) are printed after each iteration from the stage's own diagnostics, with the
/// process's CPU seconds (steadier than wall time on a shared machine) and the load average.
/// Run: <c>dotnet run -c Release --project bench/Mosaic.Benchmarks -- --filter '*Segregation*'</c>.
/// </summary>
[Config(typeof(Settings))]
public class SegregationBenchmarks
{
    private string folder = "";
    private SegregationResult? last;
    private TimeSpan cpuAtStart;

    /// <summary>Calls in the synthetic folder.</summary>
    [Params(2_600_000, 10_000_000)]
    public int Calls { get; set; }

    /// <summary>Builds the data folder once per size.</summary>
    [GlobalSetup]
    public void Setup()
    {
        folder = Path.Combine(Path.GetTempPath(), "mosaic-bench-segregation", Calls.ToString(CultureInfo.InvariantCulture));
        if (File.Exists(DataFolder.TablePath(folder, CanonicalTables.Calls)))
        {
            return;
        }

        var subscribers = Calls / 13;
        var attributed = subscribers / 20;
        var clock = Stopwatch.StartNew();
        using var session = new DuckDbSession();
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        session.Execute($"""
            INSERT INTO districts SELECT d, 'd' || d, 400000, 1000.0 + d, 12000 FROM range(1, 40) t(d);
            INSERT INTO cells SELECT c, 'c' || c, NULL, NULL, 1 + (hash(c) % 39) FROM range(1, 12001) t(c);
            INSERT INTO subscribers
            SELECT id, CASE WHEN id % 3 = 0 THEN 'city' ELSE 'elsewhere' END, id % 5 = 0, NULL, NULL
            FROM range(1, {attributed + 1}) t(id);
            INSERT INTO calls
            SELECT 1 + (hash(i, 1) % {subscribers}), 1 + (hash(i, 2) % {subscribers}),
                   TIMESTAMP '2026-01-05 00:00:00' + to_seconds(CAST(hash(i, 3) % 2419200 AS BIGINT)),
                   CAST(hash(i, 4) % 600 AS INTEGER), CASE WHEN hash(i, 5) % 10 = 0 THEN 'text' ELSE 'call' END,
                   CAST(1 + (hash(i, 6) % 12000) AS INTEGER),
                   CASE WHEN hash(i, 7) % 10 = 0 THEN NULL ELSE CAST(1 + (hash(i, 8) % 12000) AS INTEGER) END
            FROM range(0, {Calls}) t(i);
            """);
        DataFolder.Write(session, folder);
        Console.WriteLine($"// setup: {Calls:N0} calls, {subscribers:N0} subscribers, {attributed:N0} attributed, {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Notes the process's CPU time before each iteration.</summary>
    [IterationSetup]
    public void Start() => cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>The whole stage, default options.</summary>
    [Benchmark]
    public SegregationResult Stage() =>
        last = SegregationStage.Run(new SegregationOptions(), folder, folder + "-run");

    /// <summary>Prints the stage's per-step timings and the process's peak working set.</summary>
    [IterationCleanup]
    public void Report()
    {
        if (last is not null)
        {
            var process = Process.GetCurrentProcess();
            var cpu = (process.TotalProcessorTime - cpuAtStart).TotalSeconds;
            var steps = string.Join(", ", last.TimingsSeconds.Select(kv => $"{kv.Key} {kv.Value:F2} s"));
            Console.WriteLine($"// steps ({Calls:N0} calls): {steps}; CPU {cpu:F1} s; peak working set {process.PeakWorkingSet64 / 1e9:F2} GB; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
    }

    private sealed class Settings : ManualConfig
    {
        public Settings()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(0)
                .WithIterationCount(2)
                .WithToolchain(InProcessNoEmitToolchain.Instance));
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }
}
