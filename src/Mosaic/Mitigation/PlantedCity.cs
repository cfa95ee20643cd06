namespace Mosaic.Mitigation;

/// <summary>
/// A random city with planted behavioural segregation, for tests and benchmarks: districts on a
/// unit square, host calls following a gravity model, refugees concentrated in a few enclave
/// districts whose calls favour other enclaves (a per-destination bias the hosts do not have).
/// Deterministic for a given seed.
/// </summary>
internal static class PlantedCity
{
    public static MitigationProblem Generate(int n, int seed, double cap = 0.10, double bias = 1.0, double callsPerPerson = 0.05)
    {
        var random = new Random(seed);
        var xs = new double[n];
        var ys = new double[n];
        var population = new double[n];
        var refugees = new double[n];
        var hosts = new double[n];
        var rent = new double[n];
        var enclave = new bool[n];
        for (var i = 0; i < n; i++)
        {
            xs[i] = random.NextDouble();
            ys[i] = random.NextDouble();
            population[i] = Math.Round(50_000 + (random.NextDouble() * 450_000));
            enclave[i] = random.NextDouble() < 0.25;
            var share = enclave[i] ? 0.05 + (0.04 * random.NextDouble()) : 0.005 + (0.02 * random.NextDouble());
            refugees[i] = Math.Round(population[i] * share);
            hosts[i] = population[i] - refugees[i];
            rent[i] = Math.Round(enclave[i] ? 400 + (300 * random.NextDouble()) : 600 + (900 * random.NextDouble()));
        }

        var destinationBias = new double[n];
        for (var k = 0; k < n; k++)
        {
            // Refugees call enclaves more than hosts do: the planted segregation.
            destinationBias[k] = Math.Exp(bias * ((enclave[k] ? 1.0 : -0.3) + (0.5 * (random.NextDouble() - 0.5))));
        }

        var tt = new double[n, n];
        var rt = new double[n, n];
        var rr = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            double ttRow = 0, rtRow = 0, rrRow = 0;
            var gravity = new double[n];
            for (var k = 0; k < n; k++)
            {
                var distance = Math.Sqrt(Math.Pow(xs[j] - xs[k], 2) + Math.Pow(ys[j] - ys[k], 2));
                gravity[k] = Math.Exp(-distance / 0.3) * (j == k ? 3 : 1);
                tt[j, k] = hosts[k] * gravity[k];
                rt[j, k] = hosts[k] * gravity[k] * destinationBias[k];
                rr[j, k] = refugees[k] * gravity[k] * destinationBias[k];
                ttRow += tt[j, k];
                rtRow += rt[j, k];
                rrRow += rr[j, k];
            }

            for (var k = 0; k < n; k++)
            {
                tt[j, k] = Math.Round(tt[j, k] / ttRow * hosts[j] * callsPerPerson * 4);
                rt[j, k] = Math.Round(rt[j, k] / rtRow * refugees[j] * callsPerPerson * 2);
                rr[j, k] = Math.Round(rr[j, k] / rrRow * refugees[j] * callsPerPerson * 2);
            }
        }

        return new MitigationProblem(Enumerable.Range(1, n).ToArray(), rt, rr, tt, refugees, hosts, population, rent, cap);
    }
}
