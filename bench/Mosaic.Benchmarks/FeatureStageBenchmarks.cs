using BenchmarkDotNet.Attributes;
using Mosaic.Features;

namespace Mosaic.Benchmarks;

/// <summary>The features stage end to end on <see cref="SyntheticCalls"/> data (large sizes: bench/features.sh).</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class FeatureStageBenchmarks
{
    private string folder = "";

    /// <summary>Calls in the data folder; subscribers are calls / 15.</summary>
    [Params(100_000, 1_000_000)]
    public long Calls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        folder = Path.Combine(Path.GetTempPath(), "mosaic-bench-features", Calls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SyntheticCalls.Generate(Path.Combine(folder, "data"), Calls, Calls / 15);
    }

    [Benchmark]
    public long Features() =>
        FeatureStage.Run(new FeatureOptions { Force = true }, Path.Combine(folder, "data"), Path.Combine(folder, "run")).Report.Rows;

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(folder, recursive: true);
}
