using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class DenseKernelsTests
{
    private static double[] RandomMatrix(int n, int seed, double zeroShare)
    {
        var random = new Random(seed);
        var m = new double[n * n];
        for (var k = 0; k < m.Length; k++)
        {
            m[k] = random.NextDouble() < zeroShare ? 0 : random.NextDouble() - 0.3;
        }

        return m;
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, true)]
    [InlineData(37, false)]
    [InlineData(130, true)]
    [InlineData(133, false)]
    public void MultiplyPacked_OddSizes_EqualsNaiveProduct(int n, bool transposed)
    {
        // Sizes off the 4-row tile and the 8-column strip exercise the short tiles and zero padding.
        var a = RandomMatrix(n, 1, 0.3);
        var b = RandomMatrix(n, 2, 0.3);
        var start = RandomMatrix(n, 3, 0);
        var packed = new double[DenseKernels.PackedLength(n)];
        DenseKernels.Pack(b, transposed, packed, n);
        var product = new double[n * n];
        var accumulated = (double[])start.Clone();
        DenseKernels.MultiplyPacked(a, packed, product, n, threads: 2, accumulate: false);
        DenseKernels.MultiplyPacked(a, packed, accumulated, n, threads: 2, accumulate: true);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double expected = 0, magnitude = 0;
                for (var k = 0; k < n; k++)
                {
                    var bkj = transposed ? b[(j * n) + k] : b[(k * n) + j];
                    expected += a[(i * n) + k] * bkj;
                    magnitude += Math.Abs(a[(i * n) + k] * bkj);
                }

                // Relative to Σ|a b|: the sum's own condition, so cancellation does not hide errors.
                var tolerance = 1e-12 * Math.Max(magnitude, 1e-300);
                Assert.True(Math.Abs(product[(i * n) + j] - expected) <= tolerance, $"({i},{j}): {product[(i * n) + j]:R} vs {expected:R}");
                Assert.True(Math.Abs(accumulated[(i * n) + j] - start[(i * n) + j] - expected) <= tolerance + (1e-15 * Math.Abs(start[(i * n) + j])), $"accumulated ({i},{j})");
            }
        }
    }

    [Fact]
    public void MultiplyPacked_OneOrThreeThreads_SameBits()
    {
        const int n = 150;
        var a = RandomMatrix(n, 4, 0.5);
        var packed = new double[DenseKernels.PackedLength(n)];
        DenseKernels.Pack(RandomMatrix(n, 5, 0.5), transposed: true, packed, n);
        var single = new double[n * n];
        var parallel = new double[n * n];
        DenseKernels.MultiplyPacked(a, packed, single, n, threads: 1, accumulate: false);
        DenseKernels.MultiplyPacked(a, packed, parallel, n, threads: 3, accumulate: false);
        Assert.Equal(single, parallel);
    }
}
