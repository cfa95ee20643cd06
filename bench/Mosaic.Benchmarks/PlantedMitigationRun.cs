using System.Diagnostics;
using System.Globalization;
using Mosaic.Mitigation;
using Mosaic.Tests.Mitigation;

namespace Mosaic.Benchmarks;

/// <summary>
/// One timed run of the mobility optimiser on a planted city (<see cref="PlantedCity"/>), one line
/// per network. Arguments: N [seed = 1] [RT|RR|both = both] [max iterations per step = default].
/// </summary>
internal static class PlantedMitigationRun
{
    public static int Run(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var networks = args.Length > 2 && args[2] != "both" ? [Enum.Parse<MitigationNetwork>(args[2])] : new[] { MitigationNetwork.RT, MitigationNetwork.RR };
        var options = args.Length > 3
            ? MobilityOptions.Default with { MaxIterations = int.Parse(args[3], CultureInfo.InvariantCulture) }
            : MobilityOptions.Default;
        // Both networks run concurrently as in `mosaic mitigate` (MitigationStage), each with every
        // core (MOSAIC_SEQUENTIAL=1: one after the other; MOSAIC_THREADS=N: N threads each). The
        // results do not depend on the thread count.
        var sequential = Environment.GetEnvironmentVariable("MOSAIC_SEQUENTIAL") == "1" || networks.Length == 1;
        if (int.TryParse(Environment.GetEnvironmentVariable("MOSAIC_THREADS"), CultureInfo.InvariantCulture, out var threads) && threads > 0)
        {
            options = options with { Threads = threads };
        }

        // MOSAIC_STAGNATION_WINDOW=N: the opt-in stagnation rule over N evaluations (MobilityOptions.StagnationWindow).
        if (int.TryParse(Environment.GetEnvironmentVariable("MOSAIC_STAGNATION_WINDOW"), CultureInfo.InvariantCulture, out var window) && window >= 0)
        {
            options = options with { StagnationWindow = window };
        }

        // MOSAIC_CONVERGE_STEP2=1: continue step 2 with projected Newton (MobilityOptions.ConvergeStep2).
        if (Environment.GetEnvironmentVariable("MOSAIC_CONVERGE_STEP2") == "1")
        {
            options = options with { ConvergeStep2 = true };
        }

        var problem = PlantedCity.Generate(n, seed);
        var total = Stopwatch.StartNew();
        string Run(MitigationNetwork network)
        {
            var result = MobilityOptimizer.Optimize(problem, network, options);
            return string.Create(CultureInfo.InvariantCulture,
                $"n={n} seed={seed} {network} ({options.Threads} threads): {result.Seconds:F2} s, step1 {result.Step1.Objective:G8} ({result.Step1.Iterations} it, {result.Step1.OuterIterations} outer, {result.Step1.ExitReason}), step2 {result.Step2.Objective:G8} ({result.Step2.Iterations} it, {result.Step2.OuterIterations} outer, {result.Step2.ExitReason}), selected {result.Selected}, non-zeros {result.Matrix.Cast<double>().Count(m => m != 0) / (double)(n * n):P1}, max violation {result.MaxViolation:G2}, {result.Seconds / Math.Max(1, result.Iterations) * 1000:F2} ms/iteration");
        }

        var lines = sequential
            ? networks.Select(Run).ToArray()
            : Task.WhenAll([.. networks.Select(network => Task.Run(() => Run(network)))]).GetAwaiter().GetResult();
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {total.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }

    /// <summary>
    /// `ipopt-mitigation N [seed] [RT|RR] [max IPOPT iterations]`: step 1 from M = I with IPOPT
    /// (the test suite's wrapper) and with Mosaic at the same iteration budget, timed one after the other.
    /// </summary>
    public static int Ipopt(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var network = args.Length > 2 ? Enum.Parse<MitigationNetwork>(args[2]) : MitigationNetwork.RT;
        var iterations = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50;
        if (!IpoptSolver.Available)
        {
            Console.WriteLine("libipopt.so.1 is not installed (apt-get install coinor-libipopt1v5)");
            return 1;
        }

        var problem = PlantedCity.Generate(n, seed);
        var start = MobilityMatrix.IdentityX(n);
        var clock = Stopwatch.StartNew();
        var (status, x, evaluations) = IpoptSolver.Minimize(problem, network, MobilityObjectiveKind.ShareDifference, start, iterations);
        var ipoptSeconds = clock.Elapsed.TotalSeconds;
        var ipoptValue = MobilityOptimizer.Objective(problem, network, MobilityObjectiveKind.ShareDifference, MobilityMatrix.FromX(x, n));
        clock.Restart();
        var (_, step) = MobilityOptimizer.Minimize(problem, network, MobilityObjectiveKind.ShareDifference, MobilityMatrix.Identity(n), MobilityOptions.Default with { MaxIterations = iterations });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"n={n} seed={seed} {network} step 1 from M = I: IPOPT {ipoptSeconds:F1} s (status {status}, {evaluations} objective evaluations, at most {iterations} iterations) objective {ipoptValue:G8}; Mosaic {clock.Elapsed.TotalSeconds:F1} s ({step.Iterations} it, {step.ExitReason}) objective {step.Objective:G8}"));
        return 0;
    }
}
