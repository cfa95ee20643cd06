using System.Diagnostics;
using System.Globalization;
using Mosaic.Mitigation;

namespace Mosaic.Benchmarks;

/// <summary>One timed run of the mobility optimiser on a planted city, printed as one line per network.</summary>
internal static class PlantedMitigationRun
{
    public static int Run(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var networks = args.Length > 2 ? [Enum.Parse<MitigationNetwork>(args[2])] : new[] { MitigationNetwork.RT, MitigationNetwork.RR };
        var problem = PlantedCity.Generate(n, seed, cap: double.Parse(Environment.GetEnvironmentVariable("MOSAIC_CAP") ?? "0.10", CultureInfo.InvariantCulture));
        var total = Stopwatch.StartNew();
        foreach (var network in networks)
        {
            var result = MobilityOptimizer.Optimize(problem, network, new MobilityOptions { MaxIterations = int.Parse(Environment.GetEnvironmentVariable("MOSAIC_MAXIT") ?? "20000", CultureInfo.InvariantCulture) });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"n={n} seed={seed} {network}: {result.Seconds:F2} s, step1 {result.Step1.Objective:G6} ({result.Step1.Iterations} it, {result.Step1.OuterIterations} outer, {result.Step1.ExitReason}, pg {result.Step1.ProjectedGradientNorm:G2}), step2 {result.Step2.Objective:G8} ({result.Step2.Iterations} it, {result.Step2.OuterIterations} outer, {result.Step2.ExitReason}, pg {result.Step2.ProjectedGradientNorm:G2}), max violation {result.MaxViolation:G2}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {total.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }
}
