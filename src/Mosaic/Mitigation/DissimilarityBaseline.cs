using System.Diagnostics;
using Google.OrTools.LinearSolver;

namespace Mosaic.Mitigation;

/// <summary>The Dissimilarity Index of refugees against hosts, from outgoing call volumes (the paper's population proxy).</summary>
public static class Dissimilarity
{
    /// <summary>
    /// ½ Σ_j |c^T_j / Σc^T − c^R_j / Σc^R|; 0 when either total is 0. <paramref name="refugeeCalls"/>
    /// and <paramref name="hostCalls"/> are per-district outgoing call volumes.
    /// </summary>
    public static double Index(IReadOnlyList<double> hostCalls, IReadOnlyList<double> refugeeCalls)
    {
        ArgumentNullException.ThrowIfNull(hostCalls);
        ArgumentNullException.ThrowIfNull(refugeeCalls);
        var totalT = hostCalls.Sum();
        var totalR = refugeeCalls.Sum();
        if (totalT <= 0 || totalR <= 0)
        {
            return 0;
        }

        double sum = 0;
        for (var j = 0; j < hostCalls.Count; j++)
        {
            sum += Math.Abs((hostCalls[j] / totalT) - (refugeeCalls[j] / totalR));
        }

        return sum / 2;
    }

    /// <summary>Outgoing call volumes (row sums) of a call matrix.</summary>
    public static double[] Outgoing(double[,] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var n = calls.GetLength(0);
        var totals = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < calls.GetLength(1); k++)
            {
                totals[i] += calls[i, k];
            }
        }

        return totals;
    }

    /// <summary>The DI after applying M: the refugees' outgoing calls become M·c^R.</summary>
    public static double After(MitigationProblem problem, MitigationNetwork network, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(matrix);
        var refugee = Outgoing(problem.RefugeeCalls(network));
        var n = problem.Count;
        var moved = new double[n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                moved[j] += matrix[j, i] * refugee[i];
            }
        }

        return Index(Outgoing(problem.CallsTT), moved);
    }
}

/// <summary>Result of the Dissimilarity-Index baseline.</summary>
/// <param name="Network">Network whose refugee calls define c^R.</param>
/// <param name="Matrix">The DI-minimising mobility matrix, M[j, i] = m_ji, made exactly feasible.</param>
/// <param name="RelocationBudget">The cap on relocated people (the behavioural solution's).</param>
/// <param name="Relocated">People the baseline relocates.</param>
/// <param name="DiBefore">DI before any move.</param>
/// <param name="DiAfter">DI after the baseline's move.</param>
/// <param name="Status">The LP solver's status (OPTIMAL when solved).</param>
/// <param name="MaxViolation">Largest constraint violation of <paramref name="Matrix"/> (see <see cref="MobilityMatrix.MaxViolation"/>).</param>
/// <param name="Seconds">Solve time.</param>
public sealed record DissimilarityBaselineResult(
    MitigationNetwork Network,
    double[,] Matrix,
    double RelocationBudget,
    double Relocated,
    double DiBefore,
    double DiAfter,
    string Status,
    double MaxViolation,
    double Seconds);

/// <summary>
/// The paper's baseline (§4.2): minimise the Dissimilarity Index under the same constraints as
/// the behavioural optimisation, with the relocated people capped at a budget. The DI is
/// piecewise linear in M, so this is a linear programme, solved with OR-Tools' GLOP:
/// variables m_ji and t_j ≥ |Σ_i m_ji c^R_i / Σc^R − c^T_j / Σc^T|, minimise ½ Σ_j t_j subject
/// to Σ_j m_ji = 1, Σ_i m_ji r_i ≤ cap·population_j, Σ_i r_i (1 − m_ii) ≤ budget, 0 ≤ m ≤ 1.
/// </summary>
public static class DissimilarityBaseline
{
    /// <summary>Solves the linear programme; the returned matrix is made exactly feasible.</summary>
    public static DissimilarityBaselineResult Solve(MitigationProblem problem, MitigationNetwork network, double relocationBudget)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.EnsureCapIsFeasible("mitigation problem");
        var clock = Stopwatch.StartNew();
        var n = problem.Count;
        var refugeeCalls = Dissimilarity.Outgoing(problem.RefugeeCalls(network));
        var hostCalls = Dissimilarity.Outgoing(problem.CallsTT);
        var totalR = refugeeCalls.Sum();
        var totalT = hostCalls.Sum();
        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("OR-Tools GLOP is not available");
        var m = new Variable[n, n];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                m[j, i] = solver.MakeNumVar(0, 1, "");
            }
        }

        for (var i = 0; i < n; i++)
        {
            var column = solver.MakeConstraint(1, 1, "");
            for (var j = 0; j < n; j++)
            {
                column.SetCoefficient(m[j, i], 1);
            }
        }

        var objective = solver.Objective();
        for (var j = 0; j < n; j++)
        {
            var capacity = solver.MakeConstraint(double.NegativeInfinity, problem.Capacity(j), "");
            var t = solver.MakeNumVar(0, double.PositiveInfinity, "");
            objective.SetCoefficient(t, 0.5);
            var target = totalT > 0 ? hostCalls[j] / totalT : 0;

            // t_j ≥ share_j − target_j and t_j ≥ target_j − share_j.
            var above = solver.MakeConstraint(-target, double.PositiveInfinity, "");
            var below = solver.MakeConstraint(target, double.PositiveInfinity, "");
            above.SetCoefficient(t, 1);
            below.SetCoefficient(t, 1);
            for (var i = 0; i < n; i++)
            {
                capacity.SetCoefficient(m[j, i], problem.Refugees[i]);
                var weight = totalR > 0 ? refugeeCalls[i] / totalR : 0;
                above.SetCoefficient(m[j, i], -weight);
                below.SetCoefficient(m[j, i], weight);
            }
        }

        // Σ_i r_i m_ii ≥ Σ_i r_i − budget.
        var stay = solver.MakeConstraint(problem.TotalRefugees - relocationBudget, double.PositiveInfinity, "");
        for (var i = 0; i < n; i++)
        {
            stay.SetCoefficient(m[i, i], problem.Refugees[i]);
        }

        objective.SetMinimization();
        var status = solver.Solve();
        var matrix = new double[n, n];
        if (status is Solver.ResultStatus.OPTIMAL or Solver.ResultStatus.FEASIBLE)
        {
            for (var j = 0; j < n; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    matrix[j, i] = m[j, i].SolutionValue();
                }
            }

            matrix = MobilityMatrix.MakeFeasible(problem, matrix);
        }
        else
        {
            matrix = MobilityMatrix.MakeFeasible(problem, MobilityMatrix.Identity(n));
        }

        var diBefore = Dissimilarity.Index(hostCalls, refugeeCalls);
        return new DissimilarityBaselineResult(
            network,
            matrix,
            relocationBudget,
            MobilityMatrix.Relocated(problem, matrix),
            diBefore,
            Dissimilarity.After(problem, network, matrix),
            status.ToString(),
            MobilityMatrix.MaxViolation(problem, matrix),
            clock.Elapsed.TotalSeconds);
    }
}
