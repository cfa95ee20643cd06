using MathNet.Numerics.LinearAlgebra;

namespace Mosaic.Mitigation;

/// <summary>
/// Newton's method on the current face of the feasible set, for faces of moderate dimension:
/// the reduced Hessian is built from forward differences of the analytic gradient along a basis
/// of the face's subspace (one gradient per basis vector), its eigenvalues are replaced by their
/// absolute values floored at 10⁻⁸ of the largest (so that negative curvature is followed
/// downhill rather than towards a saddle), and the step is searched along the projection on
/// the face (entries reaching zero are fixed, as in <see cref="FaceQuasiNewton"/>). On the
/// 12-district RR problem the L-BFGS polish spent 700 evaluations on a 47-dimensional face
/// without reaching a stationarity of 10⁻³ (curvature spread by near-empty districts); Newton
/// reaches it in a few steps.
/// </summary>
internal static class FaceNewton
{
    private const double Gamma = 1e-4;
    private const double DifferenceStep = 1e-7;

    /// <summary>Largest face dimension handled (beyond it one Hessian costs more than the L-BFGS polish's budget).</summary>
    public const int MaxDimension = 320;

    /// <summary>The dimension of the face of x: free entries minus one per row that has any.</summary>
    public static int Dimension(double[] x, int n, bool[]? released = null)
    {
        var dimension = 0;
        for (var i = 0; i < n; i++)
        {
            var count = 0;
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                count += x[k] > 0 || (released is not null && released[k]) ? 1 : 0;
            }

            dimension += Math.Max(count - 1, 0);
        }

        return dimension;
    }

    /// <summary>
    /// The KKT residual of min f over the product of simplices (one per row of x): with μ_i the
    /// mean gradient over row i's positive entries, the largest |g_k − μ_i| over positive entries
    /// and max(0, μ_i − g_k) over zero entries. Marks in <paramref name="release"/> the zero
    /// entries whose multiplier sign is wrong by at least a tenth of the largest such violation
    /// (the entries an active-set method frees next) and returns the residual and their count.
    /// </summary>
    public static (double Residual, int Released) Kkt(double[] x, double[] g, int n, bool[] release)
    {
        Array.Clear(release);
        double residual = 0, worstZero = 0;
        var multipliers = new double[n];
        for (var i = 0; i < n; i++)
        {
            double sum = 0;
            var count = 0;
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                if (x[k] > 0)
                {
                    sum += g[k];
                    count++;
                }
            }

            var mu = count > 0 ? sum / count : 0;
            multipliers[i] = mu;
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                if (x[k] > 0)
                {
                    residual = Math.Max(residual, Math.Abs(g[k] - mu));
                }
                else
                {
                    worstZero = Math.Max(worstZero, mu - g[k]);
                }
            }
        }

        var released = 0;
        for (var i = 0; i < n && worstZero > 0; i++)
        {
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                if (x[k] <= 0 && multipliers[i] - g[k] >= 0.1 * worstZero)
                {
                    release[k] = true;
                    released++;
                }
            }
        }

        return (Math.Max(residual, worstZero), released);
    }

    /// <summary>Polishes x (feasible, row-major n×n) in place; returns the evaluations used, the final value and whether it stalled.</summary>
    public static (int Evaluations, double Value, bool Stalled) Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        int n,
        double tolerance,
        int maxEvaluations,
        bool[]? released = null)
    {
        var size = x.Length;
        var free = new bool[size];
        for (var k = 0; k < size; k++)
        {
            free[k] = x[k] > 0 || (released is not null && released[k]);
        }

        var g = new double[size];
        var pg = new double[size];
        var probe = new double[size];
        var gProbe = new double[size];
        var d = new double[size];
        var trial = new double[size];
        var gTrial = new double[size];
        var rowBuffer = new double[n];
        var rowScratch = new double[n];
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        var columns = new List<(int Entry, int Pivot)>();
        while (true)
        {
            FaceQuasiNewton.ProjectOnFace(g, pg, free, n);
            if (FaceQuasiNewton.MaxAbs(pg) <= tolerance)
            {
                return (evaluations, f, false);
            }

            // Basis of the face: e_t − e_p for every free entry t of a row besides its largest entry p
            // (the largest can give up the difference step without leaving the face).
            columns.Clear();
            for (var i = 0; i < n; i++)
            {
                var pivot = -1;
                for (var k = i * n; k < (i + 1) * n; k++)
                {
                    if (free[k] && (pivot < 0 || x[k] > x[pivot]))
                    {
                        pivot = k;
                    }
                }

                for (var k = i * n; k < (i + 1) * n; k++)
                {
                    if (free[k] && k != pivot)
                    {
                        columns.Add((k, pivot));
                    }
                }
            }

            var dimension = columns.Count;
            if (dimension == 0 || dimension > MaxDimension || evaluations + dimension + 2 > maxEvaluations)
            {
                return (evaluations, f, false);
            }

            var hessian = Matrix<double>.Build.Dense(dimension, dimension);
            var reduced = Vector<double>.Build.Dense(dimension);
            for (var c = 0; c < dimension; c++)
            {
                var (entry, pivot) = columns[c];
                reduced[c] = g[entry] - g[pivot];
                Array.Copy(x, probe, size);
                probe[entry] += DifferenceStep;
                probe[pivot] -= DifferenceStep;
                valueAndGradient(probe, gProbe);
                evaluations++;
                for (var r = 0; r < dimension; r++)
                {
                    var (e, p) = columns[r];
                    hessian[r, c] = ((gProbe[e] - g[e]) - (gProbe[p] - g[p])) / DifferenceStep;
                }
            }

            var symmetric = (hessian + hessian.Transpose()) * 0.5;
            var evd = symmetric.Evd(Symmetricity.Symmetric);
            var eigenvalues = evd.EigenValues;
            double largest = 0;
            for (var c = 0; c < dimension; c++)
            {
                largest = Math.Max(largest, Math.Abs(eigenvalues[c].Real));
            }

            var floor = Math.Max(1e-8 * largest, 1e-300);
            var rotated = evd.EigenVectors.TransposeThisAndMultiply(reduced);
            for (var c = 0; c < dimension; c++)
            {
                rotated[c] /= Math.Max(Math.Abs(eigenvalues[c].Real), floor);
            }

            var step = evd.EigenVectors * rotated;
            Array.Clear(d);
            for (var c = 0; c < dimension; c++)
            {
                var (entry, pivot) = columns[c];
                d[entry] -= step[c];
                d[pivot] += step[c];
            }

            // Projected backtracking search on the face (Armijo on the actual displacement).
            var search = Backtracking.Search(
                alpha => FaceQuasiNewton.ProjectedTrial(x, d, alpha, g, free, n, trial, rowBuffer, rowScratch),
                value,
                valueAndGradient,
                trial,
                gTrial,
                f,
                Gamma,
                1e-12,
                maxEvaluations - evaluations);
            evaluations += search.Evaluations;
            if (!search.Accepted)
            {
                return (evaluations, f, true);
            }

            var fTrial = search.Value;
            var faceShrank = FaceQuasiNewton.FixZeros(trial, free);

            var gain = f - fTrial;
            Array.Copy(trial, x, size);
            Array.Copy(gTrial, g, size);
            f = fTrial;
            if (gain <= 1e-15 * Math.Abs(f) && !faceShrank)
            {
                return (evaluations, f, true);
            }
        }
    }
}
