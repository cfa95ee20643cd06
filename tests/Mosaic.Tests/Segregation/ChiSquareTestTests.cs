using System.Globalization;
using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

public class ChiSquareTestTests
{
    private sealed record Reference(string Kind, double[][] Table, double Chi2, int Dof, double PScipy, double PMpmath, double CramersV);

    private static List<Reference> LoadReference()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "Segregation", "chi2_reference.csv");
        var rows = new List<Reference>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            int r = int.Parse(f[1], CultureInfo.InvariantCulture), c = int.Parse(f[2], CultureInfo.InvariantCulture);
            var cells = f[3].Split(';').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var table = Enumerable.Range(0, r).Select(i => cells.Skip(i * c).Take(c).ToArray()).ToArray();
            rows.Add(new Reference(f[0], table, Parse(f[4]), int.Parse(f[5], CultureInfo.InvariantCulture), Parse(f[6]), Parse(f[7]), Parse(f[8])));
        }

        return rows;

        static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what)
    {
        var error = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), double.Epsilon);
        Assert.True(expected == actual || error <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {error:E2})");
    }

    [Fact]
    public void Homogeneity_ScipyReferenceTables_AgreeTo1e9Relative()
    {
        var reference = LoadReference();
        Assert.True(reference.Count > 300);
        foreach (var (row, index) in reference.Select((r, i) => (r, i)))
        {
            var result = ChiSquareTest.Homogeneity(row.Table);
            AssertRelative(row.Chi2, result.Statistic, 1e-9, $"row {index} ({row.Kind}) chi2");
            Assert.Equal(row.Dof, result.DegreesOfFreedom);
            AssertRelative(row.CramersV, result.CramersV, 1e-9, $"row {index} V");
            // scipy's cephes returns 0 once the tail is below the smallest normal double; compare it above that.
            if (row.PScipy > 1e-300)
            {
                AssertRelative(row.PScipy, result.PValue, 1e-9, $"row {index} ({row.Kind}) p vs scipy");
            }
        }
    }

    [Fact]
    public void Homogeneity_HugeStatistics_MatchMpmathThroughSubnormals()
    {
        var huge = LoadReference().Where(r => r.Kind == "huge").ToList();
        Assert.Contains(huge, r => r.PScipy == 0 && r.PMpmath > 0);
        Assert.Contains(huge, r => r.PMpmath == 0);
        foreach (var row in huge)
        {
            var p = ChiSquareTest.Homogeneity(row.Table).PValue;
            if (row.PMpmath >= 1e-300)
            {
                AssertRelative(row.PMpmath, p, 1e-9, $"chi2 {row.Chi2} dof {row.Dof}");
            }
            else if (row.PMpmath > 0)
            {
                // Subnormals carry fewer significant bits: 1e-6 relative, and never a false 0.
                Assert.True(p > 0, $"chi2 {row.Chi2}: p underflowed to 0, expected {row.PMpmath:R}");
                AssertRelative(row.PMpmath, p, row.PMpmath > 1e-315 ? 1e-6 : 1e-2, $"chi2 {row.Chi2} dof {row.Dof}");
            }
            else
            {
                Assert.Equal(0.0, p);
            }
        }
    }

    [Fact]
    public void LogUpperTail_FarBeyondUnderflow_StaysFiniteAndMonotone()
    {
        // chi2 = 1e6 on 30 dof: p is about e^-500000, far below any double, but its log is finite.
        var logP = ChiSquareTest.LogUpperTail(1e6, 30);
        Assert.True(double.IsFinite(logP));
        Assert.True(logP < ChiSquareTest.LogUpperTail(9e5, 30));
        // Leading term of the asymptotic tail: log Q(a, x) ≈ (a − 1) ln x − x − ln Γ(a).
        var a = 15.0;
        var x = 5e5;
        var leading = ((a - 1) * Math.Log(x)) - x - MathNet.Numerics.SpecialFunctions.GammaLn(a);
        Assert.Equal(leading, logP, 3);
    }

    [Fact]
    public void Homogeneity_HandComputed2x2_MatchesFormula()
    {
        // [[10, 20], [30, 40]]: n = 100, expected [[12, 18], [28, 42]].
        // X² = 4/12 + 4/18 + 4/28 + 4/42 = 0.79365..., V = sqrt(X²/100).
        var result = ChiSquareTest.Homogeneity([10.0, 20.0], [30.0, 40.0]);
        var expected = (4 / 12.0) + (4 / 18.0) + (4 / 28.0) + (4 / 42.0);
        Assert.Equal(expected, result.Statistic, 12);
        Assert.Equal(1, result.DegreesOfFreedom);
        Assert.Equal(Math.Sqrt(expected / 100), result.CramersV, 12);
    }

    [Fact]
    public void Homogeneity_ZeroColumnsAndOneCategory_DroppedAndTrivial()
    {
        var dropped = ChiSquareTest.Homogeneity([5.0, 0, 7], [3.0, 0, 9]);
        Assert.Equal(1, dropped.ColumnsDropped);
        Assert.Equal(ChiSquareTest.Homogeneity([5.0, 7], [3.0, 9]).Statistic, dropped.Statistic);

        var single = ChiSquareTest.Homogeneity([5.0, 0], [3.0, 0]);
        Assert.Equal((0.0, 0, 1.0), (single.Statistic, single.DegreesOfFreedom, single.PValue));
    }

    [Fact]
    public void Homogeneity_EmptyRowOrNegativeCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => ChiSquareTest.Homogeneity([0.0, 0], [3.0, 1]));
        Assert.Throws<ArgumentException>(() => ChiSquareTest.Homogeneity([-1.0, 2], [3.0, 1]));
        Assert.Throws<ArgumentException>(() => ChiSquareTest.Homogeneity([1.0, 2], [3.0]));
    }
}
