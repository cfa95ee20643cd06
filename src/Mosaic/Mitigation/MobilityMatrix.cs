namespace Mosaic.Mitigation;

/// <summary>
/// Helpers on mobility matrices: layout conversion, constraint checks, relocated people and the
/// exact capacity repair. Public matrices are M[j, i] = m_ji (destination j, origin i); the
/// optimiser works on X = Mᵀ flattened row-major so that each origin's column is contiguous.
/// </summary>
public static class MobilityMatrix
{
    /// <summary>The identity: nobody moves.</summary>
    public static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    /// <summary>
    /// Largest violation of the constraints on M: |Σ_j m_ji − 1|, entries below 0 or above 1, and
    /// max(0, Σ_i m_ji r_i − cap·population_j) in people.
    /// </summary>
    public static double MaxViolation(MitigationProblem problem, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(matrix);
        var n = problem.Count;
        double worst = 0;
        for (var i = 0; i < n; i++)
        {
            double column = 0;
            for (var j = 0; j < n; j++)
            {
                var m = matrix[j, i];
                column += m;
                worst = Math.Max(worst, Math.Max(-m, m - 1));
            }

            worst = Math.Max(worst, Math.Abs(column - 1));
        }

        var loads = RefugeesAfter(problem, matrix);
        for (var j = 0; j < n; j++)
        {
            worst = Math.Max(worst, loads[j] - problem.Capacity(j));
        }

        return worst;
    }

    /// <summary>Refugees living in each district after the move: Σ_i m_ji r_i.</summary>
    public static double[] RefugeesAfter(MitigationProblem problem, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(matrix);
        var n = problem.Count;
        var loads = new double[n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                loads[j] += matrix[j, i] * problem.Refugees[i];
            }
        }

        return loads;
    }

    /// <summary>People who leave their district: Σ_i r_i (1 − m_ii).</summary>
    public static double Relocated(MitigationProblem problem, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(matrix);
        double moved = 0;
        for (var i = 0; i < problem.Count; i++)
        {
            moved += problem.Refugees[i] * (1 - matrix[i, i]);
        }

        return moved;
    }

    /// <summary>
    /// Makes M exactly feasible: each column is projected onto the simplex, then the capacity repair runs.
    /// Used for matrices from other solvers (the linear programme), whose constraints hold only to
    /// their own tolerance.
    /// </summary>
    public static double[,] MakeFeasible(MitigationProblem problem, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var n = problem.Count;
        var x = ToX(matrix);
        Projector(n)(x);
        RepairCapacityX(x, [.. problem.Refugees], [.. Enumerable.Range(0, n).Select(problem.Capacity)], n);
        return FromX(x, n);
    }

    /// <summary>
    /// The exact capacity repair: for every district j above its capacity u_j the same fraction
    /// e_j / r̂_j (plus 1e-12 of margin) of every origin's people sent to j is sent instead to the
    /// districts with the most spare room (or, with <paramref name="byLoad"/>, to the districts with
    /// room that already hold the most refugees), in proportion to their spare room, so that no
    /// receiving district overflows. Column sums and bounds are kept exactly. After a converged
    /// augmented Lagrangian the amounts moved are within its tolerance (relative 1e-9); at the
    /// iteration limit they can be percents of a capacity, and then where they go matters (see
    /// <see cref="MobilityOptimizer"/>'s end of step, which tries both receiver rules).
    /// </summary>
    internal static void RepairCapacityX(double[] x, double[] refugees, double[] capacity, int n, bool byLoad = false)
    {
        var loads = LoadsX(x, refugees, n);

        var excess = new double[n];
        double totalExcess = 0;
        for (var j = 0; j < n; j++)
        {
            if (loads[j] > capacity[j] && loads[j] > 0)
            {
                excess[j] = Math.Min(loads[j], loads[j] - capacity[j] + (1e-12 * Math.Max(capacity[j], 1)));
                totalExcess += excess[j];
            }
        }

        if (totalExcess == 0)
        {
            return;
        }

        // Receivers: the districts with the most room (byLoad: with room and the most refugees
        // already), enough of them to take twice the excess.
        var receivers = Enumerable.Range(0, n)
            .Where(k => excess[k] == 0 && capacity[k] - loads[k] > 0)
            .OrderByDescending(k => byLoad ? loads[k] : capacity[k] - loads[k]).ThenBy(k => k)
            .ToList();
        var chosen = new List<int>();
        double room = 0;
        foreach (var k in receivers)
        {
            chosen.Add(k);
            room += capacity[k] - loads[k];
            if (room >= 2 * totalExcess)
            {
                break;
            }
        }

        if (room < totalExcess)
        {
            throw new InvalidOperationException("capacity repair: not enough room although the cap is feasible");
        }

        for (var j = 0; j < n; j++)
        {
            if (excess[j] == 0)
            {
                continue;
            }

            var fraction = excess[j] / loads[j];
            for (var i = 0; i < n; i++)
            {
                var idx = (i * n) + j;
                var moved = x[idx] * fraction;
                if (moved == 0 || refugees[i] == 0)
                {
                    continue;
                }

                x[idx] -= moved;
                foreach (var k in chosen)
                {
                    x[(i * n) + k] += moved * (capacity[k] - loads[k]) / room;
                }
            }
        }
    }

    /// <summary>Refugees in each district after the move of the flat matrix <paramref name="x"/> (origin i's column at i·n, as laid out by <see cref="ToX"/>).</summary>
    internal static double[] LoadsX(double[] x, double[] refugees, int n)
    {
        var loads = new double[n];
        for (var i = 0; i < n; i++)
        {
            DenseKernels.Axpy(refugees[i], x.AsSpan(i * n, n), loads);
        }

        return loads;
    }

    /// <summary>True when no district's refugees after the move of <paramref name="x"/> exceed its capacity (what <see cref="RepairCapacityX"/> leaves alone).</summary>
    internal static bool MeetsCapacitiesX(double[] x, double[] refugees, double[] capacity, int n)
    {
        var loads = LoadsX(x, refugees, n);
        for (var j = 0; j < n; j++)
        {
            if (loads[j] > capacity[j])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>X = Mᵀ, row-major.</summary>
    internal static double[] ToX(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n)
        {
            throw new ArgumentException("the mobility matrix must be square", nameof(matrix));
        }

        var x = new double[n * n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                x[(i * n) + j] = matrix[j, i];
            }
        }

        return x;
    }

    /// <summary>M from X = Mᵀ.</summary>
    internal static double[,] FromX(double[] x, int n)
    {
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                m[j, i] = x[(i * n) + j];
            }
        }

        return m;
    }

    /// <summary>X for M = I.</summary>
    internal static double[] IdentityX(int n)
    {
        var x = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            x[(i * n) + i] = 1;
        }

        return x;
    }

    /// <summary>
    /// Projects every origin's row of X onto the simplex (the feasible set without the capacities).
    /// From <see cref="MobilityObjective.BlockedThreshold"/> districts on the rows are projected by
    /// Michelot's method (<see cref="SimplexProjection.ProjectUnsorted"/>, no sort) and, being
    /// independent, split over <paramref name="threads"/> threads (default: every core) with the same bits.
    /// </summary>
    internal static Action<double[]> Projector(int n, int threads = 0)
    {
        var scratch = new double[n];
        if (n < MobilityObjective.BlockedThreshold)
        {
            return x =>
            {
                for (var i = 0; i < n; i++)
                {
                    SimplexProjection.Project(x.AsSpan(i * n, n), scratch);
                }
            };
        }

        var workers = threads > 0 ? threads : Environment.ProcessorCount;
        return x => DenseKernels.ForRows(n, workers, i => SimplexProjection.ProjectUnsorted(x.AsSpan(i * n, n)));
    }
}
