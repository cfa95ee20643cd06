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
    private const int Memory = 40;

    /// <summary>Polishes x (feasible, row-major n×n) in place; returns the gradient evaluations used and the final value.</summary>
    public static (int Evaluations, double Value, bool Stalled) Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] x,
        int n,
        double tolerance,
        int maxEvaluations)
    {
        var size = x.Length;
        var free = new bool[size];
        for (var k = 0; k < size; k++)
        {
            free[k] = x[k] > 0;
        }

        var g = new double[size];
        var pg = new double[size];
        var d = new double[size];
        var trial = new double[size];
        var gTrial = new double[size];
        var pgTrial = new double[size];
        var s = new double[Memory][];
        var y = new double[Memory][];
        var rho = new double[Memory];
        var alphas = new double[Memory];
        // The pairs' arrays are allocated when first filled (mitigspeed): at 500 districts all 80
        // are 160 MB per call, and most calls end after a few pairs.

        var stored = 0;
        var newest = -1;
        var scratch = new double[size];
        var f = valueAndGradient(x, g);
        var evaluations = 1;
        ProjectOnFace(g, pg, free, n);

        // Initial scaling of the inverse Hessian: a first step changing no entry by more than
        // 0.01; afterwards sᵀy/yᵀy of the newest pair, kept when the memory is cleared.
        var gamma = 0.01 / Math.Max(MaxAbs(pg), 1e-300);
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
                gamma = 1 / (rho[newest] * Dot(y[newest], y[newest]));
            }

            Scale(gamma, d);
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

            // Longest step keeping every free entry non-negative.
            var alphaMax = double.PositiveInfinity;
            var blocking = -1;
            for (var k = 0; k < size; k++)
            {
                if (d[k] < 0 && free[k])
                {
                    var limit = x[k] / -d[k];
                    if (limit < alphaMax)
                    {
                        (alphaMax, blocking) = (limit, k);
                    }
                }
            }

            var alpha = Math.Min(1, alphaMax);
            double fTrial;
            var accepted = false;
            while (true)
            {
                for (var k = 0; k < size; k++)
                {
                    trial[k] = free[k] ? Math.Max(x[k] + (alpha * d[k]), 0) : 0;
                }

                if (alpha == alphaMax && blocking >= 0)
                {
                    trial[blocking] = 0;
                }

                fTrial = value(trial);
                evaluations++;
                if (fTrial <= f + (Gamma * alpha * slope))
                {
                    accepted = true;
                    break;
                }

                if (alpha < 1e-14 || evaluations >= maxEvaluations)
                {
                    break;
                }

                var denominator = 2 * (fTrial - f - (alpha * slope));
                var next = denominator > 0 ? -slope * alpha * alpha / denominator : alpha / 2;
                alpha = next >= 0.1 * alpha && next <= 0.9 * alpha ? next : alpha / 2;
            }

            if (!accepted)
            {
                if (stored == 0)
                {
                    return (evaluations, f, true);
                }

                stored = 0;
                continue;
            }

            fTrial = valueAndGradient(trial, gTrial);
            evaluations++;
            var hitBound = alpha == alphaMax && blocking >= 0;
            if (hitBound)
            {
                // The face shrank: fix the entries now at zero; the curvature pairs are projected
                // on the smaller subspace below (a GENCAN-like restart would forget them and
                // lose the curvature learnt so far, which costs many iterations when the
                // face shrinks often).
                for (var k = 0; k < size; k++)
                {
                    if (free[k] && trial[k] <= 0)
                    {
                        free[k] = false;
                        trial[k] = 0;
                    }
                }

            }

            ProjectOnFace(gTrial, pgTrial, free, n);
            if (hitBound)
            {
                stored = ProjectPairs(s, y, rho, stored, ref newest, free, n, scratch);
            }

            if (!hitBound)
            {
                var next = (newest + 1) % Memory;
                double sy = 0, yy = 0;
                s[next] ??= new double[size];
                y[next] ??= new double[size];
                for (var k = 0; k < size; k++)
                {
                    s[next][k] = trial[k] - x[k];
                    y[next][k] = pgTrial[k] - pg[k];
                    sy += s[next][k] * y[next][k];
                    yy += y[next][k] * y[next][k];
                }

                // Keep only pairs with positive curvature (the objective is non-convex).
                if (sy > 1e-12 * Math.Sqrt(yy * Dot(s[next], s[next])))
                {
                    rho[next] = 1 / sy;
                    newest = next;
                    stored = Math.Min(stored + 1, Memory);
                }
            }

            var decrease = f - fTrial;
            Array.Copy(trial, x, size);
            Array.Copy(gTrial, g, size);
            Array.Copy(pgTrial, pg, size);
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
    private static int ProjectPairs(double[][] s, double[][] y, double[] rho, int stored, ref int newest, bool[] free, int n, double[] scratch)
    {
        var memory = s.Length;
        var first = (newest - stored + 1 + memory) % memory;
        var order = Enumerable.Range(0, memory).Select(c => (first + c) % memory).ToArray();
        var kept = new List<(double[] S, double[] Y, double Rho)>();
        var spare = new List<(double[] S, double[] Y)>();
        for (var c = 0; c < memory; c++)
        {
            var (sm, ym) = (s[order[c]], y[order[c]]);
            if (c >= stored)
            {
                spare.Add((sm, ym));
                continue;
            }

            ProjectOnFace(sm, scratch, free, n);
            Array.Copy(scratch, sm, scratch.Length);
            ProjectOnFace(ym, scratch, free, n);
            Array.Copy(scratch, ym, scratch.Length);
            var sy = Dot(sm, ym);
            if (sy > 1e-12 * Math.Sqrt(Dot(sm, sm) * Dot(ym, ym)))
            {
                kept.Add((sm, ym, 1 / sy));
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

    /// <summary>The orthogonal projection of g on the face's subspace: zero off the support, each row's free entries centred.</summary>
    private static void ProjectOnFace(double[] g, double[] result, bool[] free, int n)
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

    private static double MaxAbs(double[] x)
    {
        double max = 0;
        foreach (var v in x)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
