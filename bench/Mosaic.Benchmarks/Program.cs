using BenchmarkDotNet.Running;
using Mosaic.Benchmarks;

// `planted-mitigation N [seed] [network]` times the mobility optimiser on a planted city once
// (the 500-district target is minutes, too long for BenchmarkDotNet's repetitions); anything
// else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "planted-mitigation")
{
    return PlantedMitigationRun.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
