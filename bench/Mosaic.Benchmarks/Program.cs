using BenchmarkDotNet.Running;
using Mosaic.Benchmarks;

if (args.Length > 0 && args[0] == "indicators-throughput")
{
    IndicatorsBenchmark.Throughput(args);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
