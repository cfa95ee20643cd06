namespace Mosaic.Mitigation;

/// <summary>
/// Second-order polish on the current face of the feasible set: the entries of X that are zero
/// stay zero, and each row (one origin's distribution) keeps its sum, so the free variables move
/// in the subspace {d : d_k = 0 off the support, Σ_j d_ij = 0 per row}. In that subspace the method
/// is L-BFGS (two-loop recursion on projected gradients) with a monotone Armijo backtracking line
/// search truncated at the first entry that reaches zero; that entry is fixed at zero and the
/// memory is cleared (the subspace changed). It stops when the gradient projected on the face is
/// below the tolerance, or when no decrease is possible; releasing zero entries is left to the
/// projected-gradient method it alternates with (a GENCAN-style active-set scheme), whose
/// Barzilai–Borwein steps identify the face fast but converge slowly on it.
/// </summary>
internal static class FaceQuasiNewton
{
    private const double Gamma = 1e-4;
    /// <summary>Curvature pairs kept by the L-BFGS memory.</summary>
    internal const int Memory = 40;

    /// <summary>
    /// The polish's arrays, kept across calls: the subproblem loop calls the polish hundreds of
    /// times, and at 500 districts each call allocated nine n² arrays (2 MB each, on the large
    /// object heap, zeroed) plus its curvature pairs; reusing them changes no result bit (every
    /// entry is written before it is read in a call).
    /// </summary>
    internal sealed class Workspace
    {
        /// <summary>
        /// Arrays for n districts (n² variables); the pairs are allocated when first filled.
        /// <paramref name="compact"/> chooses the polish (default: compact from
        /// <see cref="MobilityObjective.BlockedThreshold"/> districts on; the tests compare both).
        /// </summary>
        public Workspace(int n, bool? compact = null)
        {
            N = n;

            // Large problems polish on the compact face (CompactFaceQuasiNewton): these full-size arrays stay empty.
            Compact = compact ?? n >= MobilityObjective.BlockedThreshold ? new CompactFaceQuasiNewton.Workspace(n) : null;
            var size = Compact is null ? n * n : 0;
            Free = new bool[size];
            G = new double[size];
            Pg = new double[size];
            D = new double[size];
            Trial = new double[size];
            GTrial = new double[size];
            PgTrial = new double[size];
            Scratch = new double[size];
            Sigma = new double[size];
            RowBuffer = new double[n];
            RowScratch = new double[n];
        }

        public int N { get; }

        /// <summary>The compact polish's arrays, from <see cref="MobilityObjective.BlockedThreshold"/> districts on.</summary>
        public CompactFaceQuasiNewton.Workspace? Compact { get; }

        public bool[] Free { get; }

        public double[] G { get; }

        public double[] Pg { get; }

        public double[] D { get; }

        public double[] Trial { get; }

        public double[] GTrial { get; }

        public double[] PgTrial { get; }

        public double[] Scratch { get; }

        public double[] Sigma { get; }

        public double[] RowBuffer { get; }

        public double[] RowScratch { get; }

        // The pairs' arrays are allocated when first filled (mitigspeed): at 500 districts all 80
        // are 160 MB, and most polishes end after a few pairs.
        public double[][] S { get; } = new double[Memory][];

        public double[][] Y { get; } = new double[Memory][];

        public double[] Rho { get; } = new double[Memory];

        public double[] Alphas { get; } = new double[Memory];
    }

    /// <summary>
    /// Polishes x (feasible, row-major n×n) in place; returns the gradient evaluations used and the
    /// final value. <paramref name="workspace"/> (for n districts) is reused when given.
    /// </summary>
    public static (int Evaluations, double Value, bool Stalled) Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        int n,
        double tolerance,
        int maxEvaluations,
        double[]? rowScale = null,
        Workspace? workspace = null)
    {
        var size = x.Length;
        workspace ??= new Workspace(n);
        if (workspace.N != n || size != n * n)
        {
            throw new ArgumentException("the workspace is for another size", nameof(workspace));
        }

        // Session 10: large problems run the same method on the free entries only (the vector
        // work on all n² entries cost more than the objective at 500 districts).
        if (workspace.Compact is not null)
        {
            return CompactFaceQuasiNewton.Minimize(value, valueAndGradient, x, n, tolerance, maxEvaluations, rowScale, workspace.Compact);
        }

        var free = workspace.Free;
        for (var k = 0; k < size; k++)
        {
            free[k] = x[k] > 0;
        }

        // g/gTrial and pg/pgTrial are swapped after an accepted step instead of copied.
        var g = workspace.G;
        var pg = workspace.Pg;
        var d = workspace.D;
        var trial = workspace.Trial;
        var gTrial = workspace.GTrial;
        var pgTrial = workspace.PgTrial;
        var s = workspace.S;
        var y = workspace.Y;
        var rho = workspace.Rho;
        var alphas = workspace.Alphas;

        var stored = 0;
        var newest = -1;
        var scratch = workspace.Scratch;
        var rowBuffer = workspace.RowBuffer;
        var rowScratch = workspace.RowScratch;
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        ProjectOnFace(g, pg, free, n);

        // Initial scaling of the inverse Hessian: a first step changing no entry by more than
        // 0.01; afterwards sᵀy/yᵀy of the newest pair, kept when the memory is cleared.
        // The initial inverse Hessian is γ·diag(σ_i) with one σ per origin row (rowScale): the
        // curvature along origin i's entries grows with the square of its refugees' calls, which
        // spans four orders of magnitude between small and enclave districts; a scalar γ alone
        // leaves that spread to the memory, and L-BFGS then crawls. A per-row scalar keeps
        // directions inside the face (each row's sum stays fixed).
        var sigma = workspace.Sigma;
        for (var k = 0; k < size; k++)
        {
            sigma[k] = rowScale is null ? 1 : rowScale[k / n];
        }

        MultiplyInto(sigma, pg, scratch);
        var gamma = 0.01 / Math.Max(MaxAbs(scratch), 1e-300);
        while (evaluations < maxEvaluations)
        {
            if (MaxAbs(pg) <= tolerance)
            {
                return (evaluations, f, false);
            }

            // Two-loop recursion on the face: every s and y lies in the subspace, so d does too.
            Array.Copy(pg, d, size);
            for (var c = 0; c < stored; c++)
            {
                var m = (newest - c + Memory) % Memory;
                alphas[m] = rho[m] * Dot(s[m], d);
                Axpy(-alphas[m], y[m], d);
            }

            if (stored > 0)
            {
                MultiplyInto(sigma, y[newest], scratch);
                gamma = 1 / (rho[newest] * Dot(y[newest], scratch));
            }

            Scale(gamma, d);
            MultiplyInto(sigma, d, d);
            for (var c = stored - 1; c >= 0; c--)
            {
                var m = (newest - c + Memory) % Memory;
                var beta = rho[m] * Dot(y[m], d);
                Axpy(alphas[m] - beta, s[m], d);
            }

            Scale(-1, d);
            var slope = Dot(d, g);
            if (!(slope < 0))
            {
                if (stored == 0)
                {
                    return (evaluations, f, true);
                }

                stored = 0;
                continue;
            }

            // Projected search on the face: x(α) = P(x + α·d), each row's free entries projected
            // onto their simplex, so that a step may zero many entries at once. Truncating at
            // the first entry that reaches zero (the former rule) fixes one entry per iteration,
            // and after a projected-gradient burst has freed hundreds of entries (39 districts)
            // that spent the whole budget on two-evaluation steps.
            var (accepted, fTrial) = Backtracking.SearchInterpolated(
                alpha => ProjectedTrial(x, d, alpha, g, free, n, trial, rowBuffer, rowScratch),
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

            // When the face shrank the curvature pairs are projected on the smaller subspace below
            // (forgetting them would lose the curvature learnt so far, which costs many
            // iterations when the face shrinks often).
            var hitBound = FixZeros(trial, free);

            ProjectOnFace(gTrial, pgTrial, free, n);
            if (hitBound)
            {
                stored = ProjectPairs(s, y, rho, stored, ref newest, free, n);
            }

            {
                var next = (newest + 1) % Memory;
                s[next] ??= new double[size];
                y[next] ??= new double[size];
                for (var k = 0; k < size; k++)
                {
                    s[next][k] = trial[k] - x[k];
                    y[next][k] = pgTrial[k] - pg[k];
                }

                if (hitBound)
                {
                    ProjectOnFace(s[next], s[next], free, n);
                    ProjectOnFace(y[next], y[next], free, n);
                }

                var sy = Dot(s[next], y[next]);

                // Keep only pairs with positive curvature (the objective is non-convex).
                if (sy > 1e-12 * Math.Sqrt(Dot(y[next], y[next]) * Dot(s[next], s[next])))
                {
                    rho[next] = 1 / sy;
                    newest = next;
                    stored = Math.Min(stored + 1, Memory);
                }
            }

            var decrease = f - fTrial;

            Array.Copy(trial, x, size);
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

    /// <summary>
    /// Projects the stored pairs on the new face and keeps those whose curvature sᵀy stays
    /// positive, moved to slots 0.. (oldest first) so that the newest is the last kept; returns
    /// how many remain. The dropped pairs' arrays fill the remaining slots as storage.
    /// </summary>
    private static int ProjectPairs(double[][] s, double[][] y, double[] rho, int stored, ref int newest, bool[] free, int n) =>
        KeepCurvedPairs(s, y, rho, stored, ref newest, (sm, ym) =>
        {
            ProjectOnFace(sm, sm, free, n);
            ProjectOnFace(ym, ym, free, n);
            var sy = Dot(sm, ym);
            return sy > 1e-12 * Math.Sqrt(Dot(sm, sm) * Dot(ym, ym)) ? 1 / sy : 0;
        });

    /// <summary>
    /// The stored pairs' bookkeeping when the face shrinks (both polishes):
    /// <paramref name="projectedCurvature"/> projects a pair in place and returns 1/sᵀy, or 0 when
    /// its curvature is no longer positive; the pairs kept move to slots 0.. (oldest first) so that
    /// the newest is the last kept; the dropped pairs' arrays fill the remaining slots as storage.
    /// Returns how many remain.
    /// </summary>
    internal static int KeepCurvedPairs(double[][] s, double[][] y, double[] rho, int stored, ref int newest, Func<double[], double[], double> projectedCurvature)
    {
        var memory = s.Length;
        var first = (newest - stored + 1 + memory) % memory;
        var kept = new List<(double[] S, double[] Y, double Rho)>();
        var spare = new List<(double[] S, double[] Y)>();
        for (var c = 0; c < memory; c++)
        {
            var (sm, ym) = (s[(first + c) % memory], y[(first + c) % memory]);
            var inverseCurvature = c < stored ? projectedCurvature(sm, ym) : 0;
            if (inverseCurvature != 0)
            {
                kept.Add((sm, ym, inverseCurvature));
            }
            else
            {
                spare.Add((sm, ym));
            }
        }

        for (var c = 0; c < kept.Count; c++)
        {
            (s[c], y[c], rho[c]) = kept[c];
        }

        for (var c = 0; c < spare.Count; c++)
        {
            (s[kept.Count + c], y[kept.Count + c]) = spare[c];
        }

        newest = kept.Count > 0 ? kept.Count - 1 : memory - 1;
        return kept.Count;
    }

    /// <summary>
    /// The trial point P_face(x + α·d) of a projected search on the face, written to
    /// <paramref name="trial"/>; returns gᵀ(trial − x), the first-order decrease it promises.
    /// </summary>
    internal static double ProjectedTrial(double[] x, double[] d, double alpha, double[] g, bool[] free, int n, double[] trial, double[] rowBuffer, double[] rowScratch)
    {
        for (var k = 0; k < x.Length; k++)
        {
            trial[k] = free[k] ? x[k] + (alpha * d[k]) : 0;
        }

        ProjectFreeRows(trial, free, n, rowBuffer, rowScratch);
        double decrease = 0;
        for (var k = 0; k < x.Length; k++)
        {
            decrease += g[k] * (trial[k] - x[k]);
        }

        return decrease;
    }

    /// <summary>Fixes at zero (removes from the face) every free entry the step brought to zero; true when the face shrank.</summary>
    internal static bool FixZeros(double[] point, bool[] free)
    {
        var shrank = false;
        for (var k = 0; k < point.Length; k++)
        {
            if (free[k] && point[k] <= 0)
            {
                free[k] = false;
                point[k] = 0;
                shrank = true;
            }
        }

        return shrank;
    }

    /// <summary>Projects each row's free entries of x onto the simplex (they sum to 1: the fixed entries are 0).</summary>
    internal static void ProjectFreeRows(double[] x, bool[] free, int n, double[] buffer, double[] scratch)
    {
        for (var i = 0; i < n; i++)
        {
            var count = 0;
            for (var j = i * n; j < (i + 1) * n; j++)
            {
                if (free[j])
                {
                    buffer[count++] = x[j];
                }
            }

            if (count == 0)
            {
                continue;
            }

            SimplexProjection.Project(buffer.AsSpan(0, count), scratch);
            count = 0;
            for (var j = i * n; j < (i + 1) * n; j++)
            {
                if (free[j])
                {
                    x[j] = buffer[count++];
                }
            }
        }
    }

    /// <summary>
    /// The orthogonal projection of g on the face's subspace: zero off the support, each row's free
    /// entries centred. <paramref name="result"/> may be <paramref name="g"/> (in place: each row's
    /// mean is taken before the row is written).
    /// </summary>
    internal static void ProjectOnFace(double[] g, double[] result, bool[] free, int n)
    {
        for (var i = 0; i < n; i++)
        {
            double sum = 0;
            var count = 0;
            for (var j = i * n; j < (i + 1) * n; j++)
            {
                if (free[j])
                {
                    sum += g[j];
                    count++;
                }
            }

            var mean = count > 0 ? sum / count : 0;
            for (var j = i * n; j < (i + 1) * n; j++)
            {
                result[j] = free[j] && count > 1 ? g[j] - mean : 0;
            }
        }
    }

    private static void MultiplyInto(double[] a, double[] b, double[] result)
    {
        for (var k = 0; k < a.Length; k++)
        {
            result[k] = a[k] * b[k];
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        // mitigspeed: vectorised from the blocked-kernel size on (80 of these per iteration over
        // n² entries cost more than the gradient at 500 districts); below it the sequential sum
        // keeps the small problems' trajectories bit for bit.
        if (a.Length >= MobilityObjective.BlockedThreshold * MobilityObjective.BlockedThreshold)
        {
            return DenseKernels.Dot(a, b);
        }

        double sum = 0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }

        return sum;
    }

    // mitigspeed: vectorised; the same bits as the scalar loop (a multiply and an add per entry, no fusing).
    private static void Axpy(double a, double[] x, double[] y) => DenseKernels.Axpy(a, x, y);

    private static void Scale(double a, double[] x)
    {
        for (var k = 0; k < x.Length; k++)
        {
            x[k] *= a;
        }
    }

    internal static double MaxAbs(double[] x)
    {
        double max = 0;
        foreach (var v in x)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
