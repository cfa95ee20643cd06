namespace Mosaic.Simulation;

/// <summary>
/// xoshiro256** pseudo-random generator, seeded through SplitMix64. Every block of work gets its
/// own stream derived from (seed, purpose, block), so results never depend on how blocks are
/// scheduled over threads. A mutable struct on purpose: pass it by <c>ref</c>.
/// </summary>
internal struct Rng
{
    private ulong s0;
    private ulong s1;
    private ulong s2;
    private ulong s3;

    /// <summary>A stream for one (seed, purpose, block) triple.</summary>
    public Rng(long seed, ulong purpose, ulong block)
    {
        var x = unchecked((ulong)seed ^ (purpose * 0x9E3779B97F4A7C15UL) ^ (block * 0xD1B54A32D192ED03UL));
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextULong()
    {
        unchecked
        {
            var result = ulong.RotateLeft(s1 * 5, 7) * 9;
            var t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = ulong.RotateLeft(s3, 45);
            return result;
        }
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for the sizes used).</summary>
    public int NextInt(int n) => (int)((NextULong() >> 32) * (ulong)n >> 32);

    /// <summary>Uniform integer in [0, n) for 64-bit ranges.</summary>
    public long NextLong(long n) => (long)Math.BigMul(NextULong(), (ulong)n, out _);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Marsaglia's polar method; the spare value is discarded for simplicity).</summary>
    public double Normal()
    {
        while (true)
        {
            var u = (2 * NextDouble()) - 1;
            var v = (2 * NextDouble()) - 1;
            var s = (u * u) + (v * v);
            if (s is > 0 and < 1)
            {
                return u * Math.Sqrt(-2 * Math.Log(s) / s);
            }
        }
    }

    /// <summary>Log-normal with the given mean and log-scale standard deviation.</summary>
    public double LogNormalWithMean(double mean, double sigma) =>
        mean * Math.Exp((sigma * Normal()) - (sigma * sigma / 2));

    /// <summary>Poisson variate: Knuth's product method below 30, a rounded normal above (never negative).</summary>
    public int Poisson(double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }

        if (lambda < 30)
        {
            var limit = Math.Exp(-lambda);
            var k = 0;
            var p = NextDouble();
            while (p > limit)
            {
                k++;
                p *= NextDouble();
            }

            return k;
        }

        return Math.Max(0, (int)Math.Round(lambda + (Math.Sqrt(lambda) * Normal())));
    }

    /// <summary>floor(x + U) for a uniform U: an integer whose expectation is exactly x.</summary>
    public static int StochasticRound(double x, double u) => (int)Math.Floor(x + u);
}

/// <summary>
/// Walker's alias table: O(1) draws from a fixed discrete distribution (cells by population,
/// partners by sociability).
/// </summary>
internal sealed class AliasTable
{
    private readonly double[] probability;
    private readonly int[] alias;

    /// <summary>Builds the table from non-negative weights with a positive sum.</summary>
    public AliasTable(ReadOnlySpan<double> weights)
    {
        var n = weights.Length;
        if (n == 0)
        {
            throw new ArgumentException("an alias table needs at least one weight", nameof(weights));
        }

        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        if (!(total > 0))
        {
            throw new ArgumentException("alias table weights must have a positive sum", nameof(weights));
        }

        probability = new double[n];
        alias = new int[n];
        var scaled = new double[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var i = n - 1; i >= 0; i--)
        {
            scaled[i] = weights[i] * n / total;
            (scaled[i] < 1 ? small : large).Push(i);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            var s = small.Pop();
            var l = large.Pop();
            probability[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }

        foreach (var i in large)
        {
            probability[i] = 1;
        }

        foreach (var i in small)
        {
            probability[i] = 1;
        }
    }

    /// <summary>Number of outcomes.</summary>
    public int Count => probability.Length;

    /// <summary>Draws an outcome index.</summary>
    public int Next(ref Rng rng)
    {
        var i = rng.NextInt(probability.Length);
        return rng.NextDouble() < probability[i] ? i : alias[i];
    }
}
