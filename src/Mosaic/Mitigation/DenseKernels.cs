using System.Numerics;

namespace Mosaic.Mitigation;

/// <summary>
/// The few dense kernels the objective needs, on row-major n×n arrays. Every output entry is
/// computed by one thread in a fixed order, so results do not depend on the thread count.
/// </summary>
internal static class DenseKernels
{
    /// <summary>Below this size the kernels stay on one thread: scheduling would cost more than it saves.</summary>
    private const int ParallelThreshold = 96;

    /// <summary>Runs body(row) for rows 0..n−1, in parallel when n is large.</summary>
    public static void ForRows(int n, int threads, Action<int> body)
    {
        if (n < ParallelThreshold || threads <= 1)
        {
            for (var i = 0; i < n; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>Σ a_k b_k, vectorised.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var width = Vector<double>.Count;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        var k = 0;
        for (; k + (2 * width) <= a.Length; k += 2 * width)
        {
            acc0 += new Vector<double>(a[k..]) * new Vector<double>(b[k..]);
            acc1 += new Vector<double>(a[(k + width)..]) * new Vector<double>(b[(k + width)..]);
        }

        var sum = Vector.Sum(acc0 + acc1);
        for (; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }

        return sum;
    }

    /// <summary>y += alpha·x, vectorised.</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var width = Vector<double>.Count;
        var scale = new Vector<double>(alpha);
        var k = 0;
        for (; k + width <= x.Length; k += width)
        {
            (new Vector<double>(y[k..]) + (scale * new Vector<double>(x[k..]))).CopyTo(y[k..]);
        }

        for (; k < x.Length; k++)
        {
            y[k] += alpha * x[k];
        }
    }

    /// <summary>c[i, j] (+)= Σ_k p[i, k] q[j, k]: the product P·Qᵀ, row by row.</summary>
    public static void MultiplyTransposed(double[] p, double[] q, double[] c, int n, int threads, bool accumulate)
    {
        // Blocks of Q rows stay in cache while every P row of a thread passes over them.
        const int block = 64;
        ForRows(n, threads, i =>
        {
            var pi = p.AsSpan(i * n, n);
            var ci = c.AsSpan(i * n, n);
            for (var j0 = 0; j0 < n; j0 += block)
            {
                var j1 = Math.Min(n, j0 + block);
                for (var j = j0; j < j1; j++)
                {
                    var dot = Dot(pi, q.AsSpan(j * n, n));
                    ci[j] = accumulate ? ci[j] + dot : dot;
                }
            }
        });
    }

    /// <summary>t = aᵀ for a row-major n×n array.</summary>
    public static void Transpose(double[] a, double[] t, int n)
    {
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                t[(j * n) + i] = a[(i * n) + j];
            }
        }
    }

    /// <summary>Copies a [,] matrix into a row-major array.</summary>
    public static double[] Flatten(double[,] matrix)
    {
        var rows = matrix.GetLength(0);
        var cols = matrix.GetLength(1);
        var flat = new double[rows * cols];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                flat[(i * cols) + j] = matrix[i, j];
            }
        }

        return flat;
    }
}
