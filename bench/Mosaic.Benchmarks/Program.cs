using System.Globalization;
using BenchmarkDotNet.Running;
using Mosaic.Benchmarks;

// Command-style benchmarks first (they write their numbers for docs/performance.md);
// anything else goes to BenchmarkDotNet.
if (args is ["generate-calls", var folder, var calls, var subscribers, ..])
{
    // `generate-calls DIR CALLS SUBSCRIBERS [SEED]` writes a synthetic data folder (bench/features.sh).
    var seed = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 42;
    SyntheticCalls.Generate(folder, long.Parse(calls, CultureInfo.InvariantCulture), long.Parse(subscribers, CultureInfo.InvariantCulture), seed);
    return;
}

if (args is ["indicators-throughput", ..])
{
    IndicatorsBenchmark.Throughput(args);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
