using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

public class BenjaminiHochbergTests
{
    [Fact]
    public void QValues_HandExample_StepUpMinimum()
    {
        // Sorted 0.005, 0.01, 0.03, 0.04 → 4p/rank = 0.02, 0.02, 0.04, 0.04; running minimum from the top.
        var q = BenjaminiHochberg.QValues([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.02, 0.04, 0.04, 0.02], q.Select(x => Math.Round(x, 12)));
    }

    [Fact]
    public void QValues_REquallySpaced_AllEqualLargest()
    {
        // R: p.adjust(c(.01, .02, .03, .04, .05), "BH") = rep(.05, 5).
        var q = BenjaminiHochberg.QValues([0.01, 0.02, 0.03, 0.04, 0.05]);
        Assert.All(q, x => Assert.Equal(0.05, x, 12));
    }

    [Fact]
    public void QValues_MinimumCarriedDown_AndCappedAtOne()
    {
        // 3·0.9/2 = 1.35 → capped by the running minimum 0.95 (from rank 3: 3·0.95/3).
        var q = BenjaminiHochberg.QValues([0.9, 0.95, 0.001]);
        Assert.Equal([0.95, 0.95, 0.003], q.Select(x => Math.Round(x, 12)));
        Assert.Equal([1.0], BenjaminiHochberg.QValues([1.0]));
    }

    [Fact]
    public void QValues_NaNInput_LeftOutOfCount()
    {
        var q = BenjaminiHochberg.QValues([0.01, double.NaN, 0.02]);
        Assert.True(double.IsNaN(q[1]));
        Assert.Equal(0.02, q[0], 12);
        Assert.Equal(0.02, q[2], 12);
    }

    [Fact]
    public void QValues_OutOfRange_Throws() =>
        Assert.Throws<ArgumentException>(() => BenjaminiHochberg.QValues([1.5]));
}
