using MathNet.Numerics.Distributions;
using Mosaic.Definitions;

namespace Mosaic.Integration;

/// <summary>Count, mean and sum of squared deviations of one feature in one group and week (NaNs skipped).</summary>
internal readonly record struct CellStats(long N, double Mean, double SumSquares)
{
    /// <summary>Population variance (normaliser N), as DESIGN.md's standard deviations; NaN when empty.</summary>
    public double PopulationVariance => N > 0 ? SumSquares / N : double.NaN;

    /// <summary>Sample variance (normaliser N − 1), for standard errors; NaN when N &lt; 2.</summary>
    public double SampleVariance => N > 1 ? SumSquares / (N - 1) : double.NaN;
}

/// <summary>
/// The weekly trajectories of the groups: per feature, group and week the mean, standard
/// deviation and 95% confidence interval (<c>evolution.csv</c>); the standardised distance
/// between group centroids (<c>convergence.csv</c>); and per feature whether new migrants move
/// towards or away from the other groups (<c>convergence_by_feature.csv</c>).
/// </summary>
internal sealed class Trajectories
{
    /// <summary>The pairs compared, as (name, first group, second group); the gap is first − second.</summary>
    public static IReadOnlyList<(string Name, int A, int B)> Pairs { get; } =
    [
        ("new-settled", FeatureTable.New, FeatureTable.Settled),
        ("new-local", FeatureTable.New, FeatureTable.Local),
        ("settled-local", FeatureTable.Settled, FeatureTable.Local),
    ];

    private readonly FeatureTable table;
    private readonly int k;

    /// <summary>Stats[feature][group][week index].</summary>
    private readonly CellStats[][][] stats;

    /// <summary>Subscribers[group][week index]: rows of that group and week, whatever is null.</summary>
    private readonly long[][] subscribers;

    public Trajectories(FeatureTable table, int minimumCellSize)
    {
        this.table = table;
        k = minimumCellSize;
        var weeks = table.WeekNumbers.Length;
        var weekIndex = table.Weeks.Select(w => Array.BinarySearch(table.WeekNumbers, w)).ToArray();
        subscribers = new long[3][];
        for (var g = 0; g < 3; g++)
        {
            subscribers[g] = new long[weeks];
        }

        for (var i = 0; i < table.Rows; i++)
        {
            subscribers[table.Groups[i]][weekIndex[i]]++;
        }

        stats = new CellStats[table.Columns.Length][][];
        for (var f = 0; f < table.Columns.Length; f++)
        {
            // Two passes (mean, then squared deviations) for accuracy on large counts.
            var values = table.Values[f];
            var n = new long[3, weeks];
            var sum = new double[3, weeks];
            for (var i = 0; i < table.Rows; i++)
            {
                var v = values[i];
                if (!double.IsNaN(v))
                {
                    n[table.Groups[i], weekIndex[i]]++;
                    sum[table.Groups[i], weekIndex[i]] += v;
                }
            }

            var ss = new double[3, weeks];
            for (var i = 0; i < table.Rows; i++)
            {
                var v = values[i];
                if (!double.IsNaN(v))
                {
                    var g = table.Groups[i];
                    var w = weekIndex[i];
                    var d = v - (sum[g, w] / n[g, w]);
                    ss[g, w] += d * d;
                }
            }

            stats[f] = new CellStats[3][];
            for (var g = 0; g < 3; g++)
            {
                stats[f][g] = new CellStats[weeks];
                for (var w = 0; w < weeks; w++)
                {
                    stats[f][g][w] = new CellStats(n[g, w], n[g, w] > 0 ? sum[g, w] / n[g, w] : double.NaN, ss[g, w]);
                }
            }
        }
    }

    /// <summary>The statistics of feature <paramref name="f"/>, group <paramref name="g"/>, week index <paramref name="w"/>.</summary>
    public CellStats Stats(int f, int g, int w) => stats[f][g][w];

    /// <summary>
    /// <c>group,week,feature,mean,std,n,ci_low,ci_high,suppressed</c>: std is the population
    /// standard deviation; the CI is mean ± t(0.975, n−1)·s/√n with s the sample standard deviation.
    /// Rows with n &lt; k are suppressed (every value empty, <c>suppressed</c> true).
    /// </summary>
    public Csv Evolution()
    {
        var csv = new Csv("group", "week", "feature", "mean", "std", "n", "ci_low", "ci_high", "suppressed");
        for (var g = 0; g < 3; g++)
        {
            for (var w = 0; w < table.WeekNumbers.Length; w++)
            {
                for (var f = 0; f < table.Columns.Length; f++)
                {
                    var s = stats[f][g][w];
                    if (s.N < k)
                    {
                        csv.Add(Groups.Subjects[g], table.WeekNumbers[w], table.Columns[f], null, null, null, null, null, true);
                        continue;
                    }

                    var half = s.N > 1 ? StudentT.InvCDF(0, 1, s.N - 1, 0.975) * Math.Sqrt(s.SampleVariance / s.N) : double.NaN;
                    csv.Add(Groups.Subjects[g], table.WeekNumbers[w], table.Columns[f], s.Mean, Math.Sqrt(s.PopulationVariance), s.N,
                        s.Mean - half, s.Mean + half, false);
                }
            }
        }

        return csv;
    }

    /// <summary>
    /// <c>week,pair,distance,suppressed</c>: √Σ_f ((μ_a,f − μ_b,f)/σ_f)², with σ_f the population
    /// standard deviation of feature f over every subject row of every week (one fixed scale, so
    /// distances compare across weeks). Features with σ_f = 0 or a mean missing in either group are
    /// left out of that week's sum. Suppressed when either group has fewer than k subscribers that week.
    /// </summary>
    public Csv Convergence()
    {
        var scale = new double[table.Columns.Length];
        for (var f = 0; f < table.Columns.Length; f++)
        {
            long n = 0;
            double sum = 0, ss = 0;
            foreach (var v in table.Values[f])
            {
                if (!double.IsNaN(v))
                {
                    n++;
                    sum += v;
                }
            }

            var mean = sum / n;
            foreach (var v in table.Values[f])
            {
                if (!double.IsNaN(v))
                {
                    ss += (v - mean) * (v - mean);
                }
            }

            scale[f] = n > 0 ? Math.Sqrt(ss / n) : 0;
        }

        var csv = new Csv("week", "pair", "distance", "suppressed");
        for (var w = 0; w < table.WeekNumbers.Length; w++)
        {
            foreach (var (name, a, b) in Pairs)
            {
                if (subscribers[a][w] < k || subscribers[b][w] < k)
                {
                    csv.Add(table.WeekNumbers[w], name, null, true);
                    continue;
                }

                var total = 0.0;
                for (var f = 0; f < table.Columns.Length; f++)
                {
                    var d = (stats[f][a][w].Mean - stats[f][b][w].Mean) / scale[f];
                    if (scale[f] > 0 && double.IsFinite(d))
                    {
                        total += d * d;
                    }
                }

                csv.Add(table.WeekNumbers[w], name, Math.Sqrt(total), false);
            }
        }

        return csv;
    }

    /// <summary>
    /// <c>feature,pair,first_week_gap,last_week_gap,direction,first_week,last_week,t,df,p_value,suppressed</c>.
    /// The gap is mean(first group) − mean(second group) in the feature's own unit, at the first
    /// and last weeks where both groups have at least k non-null values. The change D = gap_last −
    /// gap_first is tested with a Welch t-test: t = D / √(Σ s²/n over the four group-week means),
    /// Welch–Satterthwaite degrees of freedom, two-sided p. Direction: <c>towards</c> when p &lt; α
    /// and |gap| shrank, <c>away</c> when p &lt; α and it grew, <c>flat</c> otherwise. The four means
    /// are treated as independent samples although the same subscribers appear in several weeks;
    /// with positive within-subscriber correlation this overstates the variance of each group's
    /// change, so the test errs towards <c>flat</c>.
    /// </summary>
    public Csv ConvergenceByFeature(double alpha, out Dictionary<(string Feature, string Pair), string> directions)
    {
        directions = [];
        var csv = new Csv("feature", "pair", "first_week_gap", "last_week_gap", "direction", "first_week", "last_week",
            "t", "df", "p_value", "suppressed");
        for (var f = 0; f < table.Columns.Length; f++)
        {
            foreach (var (name, a, b) in Pairs)
            {
                var eligible = Enumerable.Range(0, table.WeekNumbers.Length)
                    .Where(w => stats[f][a][w].N >= Math.Max(k, 2) && stats[f][b][w].N >= Math.Max(k, 2))
                    .ToArray();
                if (eligible.Length < 2)
                {
                    csv.Add(table.Columns[f], name, null, null, null, null, null, null, null, null, true);
                    continue;
                }

                int first = eligible[0], last = eligible[^1];
                var gapFirst = stats[f][a][first].Mean - stats[f][b][first].Mean;
                var gapLast = stats[f][a][last].Mean - stats[f][b][last].Mean;
                var (t, df, p) = WelchChange([stats[f][a][first], stats[f][b][first], stats[f][a][last], stats[f][b][last]], gapLast - gapFirst);
                var direction = !(p < alpha) || Math.Abs(gapLast) == Math.Abs(gapFirst) ? "flat"
                    : Math.Abs(gapLast) < Math.Abs(gapFirst) ? "towards"
                    : "away";
                directions[(table.Columns[f], name)] = direction;
                csv.Add(table.Columns[f], name, gapFirst, gapLast, direction, table.WeekNumbers[first], table.WeekNumbers[last],
                    t, df, p, false);
            }
        }

        return csv;
    }

    /// <summary>t, Welch–Satterthwaite df and two-sided p of a difference of sums of independent means.</summary>
    internal static (double T, double Df, double P) WelchChange(IReadOnlyList<CellStats> cells, double difference)
    {
        double variance = 0, denominator = 0;
        foreach (var c in cells)
        {
            var v = c.SampleVariance / c.N;
            variance += v;
            denominator += v * v / (c.N - 1);
        }

        if (!(variance > 0))
        {
            // No spread at all: any change is exact, no change is no change.
            return difference == 0 ? (0, double.NaN, 1) : (double.PositiveInfinity * Math.Sign(difference), double.NaN, 0);
        }

        var t = difference / Math.Sqrt(variance);
        var df = variance * variance / denominator;
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return (t, df, p);
    }
}
