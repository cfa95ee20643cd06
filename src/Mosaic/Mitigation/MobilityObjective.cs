namespace Mosaic.Mitigation;

/// <summary>Which objective a step of the optimiser minimises.</summary>
public enum MobilityObjectiveKind
{
    /// <summary>
    /// Step 1: Σ_j Σ_k (ô_jk / Σ_k ô_jk − t_jk)², t_j the hosts' destination shares of district j
    /// (for RR both sides as densities: counts divided by the destination group's population).
    /// </summary>
    ShareDifference,

    /// <summary>Step 2: Σ_j χ²_j, the homogeneity statistic of the hosts' row against ô_j.</summary>
    ChiSquareSum,
}

/// <summary>
/// The objective of one network and step as a function of the mobility matrix, with its analytic
/// gradient. Internally the variables are X = Mᵀ flattened row-major: x[i·n + j] = m_ji, so that
/// each origin's distribution over destinations is one contiguous row (projected on its own).
/// </summary>
/// <remarks>
/// Forward pass: Ô = XᵀO (RT) or Ô = XᵀOX with R̂ = Xᵀr (RR); D = Ô (RT) or
/// D_jk = Ô_jk/(R̂_k + ε_R) (RR); S_j = Σ_k D_jk; B_j = Σ_k Ô_jk; step 1's shares are
/// D_jk/(S_j + ε_S); step 2 compares b_j = D_j·B_j/S_j (densities rescaled to the row's call
/// total, as the segregation test does) with the hosts' row. The floors ε_R (10⁻³ of the mean
/// refugees per district) and ε_S (10⁻³ of the mean row total of D at M = I) keep the objective
/// smooth where the optimiser empties a district: without them the shares are 0/0 there and the
/// gradient grows like 1/S_j, which stalls any line search. An emptied district's shares tend to
/// 0 (step 1 term Σ_k t_jk²) and its statistic to 0. A district without host calls (A_j = 0) is
/// not testable and contributes nothing. Step 2's statistic is smoothed the same way, with the
/// row total B in its denominator replaced by B + ε_B (ε_B = 10⁻⁴ of the mean refugee row total
/// of O), which scales a row's statistic by B/(B + ε_B); summaries report the exact statistic.
/// An optional smooth spatial term w·Σ_j (ĉ_j/Σc − c^T_j/Σc^T)² (ĉ = Xᵀc, c the refugees'
/// outgoing calls) serves the Pareto front.
/// </remarks>
internal sealed class MobilityObjective
{
    private readonly int n;
    private readonly int threads;
    private readonly double[] calls;
    private readonly double[] hostRows;
    private readonly double[] hostTotals;
    private readonly double[]? density;
    private readonly MobilityObjectiveKind kind;
    private readonly double scoreWeight;
    private readonly double spatialWeight;
    private readonly double[] refugeeOutgoing;
    private readonly double[] hostOutgoingShare;
    private readonly double refugeeOutgoingTotal;
    private readonly double shareFloor;
    private readonly double refugeeFloor;
    private readonly double callFloor;

    private readonly double[] left;
    private readonly double[] ohat;
    private readonly double[] d;
    private readonly double[] rhat;
    private readonly double[] gradOhat;
    private readonly double[] work;
    private readonly double[] workT;
    private readonly double[] gradT;
    private readonly int[] nzStart;
    private readonly int[] nzIndex;
    private readonly double[] nzValue;

    // Per-evaluation scratch, allocated once (the 39-district bench makes ~10,000 evaluations;
    // fresh arrays per row and call were a measurable share of its CPU in allocation and GC).
    private readonly double[] rowValues;
    private readonly double[] rowTotalGrad;
    private readonly double[] gradRhat;
    private readonly double[] compared;
    private readonly double[] comparedGrad;

    // The packed, blocked products (DenseKernels.MultiplyPacked) from BlockedThreshold districts on;
    // empty below it, where the row-by-row kernels keep the small problems' results unchanged.
    private readonly bool blocked;
    private readonly double[] packedCalls;
    private readonly double[] packedX;
    private readonly double[] packedGrad;
    private readonly double[] xT;

    // True while packedX holds the X of the last forward pass (RR, dense forward): the backward
    // pass then need not pack it again.
    private bool packedXCurrent;

    public MobilityObjective(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityObjectiveKind kind,
        int threads = 1,
        double scoreWeight = 1,
        double spatialWeight = 0,
        bool? blockedProducts = null)
    {
        n = problem.Count;
        this.threads = threads;
        this.kind = kind;
        this.scoreWeight = scoreWeight;
        this.spatialWeight = spatialWeight;
        calls = DenseKernels.Flatten(problem.RefugeeCalls(network));
        hostRows = HostRows(problem, network);
        hostTotals = new double[n];
        for (var j = 0; j < n; j++)
        {
            hostTotals[j] = hostRows.AsSpan(j * n, n).ToArray().Sum();
        }

        density = network == MitigationNetwork.RR ? [.. problem.Refugees] : null;

        // Smoothing floors (see the remarks): 1e-3 of the mean refugee count and of the mean
        // row total of D at M = I.
        refugeeFloor = 1e-3 * Math.Max(problem.TotalRefugees / n, 1e-300);
        double rowTotal = 0;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                rowTotal += density is null ? calls[(i * n) + k] : calls[(i * n) + k] / (density[k] + refugeeFloor);
            }
        }

        shareFloor = 1e-3 * Math.Max(rowTotal / n, 1e-300);
        callFloor = 1e-4 * Math.Max(calls.Sum() / n, 1e-300);
        refugeeOutgoing = new double[n];
        var hostOutgoing = new double[n];
        for (var i = 0; i < n; i++)
        {
            refugeeOutgoing[i] = calls.AsSpan(i * n, n).ToArray().Sum();
            for (var k = 0; k < n; k++)
            {
                hostOutgoing[i] += problem.CallsTT[i, k];
            }
        }

        refugeeOutgoingTotal = refugeeOutgoing.Sum();
        var hostTotal = hostOutgoing.Sum();
        hostOutgoingShare = [.. hostOutgoing.Select(c => hostTotal > 0 ? c / hostTotal : 0)];

        left = new double[n * n];
        ohat = new double[n * n];
        d = density is null ? ohat : new double[n * n];
        rhat = new double[n];
        gradOhat = new double[n * n];
        work = new double[n * n];
        workT = new double[n * n];
        gradT = new double[n * n];
        nzStart = new int[n + 1];
        nzIndex = new int[n * n];
        nzValue = new double[n * n];
        rowValues = new double[n];
        rowTotalGrad = new double[n];
        gradRhat = new double[n];
        compared = new double[n * n];
        comparedGrad = new double[n * n];
        blocked = blockedProducts ?? n >= BlockedThreshold;
        var packedLength = blocked ? DenseKernels.PackedLength(n) : 0;
        packedCalls = new double[packedLength];
        packedX = new double[packedLength];
        packedGrad = new double[packedLength];
        xT = new double[blocked ? n * n : 0];
        if (blocked)
        {
            DenseKernels.Pack(calls, transposed: false, packedCalls, n);
        }
    }

    /// <summary>
    /// From this many districts on, the n³ products use the packed, register-blocked kernel
    /// (about five times faster at 500 districts); below, the row-by-row kernels, whose results the
    /// tests and the documented optima at 5–40 districts were made with.
    /// </summary>
    internal const int BlockedThreshold = 128;

    /// <summary>
    /// Above this share of non-zero entries of X the forward products run dense (blocked);
    /// below it they skip the zero entries (n × non-zeros multiply-adds, about a fifth of the
    /// blocked kernel's speed per multiply-add).
    /// </summary>
    private const double DenseForwardShare = 0.2;

    /// <summary>Number of districts.</summary>
    public int Count => n;

    /// <summary>
    /// The hosts' rows the refugee rows are compared with: O^TT for RT; for RR the densities
    /// o^TT_jk / T_k rescaled to each row's original total (0 where T_k = 0).
    /// </summary>
    public static double[] HostRows(MitigationProblem problem, MitigationNetwork network)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var n = problem.Count;
        var rows = DenseKernels.Flatten(problem.CallsTT);
        if (network == MitigationNetwork.RT)
        {
            return rows;
        }

        for (var j = 0; j < n; j++)
        {
            var row = rows.AsSpan(j * n, n);
            double total = 0, densityTotal = 0;
            for (var k = 0; k < n; k++)
            {
                total += row[k];
                row[k] = problem.Hosts[k] > 0 ? row[k] / problem.Hosts[k] : 0;
                densityTotal += row[k];
            }

            for (var k = 0; k < n; k++)
            {
                row[k] = densityTotal > 0 ? row[k] * total / densityTotal : 0;
            }
        }

        return rows;
    }

    /// <summary>The objective at x (X = Mᵀ, row-major).</summary>
    public double Value(double[] x)
    {
        Forward(x);
        return Combine(x, null);
    }

    /// <summary>The objective at x and its gradient with respect to every x entry.</summary>
    public double ValueAndGradient(double[] x, double[] gradient)
    {
        Forward(x);
        return Combine(x, gradient);
    }

    /// <summary>
    /// Per district (row j of Ô) the exact chi-square statistic and degrees of freedom after the
    /// move. For RR the refugee densities use R̂_k + ε_R as in the objective, so a district nobody
    /// lives in after the move contributes nothing.
    /// </summary>
    public (double Statistic, int Dof)[] RowTestsExact(double[] x)
    {
        Forward(x);
        var tests = new (double, int)[n];
        var b = new double[n];
        for (var j = 0; j < n; j++)
        {
            ComparedRow(j, b);
            tests[j] = ChiSquare.Test(hostRows.AsSpan(j * n, n), b);
        }

        return tests;
    }

    /// <summary>The refugee row b_j compared with the hosts' row (after the last forward pass).</summary>
    private void ComparedRow(int j, Span<double> b)
    {
        var dj = d.AsSpan(j * n, n);
        double s = 0, total = 0;
        for (var k = 0; k < n; k++)
        {
            s += dj[k];
            total += ohat[(j * n) + k];
        }

        for (var k = 0; k < n; k++)
        {
            b[k] = s > 0 ? dj[k] * total / s : 0;
        }
    }

    private void Forward(double[] x)
    {
        packedXCurrent = false;
        if (blocked && ShareNonZero(x) > DenseForwardShare)
        {
            ForwardBlocked(x);
            return;
        }

        var size = n;
        if (density is null)
        {
            // Ô_j = Σ_i x_ij O_i: only the origins that send people to j contribute.
            DenseKernels.ForRows(size, threads, j =>
            {
                var row = ohat.AsSpan(j * size, size);
                row.Clear();
                for (var i = 0; i < size; i++)
                {
                    var m = x[(i * size) + j];
                    if (m != 0)
                    {
                        DenseKernels.Axpy(m, calls.AsSpan(i * size, size), row);
                    }
                }
            });
            return;
        }

        BuildSparseRows(x);
        DenseKernels.ForRows(size, threads, j =>
        {
            var row = left.AsSpan(j * size, size);
            row.Clear();
            for (var i = 0; i < size; i++)
            {
                var m = x[(i * size) + j];
                if (m != 0)
                {
                    DenseKernels.Axpy(m, calls.AsSpan(i * size, size), row);
                }
            }

            // Ô_jk = Σ_b (XᵀO)_jb x_bk over the sparse rows of X.
            var out_ = ohat.AsSpan(j * size, size);
            out_.Clear();
            for (var b = 0; b < size; b++)
            {
                var value = row[b];
                if (value == 0)
                {
                    continue;
                }

                for (var p = nzStart[b]; p < nzStart[b + 1]; p++)
                {
                    out_[nzIndex[p]] += value * nzValue[p];
                }
            }
        });

        Densities(x);
    }

    private static double ShareNonZero(double[] x)
    {
        var count = 0;
        foreach (var v in x)
        {
            count += v != 0 ? 1 : 0;
        }

        return (double)count / x.Length;
    }

    /// <summary>The forward pass with dense blocked products: Ô = XᵀO, and for RR Ô = (XᵀO)·X.</summary>
    private void ForwardBlocked(double[] x)
    {
        DenseKernels.Transpose(x, xT, n);
        if (density is null)
        {
            DenseKernels.MultiplyPacked(xT, packedCalls, ohat, n, threads, accumulate: false);
            return;
        }

        DenseKernels.MultiplyPacked(xT, packedCalls, left, n, threads, accumulate: false);
        DenseKernels.Pack(x, transposed: false, packedX, n);
        packedXCurrent = true;
        DenseKernels.MultiplyPacked(left, packedX, ohat, n, threads, accumulate: false);
        Densities(x);
    }

    /// <summary>R̂ = Xᵀr and D_jk = Ô_jk/(R̂_k + ε_R) (RR).</summary>
    private void Densities(double[] x)
    {
        var size = n;
        var refugees = density!;
        Array.Clear(rhat);
        for (var i = 0; i < size; i++)
        {
            var r = refugees[i];
            if (r != 0)
            {
                DenseKernels.Axpy(r, x.AsSpan(i * size, size), rhat);
            }
        }

        for (var j = 0; j < size; j++)
        {
            for (var k = 0; k < size; k++)
            {
                d[(j * size) + k] = ohat[(j * size) + k] / (rhat[k] + refugeeFloor);
            }
        }
    }

    private void BuildSparseRows(double[] x)
    {
        var p = 0;
        for (var i = 0; i < n; i++)
        {
            nzStart[i] = p;
            for (var j = 0; j < n; j++)
            {
                var v = x[(i * n) + j];
                if (v != 0)
                {
                    nzIndex[p] = j;
                    nzValue[p] = v;
                    p++;
                }
            }
        }

        nzStart[n] = p;
    }

    /// <summary>Value from the forward pass; with a gradient buffer, the backward pass too.</summary>
    private double Combine(double[] x, double[]? gradient)
    {
        var size = n;
        Array.Clear(rowValues);
        Array.Clear(rowTotalGrad);
        var wantGradient = gradient is not null;
        DenseKernels.ForRows(size, threads, j =>
        {
            var a = hostRows.AsSpan(j * size, size);
            var dj = d.AsSpan(j * size, size);
            var g = gradOhat.AsSpan(j * size, size);
            if (wantGradient)
            {
                g.Clear();
            }

            var hostTotal = hostTotals[j];
            if (hostTotal <= 0)
            {
                return;
            }

            double s = 0, total = 0;
            for (var k = 0; k < size; k++)
            {
                s += dj[k];
                total += ohat[(j * size) + k];
            }

            if (kind == MobilityObjectiveKind.ShareDifference)
            {
                var smoothed = s + shareFloor;
                double value = 0, c = 0;
                for (var k = 0; k < size; k++)
                {
                    var share = dj[k] / smoothed;
                    var e = share - (a[k] / hostTotal);
                    value += e * e;
                    c += e * share;
                }

                rowValues[j] = value;
                if (wantGradient)
                {
                    for (var k = 0; k < size; k++)
                    {
                        var e = (dj[k] / smoothed) - (a[k] / hostTotal);
                        g[k] = 2 * (e - c) / smoothed;
                    }
                }

                return;
            }

            if (s <= 0 || total <= 0)
            {
                return;
            }

            var b = compared.AsSpan(j * size, size);
            var scale = total / s;
            for (var k = 0; k < size; k++)
            {
                b[k] = dj[k] * scale;
            }

            var gb = comparedGrad.AsSpan(j * size, size);
            gb.Clear();
            rowValues[j] = ChiSquare.StatisticAndGradient(a, b, gb, callFloor);
            if (!wantGradient)
            {
                return;
            }


            // b = D·B/S: ∂f/∂D_k = (B/S)(g_k − Σ_l g_l D_l / S), ∂f/∂B = Σ_l g_l D_l / S.
            double mix = 0;
            for (var k = 0; k < size; k++)
            {
                mix += gb[k] * dj[k];
            }

            mix /= s;
            for (var k = 0; k < size; k++)
            {
                g[k] = scale * (gb[k] - mix);
            }

            rowTotalGrad[j] = mix;
        });

        double score = 0;
        foreach (var v in rowValues)
        {
            score += v;
        }

        var spatial = SpatialTerm(x, out var spatialShareGap);
        var result = (scoreWeight * score) + (spatialWeight * spatial);
        if (gradient is null)
        {
            return result;
        }

        Backward(x, gradient, rowTotalGrad, spatialShareGap);
        return result;
    }

    /// <summary>Σ_j (ĉ_j/Σc − c^T_j/Σc^T)², ĉ = Xᵀc; also returns the per-district gaps.</summary>
    private double SpatialTerm(double[] x, out double[] gap)
    {
        gap = new double[n];
        if (spatialWeight == 0 || refugeeOutgoingTotal <= 0)
        {
            return 0;
        }

        for (var i = 0; i < n; i++)
        {
            DenseKernels.Axpy(refugeeOutgoing[i] / refugeeOutgoingTotal, x.AsSpan(i * n, n), gap);
        }

        double sum = 0;
        for (var j = 0; j < n; j++)
        {
            gap[j] -= hostOutgoingShare[j];
            sum += gap[j] * gap[j];
        }

        return sum;
    }

    /// <summary>
    /// ∂f/∂X from G = ∂f/∂Ô with the blocked kernel: O·Gᵀ for RT; (OX)·Gᵀ + (XᵀO)ᵀ·G for RR.
    /// The forward pass may have skipped packing X (sparse path); then it is packed here.
    /// </summary>
    private void BackwardBlocked(double[] x, double[] gradient)
    {
        DenseKernels.Pack(gradOhat, transposed: true, packedGrad, n);
        if (density is null)
        {
            DenseKernels.MultiplyPacked(calls, packedGrad, gradient, n, threads, accumulate: false);
            return;
        }

        if (!packedXCurrent)
        {
            DenseKernels.Pack(x, transposed: false, packedX, n);
        }

        DenseKernels.MultiplyPacked(calls, packedX, work, n, threads, accumulate: false);
        DenseKernels.MultiplyPacked(work, packedGrad, gradient, n, threads, accumulate: false);
        DenseKernels.Transpose(left, workT, n);
        DenseKernels.Pack(gradOhat, transposed: false, packedGrad, n);
        DenseKernels.MultiplyPacked(workT, packedGrad, gradient, n, threads, accumulate: true);
    }

    private void Backward(double[] x, double[] gradient, double[] rowTotalGrad, double[] spatialShareGap)
    {
        var size = n;

        // gradOhat holds ∂f/∂D; turn it into ∂f/∂Ô (and ∂f/∂R̂ for RR), scaled by the score weight.
        if (density is not null)
        {
            // Row by row (the column walk missed the cache on every entry at 500 districts); each
            // k still sums over j in ascending order, so the bits are the same.
            Array.Clear(gradRhat);
            for (var j = 0; j < size; j++)
            {
                var gj = gradOhat.AsSpan(j * size, size);
                var dj = d.AsSpan(j * size, size);
                for (var k = 0; k < size; k++)
                {
                    gradRhat[k] += gj[k] * dj[k];
                }
            }

            for (var k = 0; k < size; k++)
            {
                gradRhat[k] = -scoreWeight * gradRhat[k] / (rhat[k] + refugeeFloor);
            }
        }

        for (var j = 0; j < size; j++)
        {
            for (var k = 0; k < size; k++)
            {
                var idx = (j * size) + k;
                var viaD = density is null ? gradOhat[idx] : gradOhat[idx] / (rhat[k] + refugeeFloor);
                gradOhat[idx] = scoreWeight * (viaD + rowTotalGrad[j]);
            }
        }

        if (blocked)
        {
            BackwardBlocked(x, gradient);
        }
        else if (density is null)
        {
            // Ô = XᵀO: ∂f/∂x_ij = Σ_k G_jk O_ik.
            DenseKernels.MultiplyTransposed(calls, gradOhat, gradient, size, threads, accumulate: false);
        }
        else
        {
            // Ô = XᵀOX. First slot: ∂f/∂x_aj = Σ_k G_jk (OX)_ak. Second: ∂f/∂x_bk = Σ_j (XᵀO)_jb G_jk.
            DenseKernels.ForRows(size, threads, a =>
            {
                var row = work.AsSpan(a * size, size);
                row.Clear();
                var oa = calls.AsSpan(a * size, size);
                for (var b = 0; b < size; b++)
                {
                    var value = oa[b];
                    if (value == 0)
                    {
                        continue;
                    }

                    for (var p = nzStart[b]; p < nzStart[b + 1]; p++)
                    {
                        row[nzIndex[p]] += value * nzValue[p];
                    }
                }
            });
            DenseKernels.MultiplyTransposed(work, gradOhat, gradient, size, threads, accumulate: false);
            DenseKernels.Transpose(left, workT, size);
            DenseKernels.Transpose(gradOhat, gradT, size);
            DenseKernels.MultiplyTransposed(workT, gradT, gradient, size, threads, accumulate: true);
        }

        if (density is not null)
        {
            // R̂ = Xᵀr: ∂f/∂x_ik += ∂f/∂R̂_k · r_i.
            for (var i = 0; i < size; i++)
            {
                if (density[i] != 0)
                {
                    DenseKernels.Axpy(density[i], gradRhat, gradient.AsSpan(i * size, size));
                }
            }
        }

        if (spatialWeight != 0 && refugeeOutgoingTotal > 0)
        {
            for (var i = 0; i < size; i++)
            {
                var weight = 2 * spatialWeight * refugeeOutgoing[i] / refugeeOutgoingTotal;
                if (weight != 0)
                {
                    DenseKernels.Axpy(weight, spatialShareGap, gradient.AsSpan(i * size, size));
                }
            }
        }
    }
}
