using System.Numerics;

namespace Mosaic.Integration;

/// <summary>
/// A dense column-major matrix of doubles: the design matrix of the classifier. Column-major
/// because every kernel the solver needs (X·β, Xᵀr, XᵀWX) streams whole columns.
/// </summary>
internal sealed class ColumnMatrix
{
    public ColumnMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        Rows = rows;
        Columns = columns;
        Data = new double[checked(rows * columns)];
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Column j occupies Data[j·Rows .. (j+1)·Rows).</summary>
    public double[] Data { get; }

    public Span<double> Column(int j) => Data.AsSpan(j * Rows, Rows);

    public ReadOnlySpan<double> ColumnReadOnly(int j) => Data.AsSpan(j * Rows, Rows);

    public double this[int row, int column]
    {
        get => Data[(column * Rows) + row];
        set => Data[(column * Rows) + row] = value;
    }

    /// <summary>A new matrix with the given rows (in the given order).</summary>
    public ColumnMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var result = new ColumnMatrix(rows.Length, Columns);
        for (var j = 0; j < Columns; j++)
        {
            var source = ColumnReadOnly(j);
            var target = result.Column(j);
            for (var i = 0; i < rows.Length; i++)
            {
                target[i] = source[rows[i]];
            }
        }

        return result;
    }
}

/// <summary>SIMD kernels over spans; summation order is fixed, so results do not depend on threads.</summary>
internal static class Kernels
{
    /// <summary>Σ a[i]·b[i].</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = a.Length;
        var i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var width = Vector<double>.Count;
            var acc2 = Vector<double>.Zero;
            for (; i <= n - (2 * width); i += 2 * width)
            {
                acc += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
                acc2 += new Vector<double>(a[(i + width)..]) * new Vector<double>(b[(i + width)..]);
            }

            acc += acc2;
        }

        var sum = Vector.Sum(acc);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>y[i] += alpha·x[i].</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var n = x.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<double>.Count;
            var va = new Vector<double>(alpha);
            for (; i <= n - width; i += width)
            {
                (new Vector<double>(y[i..]) + (va * new Vector<double>(x[i..]))).CopyTo(y[i..]);
            }
        }

        for (; i < n; i++)
        {
            y[i] += alpha * x[i];
        }
    }

    /// <summary>z[i] = x[i]·y[i].</summary>
    public static void Multiply(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> z)
    {
        var n = x.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<double>.Count;
            for (; i <= n - width; i += width)
            {
                (new Vector<double>(x[i..]) * new Vector<double>(y[i..])).CopyTo(z[i..]);
            }
        }

        for (; i < n; i++)
        {
            z[i] = x[i] * y[i];
        }
    }

    /// <summary>Σ x[i].</summary>
    public static double Sum(ReadOnlySpan<double> x)
    {
        var n = x.Length;
        var i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<double>.Count;
            for (; i <= n - width; i += width)
            {
                acc += new Vector<double>(x[i..]);
            }
        }

        var sum = Vector.Sum(acc);
        for (; i < n; i++)
        {
            sum += x[i];
        }

        return sum;
    }
}
