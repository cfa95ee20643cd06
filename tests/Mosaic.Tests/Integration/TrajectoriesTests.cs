using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class TrajectoriesTests
{
    /// <summary>Two subscribers per group and week; one feature with hand-picked values.</summary>
    private static FeatureTable Tiny()
    {
        // local: ids 1, 2 in weeks 1, 2; settled: 3, 4 in weeks 1, 2; new: 5, 6 in week 2.
        long[] ids = [1, 1, 2, 2, 3, 3, 4, 4, 5, 6];
        int[] weeks = [1, 2, 1, 2, 1, 2, 1, 2, 2, 2];
        byte[] groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        int[] homes = [7, 7, 7, 8, 8, 8, 8, FeatureTable.NoDistrict, 9, 9];
        double[] values = [1, 2, 3, 4, 10, 20, double.NaN, 40, 5, 7];
        return FeatureTable.Create(ids, weeks, groups, homes, ["calls_out"], [values]);
    }

    [Fact]
    public void Evolution_TinyTable_MeanStdAndIntervalByHand()
    {
        var rows = new Trajectories(Tiny(), minimumCellSize: 1).Evolution().ToString().Split('\n');

        // local week 2: values 2, 4 → mean 3, population SD 1, sample SD √2, t(0.975, 1) = 12.7062047361747.
        // (scipy.stats.t.ppf(0.975, 1)); MathNet's quantile agrees to ~1e-12.
        var half = 12.706204736174707 * Math.Sqrt(2.0) / Math.Sqrt(2.0);
        var local = rows.Single(r => r.StartsWith("local,2,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(["local", "2", "calls_out", "3", "1", "2"], local[..6]);
        Assert.Equal(3 - half, double.Parse(local[6], System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal(3 + half, double.Parse(local[7], System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("false", local[8]);

        // settled week 1: one non-null value (the NaN is skipped): no interval.
        Assert.Contains("settled,1,calls_out,10,0,1,,,false", rows);

        // new week 1: nobody → suppressed even with k = 1.
        Assert.Contains("new,1,calls_out,,,,,,true", rows);
    }

    [Fact]
    public void Evolution_BelowK_Suppressed()
    {
        var rows = new Trajectories(Tiny(), minimumCellSize: 3).Evolution().ToString().Split('\n');
        Assert.All(rows.Skip(1).Where(r => r.Length > 0), r => Assert.EndsWith(",,,,,,true", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Convergence_TinyTable_DistanceByHand()
    {
        var table = Tiny();
        var rows = new Trajectories(table, minimumCellSize: 1).Convergence().ToString().Split('\n');

        // Pooled population SD over the 9 non-null values.
        double[] all = [1, 2, 3, 4, 10, 20, 40, 5, 7];
        var mean = all.Average();
        var sd = Math.Sqrt(all.Average(v => (v - mean) * (v - mean)));

        // week 2: new mean 6, settled mean 30, local mean 3.
        Assert.Contains($"2,new-settled,{Csv.Format(Math.Abs(6 - 30.0) / sd)},false", rows);
        Assert.Contains($"2,new-local,{Csv.Format(Math.Abs(6 - 3.0) / sd)},false", rows);
        Assert.Contains("1,new-local,,true", rows);
    }

    [Fact]
    public void WelchChange_TwoMeans_MatchesScipyTtestInd()
    {
        foreach (var reference in SklearnReference.Root.GetProperty("welch").EnumerateArray())
        {
            var a = SklearnReference.Vector(reference.GetProperty("a"));
            var b = SklearnReference.Vector(reference.GetProperty("b"));
            var (t, df, p) = Trajectories.WelchChange([Stats(a), Stats(b)], a.Average() - b.Average());
            Assert.Equal(reference.GetProperty("t").GetDouble(), t, 9);
            Assert.Equal(reference.GetProperty("df").GetDouble(), df, 9);
            Assert.Equal(reference.GetProperty("p").GetDouble(), p, 9);
        }
    }

    [Fact]
    public void ConvergenceByFeature_NoSpread_ChangeIsExact()
    {
        // Constant values within each group: the gap 3 → 1 is certain (p = 0), hence "towards".
        long[] ids = [1, 1, 2, 2, 3, 3, 4, 4];
        int[] weeks = [1, 2, 1, 2, 1, 2, 1, 2];
        byte[] groups = [0, 0, 0, 0, 1, 1, 1, 1];
        double[] values = [0, 0, 0, 0, 3, 1, 3, 1];
        var table = FeatureTable.Create(ids, weeks, groups, [1, 1, 1, 1, 1, 1, 1, 1], ["calls_out"], [values]);
        var csv = new Trajectories(table, minimumCellSize: 2).ConvergenceByFeature(0.05, out var directions).ToString();
        Assert.Equal("towards", directions[("calls_out", "settled-local")]);
        Assert.Contains("calls_out,settled-local,3,1,towards,1,2,", csv, StringComparison.Ordinal);
        Assert.Contains("calls_out,new-local,,,,,,,,,true", csv, StringComparison.Ordinal);
    }

    private static CellStats Stats(double[] values)
    {
        var mean = values.Average();
        return new CellStats(values.Length, mean, values.Sum(v => (v - mean) * (v - mean)));
    }
}
