using System.Numerics;
using System.Runtime.Intrinsics;

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

    /// <summary>Columns of the right-hand factor per packed strip (two 256-bit vectors).</summary>
    public const int StripWidth = 8;

    /// <summary>Rows of the left-hand factor per micro-tile.</summary>
    private const int TileRows = 4;

    /// <summary>Rows per parallel work item: the left-hand rows of a panel stay in L2 while the strips pass.</summary>
    private const int PanelRows = 32;

    /// <summary>Length of the buffer <see cref="Pack"/> fills for an n×n factor (strips padded with zero columns).</summary>
    public static int PackedLength(int n) => (n + StripWidth - 1) / StripWidth * StripWidth * n;

    /// <summary>
    /// Packs the right-hand factor B (n×n) for <see cref="MultiplyPacked"/>: strip s holds columns
    /// 8s..8s+7 of B, k-major (8 consecutive values per k), zero beyond column n. With
    /// <paramref name="transposed"/> the argument holds Bᵀ, so P·Qᵀ is MultiplyPacked(P, Pack(Q, true)).
    /// </summary>
    public static void Pack(double[] b, bool transposed, double[] packed, int n)
    {
        var strips = (n + StripWidth - 1) / StripWidth;
        if (n % StripWidth != 0)
        {
            // The last strip's padding columns stay zero.
            packed.AsSpan((strips - 1) * n * StripWidth, n * StripWidth).Clear();
        }

        if (!transposed)
        {
            // Row k of B is entry k of every strip: read B row by row (a column walk missed the
            // cache on every entry at 500 districts).
            for (var k = 0; k < n; k++)
            {
                var row = b.AsSpan(k * n, n);
                for (var s = 0; s < strips; s++)
                {
                    var width = Math.Min(StripWidth, n - (s * StripWidth));
                    row.Slice(s * StripWidth, width).CopyTo(packed.AsSpan((s * n * StripWidth) + (k * StripWidth), width));
                }
            }

            return;
        }

        for (var s = 0; s < strips; s++)
        {
            var strip = packed.AsSpan(s * n * StripWidth, n * StripWidth);
            var width = Math.Min(StripWidth, n - (s * StripWidth));
            for (var jj = 0; jj < width; jj++)
            {
                // Row `column` of Bᵀ is column `column` of B: a sequential read.
                var source = b.AsSpan(((s * StripWidth) + jj) * n, n);
                for (var k = 0; k < n; k++)
                {
                    strip[(k * StripWidth) + jj] = source[k];
                }
            }
        }
    }

    /// <summary>
    /// c (+)= a·B for row-major n×n a and c, B packed by <see cref="Pack"/>. Register-blocked 4×8
    /// micro-tiles with fused multiply-adds, parallel over panels of 32 rows. Every entry of c is
    /// accumulated by one thread in ascending k from zero (then added to c when accumulating), so
    /// the result does not depend on the thread count.
    /// </summary>
    public static unsafe void MultiplyPacked(double[] a, double[] packed, double[] c, int n, int threads, bool accumulate)
    {
        var panels = (n + PanelRows - 1) / PanelRows;
        void Panel(int panel)
        {
            var strips = (n + StripWidth - 1) / StripWidth;
            var rowEnd = Math.Min(n, (panel + 1) * PanelRows);
            fixed (double* pa = a, pb = packed, pc = c)
            {
                for (var s = 0; s < strips; s++)
                {
                    var columns = Math.Min(StripWidth, n - (s * StripWidth));
                    for (var row = panel * PanelRows; row < rowEnd; row += TileRows)
                    {
                        Tile(pa, pb + (s * n * StripWidth), pc, n, row, Math.Min(TileRows, rowEnd - row), s * StripWidth, columns, accumulate);
                    }
                }
            }
        }

        if (threads <= 1 || panels < 2)
        {
            for (var panel = 0; panel < panels; panel++)
            {
                Panel(panel);
            }

            return;
        }

        Parallel.For(0, panels, new ParallelOptions { MaxDegreeOfParallelism = threads }, Panel);
    }

    /// <summary>One 4×8 tile of c: rows row..row+rows−1, columns column..column+columns−1.</summary>
    private static unsafe void Tile(double* a, double* strip, double* c, int n, int row, int rows, int column, int columns, bool accumulate)
    {
        // Missing rows of a short tile read row `row` again; their results are not stored.
        var a0 = a + ((long)row * n);
        var a1 = rows > 1 ? a0 + n : a0;
        var a2 = rows > 2 ? a0 + (2L * n) : a0;
        var a3 = rows > 3 ? a0 + (3L * n) : a0;
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<double> c20 = default, c21 = default, c30 = default, c31 = default;
        var b = strip;
        for (var k = 0; k < n; k++, b += StripWidth)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 4);
            var x = Vector256.Create(a0[k]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[k]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[k]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[k]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }

        var tile = stackalloc double[TileRows * StripWidth];
        Vector256.Store(c00, tile);
        Vector256.Store(c01, tile + 4);
        Vector256.Store(c10, tile + 8);
        Vector256.Store(c11, tile + 12);
        Vector256.Store(c20, tile + 16);
        Vector256.Store(c21, tile + 20);
        Vector256.Store(c30, tile + 24);
        Vector256.Store(c31, tile + 28);
        for (var r = 0; r < rows; r++)
        {
            var target = c + ((long)(row + r) * n) + column;
            for (var jj = 0; jj < columns; jj++)
            {
                target[jj] = accumulate ? target[jj] + tile[(r * StripWidth) + jj] : tile[(r * StripWidth) + jj];
            }
        }
    }

    /// <summary>t = aᵀ for a row-major n×n array.</summary>
    public static void Transpose(double[] a, double[] t, int n)
    {
        // In 32×32 tiles, so that both the reads and the writes stay in cache.
        const int tile = 32;
        for (var i0 = 0; i0 < n; i0 += tile)
        {
            var i1 = Math.Min(n, i0 + tile);
            for (var j0 = 0; j0 < n; j0 += tile)
            {
                var j1 = Math.Min(n, j0 + tile);
                for (var i = i0; i < i1; i++)
                {
                    for (var j = j0; j < j1; j++)
                    {
                        t[(j * n) + i] = a[(i * n) + j];
                    }
                }
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
