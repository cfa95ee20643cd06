namespace Mosaic.Mitigation;

/// <summary>
/// <see cref="FaceQuasiNewton"/>'s L-BFGS polish for large problems, on the free entries only.
/// Every vector of the method (projected gradients, direction, curvature pairs) is zero off the
/// face, and the face is small: at 500 districts 12–19% of the n² entries on average. The
/// original works on all n² entries, and at that size the polish's own vector work (projecting
/// up to 40 stored pairs whenever the face shrinks, the two-loop recursion) cost two to three
/// times the objective evaluations (docs/performance.md, session 10). Here the free entries are
/// stored contiguously, row by row (each row's free entries are one segment), and the pairs are
/// compacted when the face shrinks. The method is the same; only the summation order of the
/// vectorised dot products differs, so results agree with the original to rounding.
/// </summary>
internal static class CompactFaceQuasiNewton
{
    private const double Gamma = 1e-4;

    /// <summary>The compact arrays, kept across calls (capacity n² each; the pairs are allocated when first filled).</summary>
    internal sealed class Workspace
    {
        /// <summary>Arrays for n districts.</summary>
        public Workspace(int n)
        {
            N = n;
            var size = n * n;
            Index = new int[size];
            RowStart = new int[n + 1];
            Gradient = new double[size];
            GradientTrial = new double[size];
            Trial = new double[size];
            Pg = new double[size];
            PgTrial = new double[size];
            D = new double[size];
            TrialFree = new double[size];
            Sigma = new double[size];
            Scratch = new double[size];
            RowScratch = new double[n];
        }

        public int N { get; }

        /// <summary>Flat index into x of each free entry, ascending.</summary>
        public int[] Index { get; }

        /// <summary>Where row i's free entries start in the compact arrays (RowStart[n] = face size).</summary>
        public int[] RowStart { get; }

        public double[] Gradient { get; }

        public double[] GradientTrial { get; }

        public double[] Trial { get; }

        public double[] Pg { get; }

        public double[] PgTrial { get; }

        public double[] D { get; }

        public double[] TrialFree { get; }

        public double[] Sigma { get; }

        public double[] Scratch { get; }

        public double[] RowScratch { get; }

        public double[][] S { get; } = new double[FaceQuasiNewton.Memory][];

        public double[][] Y { get; } = new double[FaceQuasiNewton.Memory][];

        public double[] Rho { get; } = new double[FaceQuasiNewton.Memory];

        public double[] Alphas { get; } = new double[FaceQuasiNewton.Memory];
    }

    /// <summary>The same contract as <see cref="FaceQuasiNewton.Minimize"/>.</summary>
    public static (int Evaluations, double Value, bool Stalled) Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        int n,
        double tolerance,
        int maxEvaluations,
        double[]? rowScale,
        Workspace workspace)
    {
        var memory = FaceQuasiNewton.Memory;
        var index = workspace.Index;
        var rowStart = workspace.RowStart;
        var m = 0;
        for (var i = 0; i < n; i++)
        {
            rowStart[i] = m;
            for (var k = i * n; k < (i + 1) * n; k++)
            {
                if (x[k] > 0)
                {
                    index[m++] = k;
                }
            }
        }

        rowStart[n] = m;

        // g/gTrial and pg/pgTrial are swapped after an accepted step instead of copied.
        var g = workspace.Gradient;
        var gTrial = workspace.GradientTrial;
        var pg = workspace.Pg;
        var pgTrial = workspace.PgTrial;
        var d = workspace.D;
        var trial = workspace.Trial;
        var trialFree = workspace.TrialFree;
        var scratch = workspace.Scratch;
        var rowScratch = workspace.RowScratch;
        var s = workspace.S;
        var y = workspace.Y;
        var rho = workspace.Rho;
        var alphas = workspace.Alphas;

        // Off the face the trial point is zero: cleared once, then only free entries are written.
        Array.Clear(trial);
        var stored = 0;
        var newest = -1;
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        GatherCentred(g, pg, index, rowStart, n);

        // See FaceQuasiNewton: initial inverse Hessian γ·diag(σ_i), one σ per origin row.
        var sigma = workspace.Sigma;
        for (var i = 0; i < n; i++)
        {
            sigma.AsSpan(rowStart[i], rowStart[i + 1] - rowStart[i]).Fill(rowScale is null ? 1 : rowScale[i]);
        }

        MultiplyInto(sigma, pg, scratch, m);
        var gamma = 0.01 / Math.Max(MaxAbs(scratch, m), 1e-300);
        while (evaluations < maxEvaluations)
        {
            if (MaxAbs(pg, m) <= tolerance)
            {
                return (evaluations, f, false);
            }

            // Two-loop recursion on the face.
            var dm = d.AsSpan(0, m);
            pg.AsSpan(0, m).CopyTo(dm);
            for (var c = 0; c < stored; c++)
            {
                var p = (newest - c + memory) % memory;
                alphas[p] = rho[p] * DenseKernels.Dot(s[p].AsSpan(0, m), dm);
                DenseKernels.Axpy(-alphas[p], y[p].AsSpan(0, m), dm);
            }

            if (stored > 0)
            {
                MultiplyInto(sigma, y[newest], scratch, m);
                gamma = 1 / (rho[newest] * DenseKernels.Dot(y[newest].AsSpan(0, m), scratch.AsSpan(0, m)));
            }

            for (var c = 0; c < m; c++)
            {
                dm[c] = gamma * dm[c] * sigma[c];
            }

            for (var c = stored - 1; c >= 0; c--)
            {
                var p = (newest - c + memory) % memory;
                var beta = rho[p] * DenseKernels.Dot(y[p].AsSpan(0, m), dm);
                DenseKernels.Axpy(alphas[p] - beta, s[p].AsSpan(0, m), dm);
            }

            double slope = 0;
            for (var c = 0; c < m; c++)
            {
                dm[c] = -dm[c];
                slope += dm[c] * g[index[c]];
            }

            if (!(slope < 0))
            {
                if (stored == 0)
                {
                    return (evaluations, f, true);
                }

                stored = 0;
                continue;
            }

            // Projected search on the face, as in FaceQuasiNewton.
            var (accepted, fTrial) = Backtracking.SearchInterpolated(
                alpha => ProjectedTrial(x, d, alpha, g, index, rowStart, n, trialFree, trial, rowScratch),
                value,
                valueAndGradient,
                trial,
                gTrial,
                f,
                slope,
                Gamma,
                ref evaluations,
                maxEvaluations);
            if (!accepted)
            {
                if (stored == 0)
                {
                    return (evaluations, f, true);
                }

                stored = 0;
                continue;
            }

            // The step s = trial − x on the current face (in scratch, free until the next
            // iteration); x takes the trial point, with the entries that reached zero exactly 0.
            var step = scratch;
            var hitBound = false;
            for (var c = 0; c < m; c++)
            {
                var k = index[c];
                var t = trialFree[c];
                if (t <= 0)
                {
                    t = 0;
                    trial[k] = 0;
                    hitBound = true;
                }

                step[c] = t - x[k];
                x[k] = t;
            }

            if (hitBound)
            {
                // The face shrank: drop the fixed entries from the index, the step, the old
                // projected gradient, σ and every stored pair (trialFree, no longer needed,
                // holds the flags), then project the pairs on the new face as FaceQuasiNewton does.
                var keep = trialFree;
                var kept = 0;
                for (var i = 0; i < n; i++)
                {
                    var start = rowStart[i];
                    rowStart[i] = kept;
                    for (var c = start; c < rowStart[i + 1]; c++)
                    {
                        keep[c] = x[index[c]] > 0 ? 1 : 0;
                        if (keep[c] != 0)
                        {
                            index[kept++] = index[c];
                        }
                    }
                }

                rowStart[n] = kept;
                Compact(step, keep, m);
                Compact(pg, keep, m);
                Compact(sigma, keep, m);
                for (var c = 0; c < stored; c++)
                {
                    var p = (newest - c + memory) % memory;
                    Compact(s[p], keep, m);
                    Compact(y[p], keep, m);
                }

                m = kept;
                GatherCentred(gTrial, pgTrial, index, rowStart, n);
                stored = ProjectPairs(s, y, rho, stored, ref newest, rowStart, n, m);
            }
            else
            {
                GatherCentred(gTrial, pgTrial, index, rowStart, n);
            }

            {
                var next = (newest + 1) % memory;
                s[next] ??= new double[x.Length];
                y[next] ??= new double[x.Length];
                var sm = s[next].AsSpan(0, m);
                var ym = y[next].AsSpan(0, m);
                step.AsSpan(0, m).CopyTo(sm);
                for (var c = 0; c < m; c++)
                {
                    ym[c] = pgTrial[c] - pg[c];
                }

                if (hitBound)
                {
                    Centre(s[next], rowStart, n);
                    Centre(y[next], rowStart, n);
                }

                // Keep only pairs with positive curvature (the objective is non-convex).
                var sy = DenseKernels.Dot(sm, ym);
                if (sy > 1e-12 * Math.Sqrt(DenseKernels.Dot(ym, ym) * DenseKernels.Dot(sm, sm)))
                {
                    rho[next] = 1 / sy;
                    newest = next;
                    stored = Math.Min(stored + 1, memory);
                }
            }

            var decrease = f - fTrial;
            (g, gTrial) = (gTrial, g);
            (pg, pgTrial) = (pgTrial, pg);
            f = fTrial;
            if (decrease <= 1e-16 * Math.Abs(f) && !hitBound)
            {
                return (evaluations, f, true);
            }
        }

        return (evaluations, f, false);
    }

    /// <summary>Projects the stored pairs (already compacted to the new face) on it; see <see cref="FaceQuasiNewton.KeepCurvedPairs"/>.</summary>
    private static int ProjectPairs(double[][] s, double[][] y, double[] rho, int stored, ref int newest, int[] rowStart, int n, int m) =>
        FaceQuasiNewton.KeepCurvedPairs(s, y, rho, stored, ref newest, (sp, yp) =>
        {
            Centre(sp, rowStart, n);
            Centre(yp, rowStart, n);
            var sm = sp.AsSpan(0, m);
            var ym = yp.AsSpan(0, m);
            var sy = DenseKernels.Dot(sm, ym);
            return sy > 1e-12 * Math.Sqrt(DenseKernels.Dot(sm, sm) * DenseKernels.Dot(ym, ym)) ? 1 / sy : 0;
        });

    /// <summary>
    /// The trial point P_face(x + α·d): the free entries in <paramref name="trialFree"/> (each
    /// row's segment projected onto the simplex) and scattered into <paramref name="trial"/>;
    /// returns gᵀ(trial − x).
    /// </summary>
    private static double ProjectedTrial(double[] x, double[] d, double alpha, double[] g, int[] index, int[] rowStart, int n, double[] trialFree, double[] trial, double[] rowScratch)
    {
        var m = rowStart[n];
        for (var c = 0; c < m; c++)
        {
            trialFree[c] = x[index[c]] + (alpha * d[c]);
        }

        for (var i = 0; i < n; i++)
        {
            var count = rowStart[i + 1] - rowStart[i];
            if (count > 0)
            {
                SimplexProjection.Project(trialFree.AsSpan(rowStart[i], count), rowScratch);
            }
        }

        double decrease = 0;
        for (var c = 0; c < m; c++)
        {
            var k = index[c];
            trial[k] = trialFree[c];
            decrease += g[k] * (trialFree[c] - x[k]);
        }

        return decrease;
    }

    /// <summary>Keeps the entries of v[0..m) whose flag is 1, in order, at the front.</summary>
    private static void Compact(double[] v, double[] keep, int m)
    {
        var kept = 0;
        for (var c = 0; c < m; c++)
        {
            if (keep[c] != 0)
            {
                v[kept++] = v[c];
            }
        }
    }

    /// <summary>Each row's free entries of the full vector g, centred on their row mean (0 for a row with one free entry).</summary>
    private static void GatherCentred(double[] g, double[] result, int[] index, int[] rowStart, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var (start, end) = (rowStart[i], rowStart[i + 1]);
            double sum = 0;
            for (var c = start; c < end; c++)
            {
                result[c] = g[index[c]];
                sum += result[c];
            }

            var count = end - start;
            var mean = count > 0 ? sum / count : 0;
            for (var c = start; c < end; c++)
            {
                result[c] = count > 1 ? result[c] - mean : 0;
            }
        }
    }

    /// <summary>Centres each row segment of a compact vector in place (0 for a row with one free entry).</summary>
    private static void Centre(double[] v, int[] rowStart, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var (start, end) = (rowStart[i], rowStart[i + 1]);
            double sum = 0;
            for (var c = start; c < end; c++)
            {
                sum += v[c];
            }

            var count = end - start;
            var mean = count > 0 ? sum / count : 0;
            for (var c = start; c < end; c++)
            {
                v[c] = count > 1 ? v[c] - mean : 0;
            }
        }
    }

    private static void MultiplyInto(double[] a, double[] b, double[] result, int m)
    {
        for (var c = 0; c < m; c++)
        {
            result[c] = a[c] * b[c];
        }
    }

    private static double MaxAbs(double[] v, int m)
    {
        double max = 0;
        for (var c = 0; c < m; c++)
        {
            max = Math.Max(max, Math.Abs(v[c]));
        }

        return max;
    }
}
