using System.Globalization;
using BenchmarkDotNet.Running;
using Mosaic.Benchmarks;

// Command-style benchmarks first (one long run each, numbers for docs/performance.md);
// anything else goes to BenchmarkDotNet.
if (args is ["generate-calls", var folder, var calls, var subscribers, ..])
{
    // `generate-calls DIR CALLS SUBSCRIBERS [SEED]` writes a synthetic data folder (bench/features.sh).
    var seed = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 42;
    SyntheticCalls.Generate(folder, long.Parse(calls, CultureInfo.InvariantCulture), long.Parse(subscribers, CultureInfo.InvariantCulture), seed);
    return 0;
}

if (args is ["features-graph", var dataFolder, ..])
{
    // `features-graph DATA [WEEKS]`: the features stage's contact-graph step alone (scan, sorts, kernel), no subjects.
    FeatureGraphRun.Run(dataFolder, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null);
    return 0;
}

if (args is ["indicators-throughput", ..])
{
    IndicatorsBenchmark.Throughput(args);
    return 0;
}

if (args is ["indicators-generate", var users, var perUser, var root])
{
    // `indicators-generate USERS RECORDS_PER_USER DIR`: the indicators-throughput population (seed 1) only, for timing the CLI on it.
    Mosaic.Indicators.SyntheticUsers.Write(Path.Combine(root, "records"), Path.Combine(root, "antennas.csv"), int.Parse(users, CultureInfo.InvariantCulture), int.Parse(perUser, CultureInfo.InvariantCulture), seed: 1);
    return 0;
}

if (args is ["indicators-parse", ..])
{
    // `indicators-parse FOLDER [ROUNDS]`: single-threaded CPU-s of parsing the records files from memory.
    IndicatorsBenchmark.Parse(args);
    return 0;
}

if (args is ["indicators-profile", ..])
{
    // `indicators-profile FOLDER [ROUNDS]`: single-threaded CPU-s per phase (parse, compute, render).
    IndicatorsBenchmark.Profile(args);
    return 0;
}

if (args is ["planted-mitigation", ..])
{
    // `planted-mitigation N [seed] [network] [maxit]` times the mobility optimiser on a planted city once.
    return PlantedMitigationRun.Run(args[1..]);
}

if (args is ["mitigation-profile", ..])
{
    // `mitigation-profile N [seed] [threads]`: where the mobility optimiser's time goes.
    return MitigationProfile.Run(args[1..]);
}

if (args is ["mitigation-kernels", ..])
{
    // `mitigation-kernels N [threads] [repeats]`: the dense products of the mobility objective.
    return MitigationProfile.Kernels(args[1..]);
}

if (args is ["ipopt-mitigation", ..])
{
    // `ipopt-mitigation N [seed] [RT|RR] [max iterations]`: IPOPT beside Mosaic on step 1.
    return PlantedMitigationRun.Ipopt(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
