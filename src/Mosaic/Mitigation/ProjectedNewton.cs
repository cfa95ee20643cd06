namespace Mosaic.Mitigation;

/// <summary>
/// Projected Newton with an ε-active set (Bertsekas 1982, "Projected Newton methods for
/// optimization problems with simple constraints") on a product of simplices, one per row of x,
/// stopped on the KKT residual ‖x − P(x − ∇f)‖_∞ (P the row-wise simplex projection; zero exactly
/// at a KKT point). Each row is written in reduced coordinates around its largest entry p (the
/// pivot, x_p = 1 − Σ_{k≠p} x_k, which stays positive), so the row's constraints become bounds
/// x_k ≥ 0. The entries within ε of zero whose reduced gradient g_k − g_p pushes them there form
/// the active set and are moved to zero by a diagonal step; the others take the Newton step of
/// the reduced Hessian, built from forward differences of the analytic gradient along
/// e_k − e_p (one gradient per free entry), diagonally scaled and shifted until positive definite
/// (negative and near-zero curvature). Unlike the face methods, one step may fix or free any
/// number of entries, so the active set settles in a few iterations and the method then converges
/// quadratically: what the augmented-Lagrangian subproblems of RR step 2 need near districts the
/// optimum nearly empties, where the curvature spans 10¹² (docs/mitigation.md).
/// </summary>
internal static class ProjectedNewton
{
    private const double Armijo = 1e-4;
    private const double DifferenceStep = 1e-7;

    /// <summary>Largest ε of the active set (entries at most this far from zero can be fixed there).</summary>
    private const double ActiveWidth = 1e-3;

    /// <summary>Consecutive steps that lower the value by at most 10⁻¹⁴ relative before the run counts as stalled.</summary>
    private const int FlatStepLimit = 5;

    /// <summary>How one run ended.</summary>
    /// <param name="Evaluations">Objective evaluations (values and gradients).</param>
    /// <param name="Value">The objective at x.</param>
    /// <param name="Residual">The KKT residual at x.</param>
    /// <param name="Reason">Converged (residual within tolerance), Stalled (no decrease) or IterationLimit.</param>
    /// <param name="NewtonSteps">Accepted Newton steps.</param>
    public readonly record struct Outcome(int Evaluations, double Value, double Residual, MobilityExitReason Reason, int NewtonSteps);

    /// <summary>The KKT residual ‖x − P(x − g)‖_∞ of min f over the product of row simplices.</summary>
    public static double Residual(double[] x, double[] g, int n)
    {
        var row = new double[n];
        var scratch = new double[n];
        double residual = 0;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                row[k] = x[(i * n) + k] - g[(i * n) + k];
            }

            SimplexProjection.Project(row, scratch);
            for (var k = 0; k < n; k++)
            {
                residual = Math.Max(residual, Math.Abs(x[(i * n) + k] - row[k]));
            }
        }

        return residual;
    }

    /// <summary>Minimises from <paramref name="x"/> (rows on their simplices), overwriting it.</summary>
    public static Outcome Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        int n,
        double tolerance,
        int maxEvaluations)
    {
        var size = x.Length;
        var g = new double[size];
        var probe = new double[size];
        var gProbe = new double[size];
        var trial = new double[size];
        var gTrial = new double[size];
        var direction = new double[size];
        var rowBuffer = new double[n];
        var rowScratch = new double[n];
        var pivots = new int[n];
        var active = new bool[size];
        var free = new List<int>();
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        var steps = 0;
        var flatSteps = 0;
        while (true)
        {
            var residual = Residual(x, g, n);
            if (residual <= tolerance)
            {
                return new Outcome(evaluations, f, residual, MobilityExitReason.Converged, steps);
            }

            // The ε-active set shrinks with the residual, so that near a KKT point it holds
            // exactly the entries that are zero there with a positive multiplier.
            var epsilon = Math.Min(ActiveWidth, residual);
            free.Clear();
            Array.Clear(active);
            for (var i = 0; i < n; i++)
            {
                var pivot = i * n;
                for (var k = i * n; k < (i + 1) * n; k++)
                {
                    pivot = x[k] > x[pivot] ? k : pivot;
                }

                pivots[i] = pivot;
                for (var k = i * n; k < (i + 1) * n; k++)
                {
                    if (k == pivot)
                    {
                        continue;
                    }

                    if (x[k] <= epsilon && g[k] - g[pivot] > 0)
                    {
                        active[k] = true;
                    }
                    else
                    {
                        free.Add(k);
                    }
                }
            }

            var dimension = free.Count;
            if (evaluations + dimension + 2 > maxEvaluations)
            {
                return new Outcome(evaluations, f, residual, MobilityExitReason.IterationLimit, steps);
            }

            var (hessian, reduced) = ReducedHessian(valueAndGradient, x, g, n, pivots, free, probe, gProbe);
            evaluations += dimension;

            // Entries near zero that the Newton step drives below it join the active set and the
            // step is solved again without them: left free, they would cut every trial step to
            // the length that keeps them positive (10⁻⁵ on planted-30 RR).
            var keep = new bool[dimension];
            Array.Fill(keep, true);
            double[] newton;
            while (true)
            {
                newton = SolveModified(hessian, reduced, keep, dimension);
                var dropped = false;
                for (var c = 0; c < dimension; c++)
                {
                    var k = free[c];
                    if (keep[c] && x[k] <= epsilon && x[k] + newton[c] < 0)
                    {
                        // Held where it is this step (its reduced gradient does not push it to zero).
                        keep[c] = false;
                        dropped = true;
                    }
                }

                if (!dropped)
                {
                    break;
                }
            }

            Array.Clear(direction);
            for (var c = 0; c < dimension; c++)
            {
                var k = free[c];
                direction[k] = newton[c];
                direction[pivots[k / n]] -= newton[c];
            }

            // Projected search: the free entries along the Newton direction, the active ones
            // shrunk towards zero by the same fraction, every row projected back on its simplex.
            var search = Backtracking.Search(
                alpha => Trial(x, g, direction, active, pivots, n, alpha, trial, rowBuffer, rowScratch),
                value,
                valueAndGradient,
                trial,
                gTrial,
                f,
                Armijo,
                1e-14,
                maxEvaluations - evaluations);
            evaluations += search.Evaluations;
            if (!search.Accepted)
            {
                return new Outcome(evaluations, f, residual, MobilityExitReason.Stalled, steps);
            }

            var fTrial = search.Value;
            steps++;

            // Near a KKT point the difference Hessian's rounding (about 10⁻⁸ relative) bounds the
            // residual that can be reached; steps that no longer move the value end the run.
            flatSteps = f - fTrial <= 1e-14 * Math.Abs(f) ? flatSteps + 1 : 0;
            Array.Copy(trial, x, size);
            Array.Copy(gTrial, g, size);
            f = fTrial;
            if (flatSteps >= FlatStepLimit)
            {
                return new Outcome(evaluations, f, Residual(x, g, n), MobilityExitReason.Stalled, steps);
            }
        }
    }

    /// <summary>
    /// The trial point for step length α: free entries x_k + α·d_k clipped at zero (Bertsekas'
    /// projection on the bounds), active ones (1 − α)·x_k, the pivot the rest of its row; a row
    /// whose pivot would turn negative is projected on the simplex. Returns gᵀ(trial − x).
    /// </summary>
    private static double Trial(double[] x, double[] g, double[] direction, bool[] active, int[] pivots, int n, double alpha, double[] trial, double[] rowBuffer, double[] rowScratch)
    {
        double decrease = 0;
        for (var i = 0; i < n; i++)
        {
            double moved = 0;
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                if (k != pivots[i])
                {
                    trial[k] = active[k] ? (1 - alpha) * x[k] : Math.Max(0, x[k] + (alpha * direction[k]));
                    moved += trial[k] - x[k];
                }
            }

            trial[pivots[i]] = x[pivots[i]] - moved;
            if (trial[pivots[i]] < 0)
            {
                var row = trial.AsSpan(i * n, n);
                row.CopyTo(rowBuffer);
                SimplexProjection.Project(rowBuffer, rowScratch);
                rowBuffer.CopyTo(row);
            }

            for (var k = i * n; k < (i + 1) * n; k++)
            {
                decrease += g[k] * (trial[k] - x[k]);
            }
        }

        return decrease;
    }

    /// <summary>
    /// The reduced Hessian along e_k − e_p for the free entries k (p the row's pivot), by forward
    /// differences of the gradient (symmetrised), and the reduced gradient g_k − g_p.
    /// </summary>
    private static (double[] Hessian, double[] Reduced) ReducedHessian(
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        double[] g,
        int n,
        int[] pivots,
        List<int> free,
        double[] probe,
        double[] gProbe)
    {
        var dimension = free.Count;
        var hessian = new double[dimension * dimension];
        var reduced = new double[dimension];
        for (var c = 0; c < dimension; c++)
        {
            var entry = free[c];
            var pivot = pivots[entry / n];
            reduced[c] = g[entry] - g[pivot];
            Array.Copy(x, probe, x.Length);
            probe[entry] += DifferenceStep;
            probe[pivot] -= DifferenceStep;
            valueAndGradient(probe, gProbe);
            for (var r = 0; r < dimension; r++)
            {
                var e = free[r];
                var p = pivots[e / n];
                hessian[(r * dimension) + c] = ((gProbe[e] - g[e]) - (gProbe[p] - g[p])) / DifferenceStep;
            }
        }

        for (var r = 0; r < dimension; r++)
        {
            for (var c = 0; c < r; c++)
            {
                var symmetric = 0.5 * (hessian[(r * dimension) + c] + hessian[(c * dimension) + r]);
                hessian[(r * dimension) + c] = symmetric;
                hessian[(c * dimension) + r] = symmetric;
            }
        }

        return (hessian, reduced);
    }

    /// <summary>
    /// −H⁻¹·reduced on the entries marked in <paramref name="keep"/> (zero elsewhere): H scaled to a
    /// unit diagonal and shifted by τ·I (τ from 0, then 10⁻¹⁰ growing tenfold) until its Cholesky
    /// factorisation succeeds, which turns negative and near-zero curvature into a shorter step.
    /// </summary>
    private static double[] SolveModified(double[] hessian, double[] reduced, bool[] keep, int dimension)
    {
        var index = new List<int>();
        for (var c = 0; c < dimension; c++)
        {
            if (keep[c])
            {
                index.Add(c);
            }
        }

        var m = index.Count;
        var scale = new double[m];
        for (var a = 0; a < m; a++)
        {
            scale[a] = 1 / Math.Sqrt(Math.Max(Math.Abs(hessian[(index[a] * dimension) + index[a]]), 1e-300));
        }

        var scaled = new double[m * m];
        for (var a = 0; a < m; a++)
        {
            for (var b = 0; b < m; b++)
            {
                scaled[(a * m) + b] = hessian[(index[a] * dimension) + index[b]] * scale[a] * scale[b];
            }
        }

        var factor = new double[m * m];
        for (var shift = 0.0; ; shift = shift == 0 ? 1e-10 : shift * 10)
        {
            if (Cholesky(scaled, factor, m, shift))
            {
                break;
            }
        }

        var solution = new double[m];
        for (var a = 0; a < m; a++)
        {
            solution[a] = -reduced[index[a]] * scale[a];
        }

        SolveInPlace(factor, solution, m);
        var step = new double[dimension];
        for (var a = 0; a < m; a++)
        {
            step[index[a]] = solution[a] * scale[a];
        }

        return step;
    }

    /// <summary>Lower Cholesky factor of A + shift·I (row-major); false when a pivot is not positive.</summary>
    internal static bool Cholesky(double[] a, double[] l, int dimension, double shift)
    {
        Array.Clear(l);
        for (var r = 0; r < dimension; r++)
        {
            var rowR = l.AsSpan(r * dimension, r);
            for (var c = 0; c <= r; c++)
            {
                var dot = DenseKernels.Dot(rowR[..c], l.AsSpan(c * dimension, c));
                var entry = a[(r * dimension) + c] + (r == c ? shift : 0) - dot;
                if (r == c)
                {
                    if (!(entry > 1e-14 * (1 + shift)))
                    {
                        return false;
                    }

                    l[(r * dimension) + r] = Math.Sqrt(entry);
                }
                else
                {
                    l[(r * dimension) + c] = entry / l[(c * dimension) + c];
                }
            }
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·y = b in place.</summary>
    private static void SolveInPlace(double[] l, double[] b, int dimension)
    {
        for (var r = 0; r < dimension; r++)
        {
            b[r] = (b[r] - DenseKernels.Dot(l.AsSpan(r * dimension, r), b.AsSpan(0, r))) / l[(r * dimension) + r];
        }

        for (var r = dimension - 1; r >= 0; r--)
        {
            double sum = b[r];
            for (var c = r + 1; c < dimension; c++)
            {
                sum -= l[(c * dimension) + r] * b[c];
            }

            b[r] = sum / l[(r * dimension) + r];
        }
    }
}
