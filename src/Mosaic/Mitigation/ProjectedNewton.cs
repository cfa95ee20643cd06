using System.Globalization;

namespace Mosaic.Mitigation;

/// <summary>
/// Projected Newton with a trust region (Levenberg–Marquardt damping) on a product of simplices,
/// one per row of x, stopped on the KKT residual ‖x − P(x − ∇f)‖_∞ (P the row-wise simplex
/// projection; zero exactly at a KKT point). Each row is written in reduced coordinates around its
/// largest entry p (the pivot, x_p = 1 − Σ_{k≠p} x_k), so the row's constraints become bounds
/// x_k ≥ 0. Entries at zero whose reduced gradient g_k − g_p keeps them there stay fixed; the
/// others take the damped Newton step of the reduced Hessian (forward differences of the analytic
/// gradient along e_k − e_p, one gradient per free entry), clipped at zero, so one step may fix
/// or free any number of entries. The damping is set by the ratio of actual to predicted decrease,
/// as in a trust region, instead of backtracking along one direction: near districts the
/// optimum nearly empties the RR densities ô/(R̂ + ε_R) make the Newton model valid only over a
/// fraction of ε_R, and a backtracked Newton direction was cut to α = 10⁻³–10⁻⁶ there (branch
/// mitig9), while the damped step shortens the stiff directions and keeps the soft ones. A
/// Hessian whose last step was predicted well is reused (restricted to the entries still free)
/// for up to <see cref="MaxReuses"/> more steps. docs/mitigation.md, "Projected Newton".
/// </summary>
internal static class ProjectedNewton
{
    private const double DifferenceStep = 1e-7;

    /// <summary>Smallest ratio of actual to predicted decrease at which a step is accepted.</summary>
    private const double Accept = 1e-4;

    /// <summary>Smallest ratio of actual to predicted decrease after which the next step reuses the Hessian.</summary>
    private const double ReuseRatio = 0.5;

    /// <summary>Most consecutive steps on one Hessian.</summary>
    private const int MaxReuses = 4;

    /// <summary>Damping λ of the first step, in units of the scaled Hessian's unit diagonal.</summary>
    private const double InitialDamping = 1e-4;

    /// <summary>Smallest positive damping; below it the step is the plain Newton step (λ = 0).</summary>
    private const double MinDamping = 1e-10;

    /// <summary>Damping at which the step is shorter than rounding: the run has stalled.</summary>
    private const double MaxDamping = 1e14;

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
        int maxEvaluations,
        Action<string>? log = null)
    {
        var size = x.Length;
        var g = new double[size];
        var probe = new double[size];
        var gProbe = new double[size];
        var trial = new double[size];
        var rowBuffer = new double[n];
        var rowScratch = new double[n];
        var pivots = new int[n];
        var free = new List<int>();
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        var steps = 0;
        var flatSteps = 0;
        var damping = InitialDamping;
        DampedModel? stored = null;
        DampedModel? model = null;
        var storedIndex = new Dictionary<int, int>();
        var storedPivots = new int[n];
        var positions = new List<int>();
        var reuses = 0;
        var lastRatio = 0.0;
        while (true)
        {
            var residual = Residual(x, g, n);
            if (residual <= tolerance)
            {
                return new Outcome(evaluations, f, residual, MobilityExitReason.Converged, steps);
            }

            // Free: every entry but the pivots that is positive or whose reduced gradient would
            // make it positive; the others stay at zero this step.
            free.Clear();
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
                    if (k != pivot && (x[k] > 0 || g[k] - g[pivot] < 0))
                    {
                        free.Add(k);
                    }
                }
            }

            // The last Hessian is kept while its steps are good and the face and pivots are the
            // same: one gradient instead of one per free entry.
            var dimension = free.Count;
            var reuse = false;
            if (stored is not null && lastRatio >= ReuseRatio && reuses < MaxReuses && pivots.AsSpan().SequenceEqual(storedPivots))
            {
                // Newly freed entries stay where they are until the next Hessian; the model is
                // the stored one restricted to the entries still free.
                positions.Clear();
                var kept = new List<int>();
                foreach (var k in free)
                {
                    if (storedIndex.TryGetValue(k, out var position))
                    {
                        positions.Add(position);
                        kept.Add(k);
                    }
                }

                reuse = kept.Count > 0;
                if (reuse)
                {
                    free.Clear();
                    free.AddRange(kept);
                    dimension = free.Count;
                    model = stored.Restrict(positions, g, free, pivots, n);
                    reuses++;
                }
            }

            if (!reuse)
            {
                if (evaluations + dimension + 2 > maxEvaluations)
                {
                    return new Outcome(evaluations, f, residual, MobilityExitReason.IterationLimit, steps);
                }

                var (hessian, reduced) = ReducedHessian(valueAndGradient, x, g, n, pivots, free, probe, gProbe);
                evaluations += dimension;
                stored = new DampedModel(hessian, reduced, dimension);
                model = stored;
                storedIndex.Clear();
                for (var c = 0; c < dimension; c++)
                {
                    storedIndex[free[c]] = c;
                }

                Array.Copy(pivots, storedPivots, n);
                reuses = 0;
            }

            var step = new double[dimension];
            var moved = new double[dimension];
            var trials = 0;
            var accepted = false;
            double fTrial = f;
            while (true)
            {
                if (evaluations + 2 > maxEvaluations)
                {
                    return new Outcome(evaluations, f, residual, MobilityExitReason.IterationLimit, steps);
                }

                if (damping > MaxDamping)
                {
                    return new Outcome(evaluations, f, residual, MobilityExitReason.Stalled, steps);
                }

                if (!model!.Solve(damping, step))
                {
                    damping = Math.Max(damping * 10, MinDamping);
                    continue;
                }

                Trial(x, free, step, pivots, n, trial, moved, rowBuffer, rowScratch);
                var predicted = model.Decrease(moved);
                fTrial = value(trial);
                evaluations++;
                trials++;
                lastRatio = (f - fTrial) / predicted;
                if (predicted > 0 && f - fTrial > 0 && lastRatio >= Accept)
                {
                    damping = lastRatio > 0.75 ? (damping / 4 < MinDamping ? 0 : damping / 4) : lastRatio < 0.25 ? Math.Max(damping * 4, MinDamping) : damping;
                    accepted = true;
                    break;
                }

                if (reuse)
                {
                    // A stale Hessian is rebuilt before the step is damped.
                    lastRatio = 0;
                    break;
                }

                damping = Math.Max(damping * 4, MinDamping);
            }

            if (!accepted)
            {
                continue;
            }

            log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"projected Newton step {steps}: {dimension} free{(reuse ? " (Hessian reused)" : "")}, {trials} trials, ratio {lastRatio:F3}, damping {damping:E1}, {f:G10} -> {fTrial:G10}, residual {residual:E2}, {evaluations} evaluations"));

            steps++;
            flatSteps = f - fTrial <= 1e-14 * Math.Abs(f) ? flatSteps + 1 : 0;
            Array.Copy(trial, x, size);
            f = valueAndGradient(x, g);
            evaluations++;
            if (flatSteps >= FlatStepLimit)
            {
                return new Outcome(evaluations, f, Residual(x, g, n), MobilityExitReason.Stalled, steps);
            }
        }
    }

    /// <summary>
    /// The trial point x + s: free entries clipped at zero (Bertsekas' projection on the
    /// bounds), the pivot the rest of its row; a row whose pivot would turn negative is projected
    /// on the simplex. <paramref name="moved"/> receives the step actually taken by the free entries.
    /// </summary>
    private static void Trial(double[] x, List<int> free, double[] step, int[] pivots, int n, double[] trial, double[] moved, double[] rowBuffer, double[] rowScratch)
    {
        Array.Copy(x, trial, x.Length);
        for (var c = 0; c < free.Count; c++)
        {
            var k = free[c];
            var target = Math.Max(0, x[k] + step[c]);
            trial[pivots[k / n]] -= target - x[k];
            trial[k] = target;
        }

        for (var i = 0; i < n; i++)
        {
            if (trial[pivots[i]] < 0)
            {
                var row = trial.AsSpan(i * n, n);
                row.CopyTo(rowBuffer);
                SimplexProjection.Project(rowBuffer, rowScratch);
                rowBuffer.CopyTo(row);
            }
        }

        for (var c = 0; c < free.Count; c++)
        {
            moved[c] = trial[free[c]] - x[free[c]];
        }
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
    /// The quadratic model reduced·d + ½ dᵀHd of the free entries, minimised with Levenberg–Marquardt
    /// damping: (H̃ + λI) s̃ = −g̃ with H̃ = SHS scaled to a unit diagonal (S = diag(|H_cc|^−½)) and
    /// s = S s̃, which is the step of a trust region in the scaled norm ‖S⁻¹s‖ (Moré 1978).
    /// </summary>
    private sealed class DampedModel
    {
        private readonly double[] hessian;
        private readonly double[] reduced;
        private readonly double[] scaled;
        private readonly double[] scale;
        private readonly double[] factor;
        private readonly int dimension;

        public DampedModel(double[] hessian, double[] reduced, int dimension)
        {
            this.hessian = hessian;
            this.reduced = reduced;
            this.dimension = dimension;
            scale = new double[dimension];
            for (var a = 0; a < dimension; a++)
            {
                scale[a] = 1 / Math.Sqrt(Math.Max(Math.Abs(hessian[(a * dimension) + a]), 1e-300));
            }

            scaled = new double[dimension * dimension];
            for (var a = 0; a < dimension; a++)
            {
                for (var b = 0; b < dimension; b++)
                {
                    scaled[(a * dimension) + b] = hessian[(a * dimension) + b] * scale[a] * scale[b];
                }
            }

            factor = new double[dimension * dimension];
        }

        /// <summary>
        /// The model on a subset of the free entries (<paramref name="positions"/> into this one's),
        /// with the reduced gradient g_k − g_p at a new point (same pivots).
        /// </summary>
        public DampedModel Restrict(List<int> positions, double[] g, List<int> free, int[] pivots, int n)
        {
            var m = positions.Count;
            var sub = new double[m * m];
            var gradient = new double[m];
            for (var a = 0; a < m; a++)
            {
                gradient[a] = g[free[a]] - g[pivots[free[a] / n]];
                for (var b = 0; b < m; b++)
                {
                    sub[(a * m) + b] = hessian[(positions[a] * dimension) + positions[b]];
                }
            }

            return new DampedModel(sub, gradient, m);
        }

        /// <summary>The damped step for λ = <paramref name="damping"/>; false when H̃ + λI is not positive definite.</summary>
        public bool Solve(double damping, double[] step)
        {
            if (!Cholesky(scaled, factor, dimension, damping))
            {
                return false;
            }

            for (var a = 0; a < dimension; a++)
            {
                step[a] = -reduced[a] * scale[a];
            }

            SolveInPlace(factor, step, dimension);
            for (var a = 0; a < dimension; a++)
            {
                step[a] *= scale[a];
            }

            return true;
        }

        /// <summary>The decrease −(reduced·d + ½ dᵀHd) the model predicts for the step d.</summary>
        public double Decrease(double[] d)
        {
            double linear = 0, quadratic = 0;
            for (var a = 0; a < dimension; a++)
            {
                if (d[a] == 0)
                {
                    continue;
                }

                linear += reduced[a] * d[a];
                quadratic += d[a] * DenseKernels.Dot(hessian.AsSpan(a * dimension, dimension), d);
            }

            return -(linear + (0.5 * quadratic));
        }
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
