using System.Diagnostics;
using System.Globalization;
using Mosaic.Runs;

namespace Mosaic.Mitigation;

/// <summary>Settings of the mobility optimiser, validated before work starts.</summary>
public sealed record MobilityOptions
{
    /// <summary>Stationarity tolerance: ‖P(x − ∇f) − x‖_∞ with f scaled to 1 at the start point. Default 1e-9.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>Largest number of projected-gradient iterations per step, over all outer loops. Default 2 000.</summary>
    public int MaxIterations { get; init; } = 2_000;

    /// <summary>Largest number of augmented-Lagrangian outer iterations per step. Default 40.</summary>
    public int MaxOuterIterations { get; init; } = 40;

    /// <summary>Largest relative capacity excess accepted before the final repair. Default 1e-9.</summary>
    public double ConstraintTolerance { get; init; } = 1e-9;

    /// <summary>Length of the nonmonotone line search's memory. Default 10.</summary>
    public int LineSearchMemory { get; init; } = 10;

    /// <summary>
    /// Fixed starts of step 2 besides step 1's matrix and the identity (capacity-proportional
    /// spread, then seeded half-identity mixtures); every start is screened with an eighth of
    /// the budget and the best continues with the full budget. Default 2.
    /// </summary>
    public int ExtraStarts { get; init; } = 2;

    /// <summary>
    /// Largest number of step-2 starts run with the full budget on small problems, where the
    /// multi-start work budget (see <see cref="MobilityOptimizer.Optimize"/>) affords more than the
    /// screened scheme. 0 disables it (always screen). Default 48.
    /// </summary>
    public int MaxFullStarts { get; init; } = 48;

    /// <summary>Alternate the projected-gradient iterations with an L-BFGS polish on the current face (<see cref="FaceQuasiNewton"/>). Default true.</summary>
    public bool FacePolish { get; init; } = true;

    /// <summary>
    /// Polish faces of dimension up to <see cref="FaceNewton.MaxDimension"/> by active-set Newton
    /// (difference Hessian, KKT-residual stopping) instead of projected-gradient bursts and
    /// L-BFGS. Default (null): Newton for RT, L-BFGS for RR, the better of the two on the scipy
    /// reference problems (docs/mitigation.md): on RR, whose objective is quartic in M, Newton
    /// converged to worse local optima from most of scipy's starts.
    /// </summary>
    public bool? NewtonPolish { get; init; }

    /// <summary>
    /// Evaluations over which <see cref="StagnationTolerance"/> is judged: a subproblem whose
    /// objective fell by less than that (relative) over this many evaluations stops as
    /// <see cref="MobilityExitReason.Stagnated"/>. 0 turns the rule off. Default 0 (off): with a
    /// window of 100 and 10⁻⁵ it never fired on the planted 39- and 200-district cities, and where
    /// it fires it can cost the augmented Lagrangian extra outer iterations (docs/mitigation.md).
    /// </summary>
    public int StagnationWindow { get; init; }

    /// <summary>Relative decrease over <see cref="StagnationWindow"/> evaluations below which a subproblem stops. Default 1e-5.</summary>
    public double StagnationTolerance { get; init; } = 1e-5;

    /// <summary>
    /// Solve each augmented-Lagrangian subproblem by projected Newton (<see cref="ProjectedNewton"/>:
    /// reduced Hessian by differences, trust-region steps, stopped on the KKT residual) instead of
    /// projected-gradient bursts and a face polish. Default false.
    /// </summary>
    public bool UseProjectedNewton { get; init; }

    /// <summary>
    /// After the step-2 multi-start, continue the best point with <see cref="UseProjectedNewton"/>
    /// for up to <see cref="ConvergeEvaluations"/> evaluations, stopping when the KKT residual is
    /// within <see cref="Tolerance"/> (kept only if it lowers the objective). Default false: it
    /// costs about 5 times the default's CPU (14 CPU-s at 39 districts; docs/mitigation.md,
    /// "Projected Newton").
    /// </summary>
    public bool ConvergeStep2 { get; init; }

    /// <summary>Largest number of objective evaluations of <see cref="ConvergeStep2"/>. Default 200 000.</summary>
    public int ConvergeEvaluations { get; init; } = 200_000;

    /// <summary>Threads for the dense kernels. Default: every core.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The defaults.</summary>
    public static MobilityOptions Default { get; } = new();

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(Tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "must be positive");
        }

        if (!(ConstraintTolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ConstraintTolerance), ConstraintTolerance, "must be positive");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIterations, 1, nameof(MaxIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOuterIterations, 1, nameof(MaxOuterIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(LineSearchMemory, 1, nameof(LineSearchMemory));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfNegative(ExtraStarts, nameof(ExtraStarts));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFullStarts, nameof(MaxFullStarts));
        ArgumentOutOfRangeException.ThrowIfLessThan(ConvergeEvaluations, 1, nameof(ConvergeEvaluations));
    }
}

/// <summary>How one optimisation step ended.</summary>
/// <param name="Kind">The objective minimised.</param>
/// <param name="Objective">Its value at the returned matrix (after the feasibility repair).</param>
/// <param name="Iterations">Projected-gradient iterations, over all outer loops.</param>
/// <param name="OuterIterations">Augmented-Lagrangian outer iterations.</param>
/// <param name="ExitReason">Why it stopped.</param>
/// <param name="ProjectedGradientNorm">Final stationarity measure (scaled objective, before the repair).</param>
public sealed record MobilityStepResult(
    MobilityObjectiveKind Kind,
    double Objective,
    int Iterations,
    int OuterIterations,
    MobilityExitReason ExitReason,
    double ProjectedGradientNorm);

/// <summary>A mobility matrix and how it was found.</summary>
/// <param name="Network">The network optimised.</param>
/// <param name="Matrix">M[j, i] = m_ji, the fraction of district i's refugees moved to district j (columns sum to 1).</param>
/// <param name="Step1">The share-difference step.</param>
/// <param name="Step2">The chi-square step, started from step 1's matrix.</param>
/// <param name="MaxViolation">
/// Largest violation of any constraint on the returned matrix: column sums off 1, entries outside
/// [0, 1], or refugees above a district's capacity (in people).
/// </param>
/// <param name="Seconds">Wall-clock time of both steps.</param>
public sealed record MobilityResult(
    MitigationNetwork Network,
    double[,] Matrix,
    MobilityStepResult Step1,
    MobilityStepResult Step2,
    double MaxViolation,
    double Seconds)
{
    /// <summary>Projected-gradient iterations of both steps.</summary>
    public int Iterations => Step1.Iterations + Step2.Iterations;

    /// <summary>Why step 2 (the final one) stopped.</summary>
    public MobilityExitReason ExitReason => Step2.ExitReason;

    /// <summary>Which candidate was returned: step 2's optimum unless step 1's matrix or doing nothing scores lower in step 2's objective.</summary>
    public MobilitySelection Selected { get; init; } = MobilitySelection.Optimum;
}

/// <summary>Which feasible candidate the optimiser returned (the lowest step-2 objective wins).</summary>
public enum MobilitySelection
{
    /// <summary>Step 2's optimum.</summary>
    Optimum,

    /// <summary>Step 1's matrix: step 2 ended above its own start.</summary>
    Step1,

    /// <summary>The identity (repaired to the cap if needed): no relocation scored better than the optimiser's result.</summary>
    Identity,
}

/// <summary>
/// Finds the mobility matrix of the behavioural-segregation study (Rhoads et al. 2020, §4.1):
/// step 1 minimises the squared difference of destination shares, step 2, from step 1's matrix,
/// the sum of the districts' chi-square statistics. Each step is a spectral projected gradient
/// method with exact projection of each column of M onto the simplex, inside an
/// augmented-Lagrangian loop for the capacity constraints Σ_i m_ji r_i ≤ cap·population_j,
/// followed by an exact feasibility repair (see <see cref="MobilityMatrix.MakeFeasible"/>).
/// </summary>
public static class MobilityOptimizer
{
    /// <summary>Runs both steps from M = I (nobody moves) and returns the final matrix.</summary>
    /// <exception cref="MosaicInputException">The cap cannot be met by any relocation.</exception>
    public static MobilityResult Optimize(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityOptions? options = null,
        IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        options ??= MobilityOptions.Default;
        options.Validate();
        problem.EnsureCapIsFeasible("mitigation problem");
        var clock = Stopwatch.StartNew();
        var x = MobilityMatrix.IdentityX(problem.Count);
        progress.Step($"{network}: step 1 (share differences)");
        var step1 = MinimizeX(problem, network, MobilityObjectiveKind.ShareDifference, x, options, 1, 0);
        progress.Step($"{network}: step 2 (chi-square sum)");
        var afterStep1 = (double[])x.Clone();

        // Step 2 is non-convex: deterministic multi-start from step 1's optimum, the identity and
        // the extra fixed starts (capacity-proportional spread, seeded mixtures). Small problems
        // run these and seeded random starts in full, as many as a fixed work budget allows;
        // larger ones screen each start with an eighth of the budget and continue the best.
        var candidates = new List<double[]> { (double[])afterStep1.Clone(), MobilityMatrix.IdentityX(problem.Count) };
        candidates.AddRange(ExtraStarts(problem, options.ExtraStarts));
        var fullStarts = FullStarts(problem.Count, options);
        var step2 = fullStarts > candidates.Count
            ? FullMultiStart(problem, network, options, candidates, fullStarts, x)
            : ScreenedMultiStart(problem, network, options, candidates, x);
        if (options.ConvergeStep2)
        {
            // MinimizeX never ends above its start, so this can only lower the objective.
            var converged = MinimizeX(problem, network, MobilityObjectiveKind.ChiSquareSum, x, options with { UseProjectedNewton = true, MaxIterations = options.ConvergeEvaluations }, 1, 0);
            step2 = converged with { Iterations = step2.Iterations + converged.Iterations };
        }

        // Keep the best feasible candidate in step 2's own objective: the objective is non-convex,
        // and the capacity penalty and final repair can leave step 2 above its own start or above
        // doing nothing, which must never be the published plan (issue 8: on the medium city RT
        // ended with more segregated districts than before). Identity is repaired first when it
        // breaks the cap. Ties keep the earlier candidate, so the choice is deterministic.
        var chi = new MobilityObjective(problem, network, MobilityObjectiveKind.ChiSquareSum);
        var identity = MobilityMatrix.IdentityX(problem.Count);
        MobilityMatrix.RepairCapacityX(identity, [.. problem.Refugees], [.. Enumerable.Range(0, problem.Count).Select(problem.Capacity)], problem.Count);
        var selected = MobilitySelection.Optimum;
        var best = x;
        var bestValue = step2.Objective;
        foreach (var (candidate, label) in new[] { (afterStep1, MobilitySelection.Step1), (identity, MobilitySelection.Identity) })
        {
            var value = chi.Value(candidate);
            if (value < bestValue)
            {
                (best, bestValue, selected) = (candidate, value, label);
            }
        }

        step2 = step2 with { Objective = bestValue };
        var matrix = MobilityMatrix.FromX(best, problem.Count);
        return new MobilityResult(network, matrix, step1, step2, MobilityMatrix.MaxViolation(problem, matrix), clock.Elapsed.TotalSeconds)
        {
            Selected = selected,
        };
    }

    /// <summary>
    /// Step-2 work the multi-start may spend, in full runs at 39 districts: the screened scheme's
    /// cost there (four screens of an eighth of the budget and one full run, 1.5 full runs).
    /// </summary>
    private const double MultiStartWork = 1.5;

    /// <summary>
    /// How many step-2 starts get the full budget: the multi-start work budget spent on full runs,
    /// each costing about n³ per evaluation (RR's M·O·Mᵀ and its gradient), so a 12-district problem
    /// affords 50 runs for the cost of one screened multi-start at 39; capped by
    /// <see cref="MobilityOptions.MaxFullStarts"/>. Small RR problems have many local optima that
    /// screening with an eighth of the budget does not tell apart (planted-8 and -12: the screened
    /// value hardly predicts the final one), so there every start runs in full.
    /// </summary>
    internal static int FullStarts(int n, MobilityOptions options)
    {
        var affordable = MultiStartWork * Math.Pow(39.0 / Math.Max(n, 1), 3);
        return (int)Math.Min(options.MaxFullStarts, Math.Floor(affordable));
    }

    /// <summary>
    /// Small problems: step 2 from each of the fixed <paramref name="candidates"/> in full, then an
    /// iterated local search up to <paramref name="count"/> runs: each further start is the best
    /// point so far mixed with a seeded random matrix, (1 − t)·M_best + t·R (feasible for the
    /// column sums and bounds, which are convex), t cycling through 0.6, 0.3 and 0.9. Restarts near
    /// the incumbent find the neighbouring, often lower, optima of RR's rugged step 2 far more
    /// often than independent random starts (planted-12: 541.4 → 468.9 where 24 random starts never
    /// went below 549.9). The lowest objective is copied to <paramref name="x"/> (ties: the earlier).
    /// </summary>
    private static MobilityStepResult FullMultiStart(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityOptions options,
        List<double[]> candidates,
        int count,
        double[] x)
    {
        MobilityStepResult? best = null;
        var iterations = 0;
        void Run(double[] start)
        {
            var run = MinimizeX(problem, network, MobilityObjectiveKind.ChiSquareSum, start, options, 1, 0);
            iterations += run.Iterations;
            if (best is null || run.Objective < best.Objective)
            {
                best = run;
                Array.Copy(start, x, x.Length);
            }
        }

        foreach (var start in candidates)
        {
            Run(start);
        }

        ReadOnlySpan<double> mixes = [0.6, 0.3, 0.9];
        var r = 0;
        foreach (var random in RandomStarts(problem.Count, count - candidates.Count))
        {
            var t = mixes[r++ % mixes.Length];
            for (var k = 0; k < random.Length; k++)
            {
                random[k] = ((1 - t) * x[k]) + (t * random[k]);
            }

            Run(random);
        }

        return best! with { Iterations = iterations };
    }

    /// <summary>
    /// Seeded random feasible-by-columns starts of four kinds in turn: a random distribution per
    /// origin (exponentials normalised, i.e. Dirichlet(1)), a concentrated one (exponentials cubed,
    /// a few destinations take most), and each mixed half and half with staying put. The
    /// generator is fixed, so the first k starts are the same whatever the count.
    /// </summary>
    private static IEnumerable<double[]> RandomStarts(int n, int count)
    {
        var random = new Random(20202);
        for (var s = 0; s < count; s++)
        {
            var power = s % 2 == 0 ? 1 : 3;
            var stay = s % 4 < 2 ? 0.0 : 0.5;
            var x = new double[n * n];
            for (var i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * n, n);
                double sum = 0;
                for (var j = 0; j < n; j++)
                {
                    row[j] = Math.Pow(-Math.Log(1 - random.NextDouble()), power);
                    sum += row[j];
                }

                for (var j = 0; j < n; j++)
                {
                    row[j] = ((1 - stay) * row[j] / sum) + (i == j ? stay : 0);
                }
            }

            yield return x;
        }
    }

    /// <summary>
    /// Larger problems: every candidate is screened with an eighth of the budget; the lowest
    /// screened point (ties: the earlier start) continues with the full budget into
    /// <paramref name="x"/>, and the result never ends above its screened value. RR of
    /// <see cref="BothPolishesFrom"/> to <see cref="BothPolishesTo"/> districts (polish not set in
    /// the options) screens every candidate once with each face polish, L-BFGS and then Newton, and
    /// the lowest screened pair continues with its polish (ties: the earlier pair, so L-BFGS): which
    /// polish reaches the lower local optimum differs from problem to problem (planted-30 RR: Newton
    /// 2,451.6, L-BFGS 4,791.4; docs/mitigation.md).
    /// </summary>
    private static MobilityStepResult ScreenedMultiStart(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityOptions options,
        List<double[]> candidates,
        double[] x)
    {
        bool?[] polishes = network == MitigationNetwork.RR && options.NewtonPolish is null && problem.Count is >= BothPolishesFrom and <= BothPolishesTo
            ? [false, true]
            : [options.NewtonPolish];
        var starts = new List<double[]>(candidates);
        var polish = candidates.Select(_ => polishes[0]).ToList();
        foreach (var extra in polishes.Skip(1))
        {
            // Each screening overwrites its start in place: the other polishes get copies.
            starts.AddRange(candidates.Select(c => (double[])c.Clone()));
            polish.AddRange(candidates.Select(_ => extra));
        }

        // The screening runs are independent: they run concurrently (up to options.Threads at a
        // time, the kernels' threads split between them) and the winner is chosen by the fixed
        // rule, so the result is the same for any thread count (tested).
        var parallelScreens = starts.Count > 1 ? Math.Min(options.Threads, starts.Count) : 1;
        var screening = options with
        {
            MaxIterations = Math.Max(1, options.MaxIterations / 8),
            Threads = Math.Max(1, options.Threads / parallelScreens),
        };
        var screened = new MobilityStepResult?[starts.Count];
        if (starts.Count > 1)
        {
            Parallel.For(0, starts.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelScreens }, c =>
                screened[c] = MinimizeX(problem, network, MobilityObjectiveKind.ChiSquareSum, starts[c], screening with { NewtonPolish = polish[c] }, 1, 0));
        }

        var screenedIterations = 0;
        var bestScreened = -1;
        var bestScreenedValue = double.PositiveInfinity;
        for (var c = 0; c < starts.Count && starts.Count > 1; c++)
        {
            screenedIterations += screened[c]!.Iterations;
            if (screened[c]!.Objective < bestScreenedValue)
            {
                (bestScreened, bestScreenedValue) = (c, screened[c]!.Objective);
            }
        }

        var winner = Math.Max(bestScreened, 0);
        Array.Copy(starts[winner], x, x.Length);
        var screenedPoint = (double[])x.Clone();
        var step2 = MinimizeX(problem, network, MobilityObjectiveKind.ChiSquareSum, x, options with { NewtonPolish = polish[winner] }, 1, 0);
        if (bestScreened >= 0 && bestScreenedValue < step2.Objective)
        {
            // The continuation restarts the penalty; never let it end above its own start.
            Array.Copy(screenedPoint, x, x.Length);
            step2 = step2 with { Objective = bestScreenedValue };
        }

        step2 = step2 with { Iterations = step2.Iterations + screenedIterations };

        return step2;
    }

    /// <summary>
    /// RR problems of this many districts and up to <see cref="BothPolishesTo"/> screen their
    /// step-2 starts with both face polishes (see ScreenedMultiStart): 27 is where the default
    /// multi-start switches from full runs to screening (below it, Newton ended RR in worse local
    /// optima on most of the reference starts).
    /// </summary>
    internal const int BothPolishesFrom = 27;

    /// <summary>
    /// Above this size RR screens with L-BFGS alone: the faces there mostly exceed
    /// <see cref="FaceNewton.MaxDimension"/>, where Newton falls back to L-BFGS anyway, and the
    /// extra screens would add to a step that already misses its time target.
    /// </summary>
    internal const int BothPolishesTo = 100;

    /// <summary>
    /// The extra step-2 starts, fixed for determinism: every origin spread in proportion to the
    /// districts' capacities, then half-identity, half-random mixtures from a seeded generator.
    /// </summary>
    private static IEnumerable<double[]> ExtraStarts(MitigationProblem problem, int count)
    {
        var n = problem.Count;
        var capacity = Enumerable.Range(0, n).Select(problem.Capacity).ToArray();
        var total = capacity.Sum();
        var random = new Random(20201);
        for (var s = 0; s < count; s++)
        {
            var x = new double[n * n];
            for (var i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * n, n);
                if (s == 0)
                {
                    for (var j = 0; j < n; j++)
                    {
                        row[j] = capacity[j] / total;
                    }

                    continue;
                }

                double sum = 0;
                for (var j = 0; j < n; j++)
                {
                    row[j] = -Math.Log(1 - random.NextDouble());
                    sum += row[j];
                }

                for (var j = 0; j < n; j++)
                {
                    row[j] = (0.5 * row[j] / sum) + (i == j ? 0.5 : 0);
                }
            }

            yield return x;
        }
    }

    /// <summary>Minimises one objective from <paramref name="start"/> (M[j, i] = m_ji) and returns the matrix and how it ended.</summary>
    public static (double[,] Matrix, MobilityStepResult Step) Minimize(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityObjectiveKind kind,
        double[,] start,
        MobilityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(start);
        options ??= MobilityOptions.Default;
        options.Validate();
        problem.EnsureCapIsFeasible("mitigation problem");
        var x = MobilityMatrix.ToX(start);
        var step = MinimizeX(problem, network, kind, x, options, 1, 0);
        return (MobilityMatrix.FromX(x, problem.Count), step);
    }

    /// <summary>The objective of <paramref name="kind"/> at M (M[j, i] = m_ji), without the capacity penalty.</summary>
    public static double Objective(MitigationProblem problem, MitigationNetwork network, MobilityObjectiveKind kind, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var objective = new MobilityObjective(problem, network, kind);
        return objective.Value(MobilityMatrix.ToX(matrix));
    }

    /// <summary>
    /// The augmented-Lagrangian loop around the projected-gradient method, on X = Mᵀ in place.
    /// The objective is scaled to 1 at the start point so that one tolerance fits every problem.
    /// </summary>
    internal static MobilityStepResult MinimizeX(
        MitigationProblem problem,
        MitigationNetwork network,
        MobilityObjectiveKind kind,
        double[] x,
        MobilityOptions options,
        double scoreWeight,
        double spatialWeight)
    {
        var n = problem.Count;
        var objective = new MobilityObjective(problem, network, kind, options.Threads, scoreWeight, spatialWeight);
        var refugees = problem.Refugees.ToArray();
        var capacity = Enumerable.Range(0, n).Select(problem.Capacity).ToArray();
        var floor = Math.Max(problem.TotalRefugees / n * 1e-3, 1e-12);
        var weight = capacity.Select(u => Math.Max(u, floor)).ToArray();
        var project = MobilityMatrix.Projector(n);
        var rowScale = RowScale(problem, network);
        project(x);
        var start = objective.Value(x);
        var scale = start > 0 && double.IsFinite(start) ? 1 / start : 1;
        // The start, repaired to the capacities, is kept if the step would end above it (see the end).
        var startPoint = (double[])x.Clone();
        var startValue = RepairBoth(objective, startPoint, refugees, capacity, n, start);

        var multipliers = new double[n];
        var rho = 10.0;
        var loads = new double[n];
        void Loads(double[] point)
        {
            Array.Clear(loads);
            for (var i = 0; i < n; i++)
            {
                if (refugees[i] != 0)
                {
                    DenseKernels.Axpy(refugees[i], point.AsSpan(i * n, n), loads);
                }
            }
        }

        double Penalty(double[] point, double[]? gradient)
        {
            Loads(point);
            double penalty = 0;
            var shifted = new double[n];
            for (var j = 0; j < n; j++)
            {
                var h = (loads[j] - capacity[j]) / weight[j];
                var s = Math.Max(0, h + (multipliers[j] / rho));
                penalty += 0.5 * rho * s * s;
                shifted[j] = rho * s / weight[j];
            }

            if (gradient is not null)
            {
                for (var i = 0; i < n; i++)
                {
                    if (refugees[i] != 0)
                    {
                        DenseKernels.Axpy(refugees[i], shifted, gradient.AsSpan(i * n, n));
                    }
                }
            }

            return penalty;
        }

        double Value(double[] point) => (scale * objective.Value(point)) + Penalty(point, null);
        double ValueAndGradient(double[] point, double[] gradient)
        {
            var f = objective.ValueAndGradient(point, gradient);
            for (var k = 0; k < gradient.Length; k++)
            {
                gradient[k] *= scale;
            }

            return (scale * f) + Penalty(point, gradient);
        }

        var trace = MitigationTrace.Start(string.Create(CultureInfo.InvariantCulture, $"{network} {kind} n={n}"));
        var traced = (Value: trace is null ? Value : trace.Count(Value), ValueAndGradient: trace is null ? ValueAndGradient : trace.Count(ValueAndGradient));
        var workspace = options.FacePolish ? new FaceQuasiNewton.Workspace(n) : null;
        var iterations = 0;
        var outer = 0;
        var reason = MobilityExitReason.IterationLimit;
        var pgNorm = double.NaN;
        var previousViolation = double.PositiveInfinity;
        while (outer < options.MaxOuterIterations)
        {
            outer++;
            // Inexact subproblems (as in ALGENCAN): a loose stationarity tolerance while the
            // multipliers are still wrong, tightened tenfold per outer iteration, so that the
            // budget is not spent polishing the first penalty problem's optimum.
            var tolerance = Math.Max(options.Tolerance, 1e-3 * Math.Pow(0.1, outer - 1));
            // The first penalty problem gets at most half the budget, so that the multiplier
            // updates that bring the capacities within tolerance are never starved (the final
            // repair of a point 0.4% over capacity cost RR step 2 on 39 districts half its gain).
            var allowance = options.MaxIterations - iterations;
            if (outer == 1 && options.MaxOuterIterations > 1)
            {
                allowance = Math.Max(1, allowance / 2);
            }

            var run = Subproblem(traced.Value, traced.ValueAndGradient, project, x, n, options with { Tolerance = tolerance }, allowance, rowScale, options.NewtonPolish ?? network == MitigationNetwork.RT, workspace, trace);
            iterations += run.Iterations;
            pgNorm = run.ProjectedGradientNorm;
            Loads(x);
            double violation = 0, complementarity = 0;
            for (var j = 0; j < n; j++)
            {
                var h = (loads[j] - capacity[j]) / weight[j];
                violation = Math.Max(violation, h);
                complementarity = Math.Max(complementarity, Math.Min(Math.Max(-h, 0), multipliers[j]));
            }



            var subproblemDone = run.Reason is MobilityExitReason.Stalled or MobilityExitReason.Stagnated || (run.Reason == MobilityExitReason.Converged && tolerance <= options.Tolerance);
            if (subproblemDone && violation <= options.ConstraintTolerance && complementarity <= options.ConstraintTolerance)
            {
                reason = run.Reason;
                break;
            }

            if (iterations >= options.MaxIterations)
            {
                reason = MobilityExitReason.IterationLimit;
                break;
            }

            for (var j = 0; j < n; j++)
            {
                var h = (loads[j] - capacity[j]) / weight[j];
                multipliers[j] = Math.Max(0, multipliers[j] + (rho * h));
            }

            if (violation > 0.25 * previousViolation)
            {
                rho = Math.Min(rho * 10, 1e12);
            }

            previousViolation = violation;
        }

        trace?.Write(string.Create(CultureInfo.InvariantCulture, $"step end: {iterations} iterations, {outer} outer, {reason}"));
        // At the iteration limit the capacities can be off by percents (planted-30 RR step 2: 2%),
        // and the repair then moves that many people. Sent to the districts with the most room
        // (the ones the optimum nearly emptied, where the RR densities are stiffest) they cost
        // planted-30 RR's continuation 1,990 → 7,872; sent to the districts that already hold the
        // most refugees far less. Both repairs are tried and the lower objective is kept (ties:
        // the first), so the step never ends above either.
        var value = RepairBoth(objective, x, refugees, capacity, n, double.NaN);

        // A local method must not return a point above its own start (repaired to the capacities
        // like the end point): from IPOPT's stationary optimum on planted-30 RR (1,754.19) the
        // nonmonotone bursts, the multipliers' cold start and the final repair ended at 1,777.27,
        // and from SLSQP's on planted-12 RR (536.23) at 570.25 (docs/mitigation.md).
        if (startValue < value)
        {
            Array.Copy(startPoint, x, x.Length);
            value = startValue;
        }

        return new MobilityStepResult(kind, value, iterations, outer, reason, pgNorm);
    }

    /// <summary>
    /// Makes <paramref name="x"/> meet the capacities exactly with both receiver rules of
    /// <see cref="MobilityMatrix.RepairCapacityX"/> and keeps the lower objective (ties: the
    /// first) and returns it. A point that already meets them is left alone, and its value is
    /// <paramref name="valueIfFeasible"/> when that is known (not NaN).
    /// </summary>
    private static double RepairBoth(MobilityObjective objective, double[] x, double[] refugees, double[] capacity, int n, double valueIfFeasible)
    {
        if (!double.IsNaN(valueIfFeasible) && MobilityMatrix.MeetsCapacitiesX(x, refugees, capacity, n))
        {
            return valueIfFeasible;
        }

        var byLoad = (double[])x.Clone();
        MobilityMatrix.RepairCapacityX(x, refugees, capacity, n);
        MobilityMatrix.RepairCapacityX(byLoad, refugees, capacity, n, byLoad: true);
        var value = objective.Value(x);
        var byLoadValue = objective.Value(byLoad);
        if (byLoadValue < value)
        {
            Array.Copy(byLoad, x, x.Length);
            value = byLoadValue;
        }

        return value;
    }

    /// <summary>
    /// The polish's diagonal preconditioner, one value per origin i: 1/c_i² with c_i the calls
    /// that origin's refugees make (RT) or make and receive (RR, where they move as callees too),
    /// floored at 10⁻³ of the mean. The objective's curvature along origin i's entries grows like
    /// c_i², so this evens out the spread between small districts and enclaves.
    /// </summary>
    internal static double[] RowScale(MitigationProblem problem, MitigationNetwork network)
    {
        var n = problem.Count;
        var calls = problem.RefugeeCalls(network);
        var c = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                c[i] += calls[i, k] + (network == MitigationNetwork.RR ? calls[k, i] : 0);
            }
        }

        var floor = Math.Max(1e-3 * c.Average(), 1e-300);
        var top = Math.Max(c.Max(), floor);
        return [.. c.Select(v => Math.Pow(top / Math.Max(v, floor), 2))];
    }

    /// <summary>
    /// One augmented-Lagrangian subproblem: projected-gradient iterations (which identify the
    /// face: which entries are zero) alternate with the L-BFGS polish on that face, which converges
    /// where the first-order method crawls. Bursts are short (3 iterations): longer ones free many
    /// entries with crude Barzilai–Borwein steps that the polish then spends many steps driving back
    /// to zero; they lengthen only while the polish stalls. The iteration count is objective
    /// evaluations of both.
    /// </summary>
    private static SpgOutcome Subproblem(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        Action<double[]> project,
        double[] x,
        int n,
        MobilityOptions options,
        int budget,
        double[] rowScale,
        bool useNewton,
        FaceQuasiNewton.Workspace? workspace,
        MitigationTrace? trace)
    {
        var used = 0;
        var burst = 3;
        SpgOutcome run;
        var gradient = new double[x.Length];
        bool[]? released = null;
        var release = new bool[x.Length];
        var previous = double.PositiveInfinity;
        var stagnation = new StagnationMonitor(options.StagnationWindow, options.StagnationTolerance);
        if (options.UseProjectedNewton)
        {
            var newton = ProjectedNewton.Minimize(value, valueAndGradient, x, n, options.Tolerance, budget, trace is null ? null : trace.Write);
            trace?.Write(string.Create(CultureInfo.InvariantCulture, $"projected Newton: {newton.Evaluations}/{budget} evaluations, {newton.NewtonSteps} steps -> {newton.Value:G12}, residual {newton.Residual:E2}, {newton.Reason}"));
            return new SpgOutcome(newton.Evaluations, newton.Value, newton.Residual, newton.Reason);
        }

        while (true)
        {
            // Active-set Newton while the face is small enough: Newton on the face (with the
            // entries freed by the last KKT check), then the KKT residual decides: stop, or free
            // the zero entries whose multiplier has the wrong sign. Projected-gradient bursts free
            // entries by crude Barzilai–Borwein steps, often hundreds at once on a stiff problem,
            // which the polish then has to drive back to zero.
            if (options.FacePolish && useNewton && FaceNewton.Dimension(x, n, released) <= FaceNewton.MaxDimension && used < budget)
            {
                var newton = FaceNewton.Minimize(value, valueAndGradient, x, n, options.Tolerance, budget - used, released);
                used += newton.Evaluations;
                var f = valueAndGradient(x, gradient);
                used++;
                var (residual, count) = FaceNewton.Kkt(x, gradient, n, release);

                if (residual <= options.Tolerance)
                {
                    return new SpgOutcome(used, f, residual, MobilityExitReason.Converged);
                }

                if (used >= budget)
                {
                    return new SpgOutcome(used, f, residual, MobilityExitReason.IterationLimit);
                }

                if (stagnation.Stagnated(used, f))
                {
                    return new SpgOutcome(used, f, residual, MobilityExitReason.Stagnated);
                }

                if (f < previous && count > 0)
                {
                    previous = f;
                    released ??= new bool[x.Length];
                    Array.Copy(release, released, release.Length);
                    continue;
                }

                // No progress since the last check: one short projected-gradient burst decides.
                previous = f;
                released = null;
            }

            run = SpectralProjectedGradient.Minimize(value, valueAndGradient, project, x, options.Tolerance, Math.Min(burst, budget - used), options.LineSearchMemory);
            used += run.Iterations;
            if (run.Reason != MobilityExitReason.IterationLimit || used >= budget || !options.FacePolish)
            {
                return run with { Iterations = used };
            }

            // Faces small enough for a difference Hessian go back to the Newton step above;
            // larger ones get the L-BFGS polish.
            if (useNewton && FaceNewton.Dimension(x, n) <= FaceNewton.MaxDimension)
            {
                continue;
            }

            var polish = FaceQuasiNewton.Minimize(value, valueAndGradient, x, n, options.Tolerance, budget - used, rowScale, workspace);
            used += polish.Evaluations;
            trace?.Write(string.Create(CultureInfo.InvariantCulture, $"round: {used}/{budget} used, burst {run.Iterations} -> {run.Value:G10}, polish {polish.Evaluations} -> {polish.Value:G10}{(polish.Stalled ? " stalled" : "")}"));

            project(x);
            if (used < budget && stagnation.Stagnated(used, polish.Value))
            {
                return new SpgOutcome(used, polish.Value, run.ProjectedGradientNorm, MobilityExitReason.Stagnated);
            }

            burst = polish.Stalled ? Math.Min(burst * 2, 200) : 3;
        }
    }
}
