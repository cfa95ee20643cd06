using System.Diagnostics;
using System.Globalization;
using Mosaic.Mitigation;

namespace Mosaic.Benchmarks;

/// <summary>
/// Where the optimiser's time goes on a planted city: `mitigation-profile N [seed] [threads]` runs a
/// few projected-gradient iterations and one face polish per network and step, and reports the time
/// spent in objective evaluations against the time outside them.
/// </summary>
internal static class MitigationProfile
{
    public static int Run(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var problem = PlantedCity.Generate(n, seed);
        var nnz = 0;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                nnz += problem.CallsRT[i, k] != 0 ? 1 : 0;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"n={n}: O^RT density {(double)nnz / n / n:P1}"));
        foreach (var network in new[] { MitigationNetwork.RT, MitigationNetwork.RR })
        {
            var x = MobilityMatrix.IdentityX(n);
            foreach (var kind in new[] { MobilityObjectiveKind.ShareDifference, MobilityObjectiveKind.ChiSquareSum })
            {
                var objective = new MobilityObjective(problem, network, kind, threads);
                var project = MobilityMatrix.Projector(n);
                var valueTime = new Stopwatch();
                var gradientTime = new Stopwatch();
                int values = 0, gradients = 0;
                double Value(double[] p)
                {
                    values++;
                    valueTime.Start();
                    var f = objective.Value(p);
                    valueTime.Stop();
                    return f;
                }

                double ValueAndGradient(double[] p, double[] g)
                {
                    gradients++;
                    gradientTime.Start();
                    var f = objective.ValueAndGradient(p, g);
                    gradientTime.Stop();
                    return f;
                }

                var clock = Stopwatch.StartNew();
                var spg = SpectralProjectedGradient.Minimize(Value, ValueAndGradient, project, x, 1e-12, 10, 10);
                var spgTime = clock.Elapsed.TotalMilliseconds;
                Report(network, kind, "SPG 10 it", spgTime, values, valueTime, gradients, gradientTime, x, n);
                valueTime.Reset();
                gradientTime.Reset();
                values = gradients = 0;
                clock.Restart();
                var polish = FaceQuasiNewton.Minimize(Value, ValueAndGradient, x, n, 1e-12, 20);
                Report(network, kind, $"polish {polish.Evaluations} ev", clock.Elapsed.TotalMilliseconds, values, valueTime, gradients, gradientTime, x, n);
                _ = spg;
            }
        }

        return 0;
    }

    /// <summary>`mitigation-kernels N [threads] [repeats]`: the row-by-row dot product against the packed, blocked product.</summary>
    public static int Kernels(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        var random = new Random(7);
        var p = new double[n * n];
        var q = new double[n * n];
        for (var k = 0; k < p.Length; k++)
        {
            p[k] = random.NextDouble();
            q[k] = random.NextDouble() - 0.5;
        }

        var naive = new double[n * n];
        var blocked = new double[n * n];
        var packed = new double[DenseKernels.PackedLength(n)];
        Time("dot rows  ", repeats, () => DenseKernels.MultiplyTransposed(p, q, naive, n, threads, accumulate: false));
        Time("pack      ", repeats, () => DenseKernels.Pack(q, true, packed, n));
        Time("pack+tiles", repeats, () =>
        {
            DenseKernels.Pack(q, true, packed, n);
            DenseKernels.MultiplyPacked(p, packed, blocked, n, threads, accumulate: false);
        });
        double worst = 0;
        for (var k = 0; k < naive.Length; k++)
        {
            worst = Math.Max(worst, Math.Abs(naive[k] - blocked[k]) / Math.Max(1e-300, Math.Abs(naive[k])));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest relative difference {worst:G3}"));

        // The objective itself at a feasible point with 40% non-zeros (what SPG produces at 500 districts).
        var problem = PlantedCity.Generate(n, 1);
        var x = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                x[(i * n) + j] = random.NextDouble() < 0.4 ? random.NextDouble() : 0;
            }
        }

        var project = MobilityMatrix.Projector(n);
        var copy = (double[])x.Clone();
        Time("projection", repeats, () =>
        {
            Array.Copy(x, copy, x.Length);
            project(copy);
        });
        project(x);
        var gradient = new double[n * n];
        foreach (var network in new[] { MitigationNetwork.RT, MitigationNetwork.RR })
        {
            foreach (var kind in new[] { MobilityObjectiveKind.ShareDifference, MobilityObjectiveKind.ChiSquareSum })
            {
                var objective = new MobilityObjective(problem, network, kind, threads);
                Time($"{network} {kind} value", repeats, () => objective.Value(x));
                Time($"{network} {kind} value+gradient", repeats, () => objective.ValueAndGradient(x, gradient));
            }
        }
        return 0;
    }

    private static void Time(string label, int repeats, Action body)
    {
        body();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
        {
            body();
        }

        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {clock.Elapsed.TotalMilliseconds / repeats:F2} ms wall, {(process.TotalProcessorTime - cpu).TotalMilliseconds / repeats:F2} ms CPU per call"));
    }

    private static void Report(MitigationNetwork network, MobilityObjectiveKind kind, string what, double total, int values, Stopwatch valueTime, int gradients, Stopwatch gradientTime, double[] x, int n)
    {
        var nonzero = x.Count(v => v != 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{network} {kind} {what}: total {total:F0} ms; {values} values {valueTime.Elapsed.TotalMilliseconds:F0} ms; {gradients} gradients {gradientTime.Elapsed.TotalMilliseconds:F0} ms ({gradientTime.Elapsed.TotalMilliseconds / Math.Max(1, gradients):F1} ms each); other {total - valueTime.Elapsed.TotalMilliseconds - gradientTime.Elapsed.TotalMilliseconds:F0} ms; nnz(X) {nonzero} ({(double)nonzero / n / n:P1})"));
    }
}
