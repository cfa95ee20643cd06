using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.Mitigation;

/// <summary>Options of the mitigation stage, validated before work starts.</summary>
public sealed record MitigationOptions
{
    /// <summary>The data folder (its <c>districts</c> table gives population and rent).</summary>
    public required string DataFolder { get; init; }

    /// <summary>The run folder: reads <c>segregation/</c>, writes <c>mitigation/</c>.</summary>
    public required string RunFolder { get; init; }

    /// <summary>Largest refugee share of any district after the move. Default 0.10 (the paper's).</summary>
    public double Cap { get; init; } = 0.10;

    /// <summary>Networks to optimise. Default both.</summary>
    public IReadOnlyList<MitigationNetwork> Networks { get; init; } = [MitigationNetwork.RT, MitigationNetwork.RR];

    /// <summary>Significance level of the per-district tests. Default 0.01 (the paper's).</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Requested size of the Pareto front (points before the dominance filter). Default 12.</summary>
    public int ParetoPoints { get; init; } = 12;

    /// <summary>Bins of the rent-change histogram. Default 20.</summary>
    public int RentBins { get; init; } = 20;

    /// <summary>Optimiser settings.</summary>
    /// <remarks>
    /// The stage keeps the screened multi-start at every size (<c>MaxFullStarts = 0</c>): on small
    /// cities the full multi-start finds lower Σχ² optima that relocate far more people (planted
    /// 8-district RR: 181 instead of 311, 41,978 people instead of 7,927), with which the DI
    /// baseline and the Pareto construction collapse to 4 points. From 27 districts on both are
    /// the same.
    /// </remarks>
    public MobilityOptions Optimizer { get; init; } = MobilityOptions.Default with { MaxFullStarts = 0 };

    /// <summary>
    /// Optimise the networks concurrently (the outputs are the same bytes either way). Default true.
    /// </summary>
    public bool ConcurrentNetworks { get; init; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (!(Cap > 0 && Cap <= 1))
        {
            throw new MosaicInputException($"--cap must be in (0, 1], got {Cap.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!(Alpha > 0 && Alpha < 1))
        {
            throw new MosaicInputException($"--alpha must be in (0, 1), got {Alpha.ToString(CultureInfo.InvariantCulture)}");
        }

        if (Networks.Count == 0)
        {
            throw new MosaicInputException("at least one network (RT or RR) is required");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ParetoPoints, 2, nameof(ParetoPoints));
        ArgumentOutOfRangeException.ThrowIfLessThan(RentBins, 1, nameof(RentBins));
        Optimizer.Validate();
    }
}

/// <summary>What one network's mitigation found (also written as <c>summary.json</c>).</summary>
public sealed record NetworkSummary
{
    /// <summary>RT or RR.</summary>
    public required string Network { get; init; }

    /// <summary>People relocated: Σ_i r_i (1 − m_ii).</summary>
    public required double Relocated { get; init; }

    /// <summary>Relocated share of all refugees.</summary>
    public required double RelocatedShare { get; init; }

    /// <summary>Districts with p &lt; alpha before the move.</summary>
    public required int SegregatedBefore { get; init; }

    /// <summary>Districts with p &lt; alpha after the move.</summary>
    public required int SegregatedAfter { get; init; }

    /// <summary>Share of all districts that were segregated before and are not after (the paper's 43% / 40%).</summary>
    public required double SegregationReducedShare { get; init; }

    /// <summary>Dissimilarity Index from outgoing call volumes before the move.</summary>
    public required double DiBefore { get; init; }

    /// <summary>Dissimilarity Index after the move.</summary>
    public required double DiAfter { get; init; }

    /// <summary>Step 1's objective (share differences) at its result.</summary>
    public required double ObjectiveStep1 { get; init; }

    /// <summary>Step 2's objective (smoothed chi-square sum) at the final matrix.</summary>
    public required double ObjectiveStep2 { get; init; }

    /// <summary>Exact Σ_j χ²_j after the move.</summary>
    public required double Chi2SumAfter { get; init; }

    /// <summary>Exact Σ_j χ²_j before the move.</summary>
    public required double Chi2SumBefore { get; init; }

    /// <summary>Projected-gradient iterations of both steps.</summary>
    public required int Iterations { get; init; }

    /// <summary>Why step 1 stopped.</summary>
    public required string ExitReasonStep1 { get; init; }

    /// <summary>Why step 2 stopped.</summary>
    public required string ExitReasonStep2 { get; init; }

    /// <summary>Largest constraint violation of the final matrix.</summary>
    public required double MaxViolation { get; init; }

    /// <summary>
    /// How far along the segment from doing nothing to the optimum the published plan lies (1 = the
    /// optimum); below 1 when the optimum would leave more districts segregated (see <see cref="SegregationGuard"/>).
    /// </summary>
    public required double GuardFraction { get; init; }
}

/// <summary>Everything the stage computed, for the CLI to render.</summary>
/// <param name="OutputFolder">The <c>mitigation/</c> folder written.</param>
/// <param name="Summaries">One per network.</param>
/// <param name="Districts">Number of districts.</param>
public sealed record MitigationRunResult(string OutputFolder, IReadOnlyList<NetworkSummary> Summaries, int Districts);

/// <summary>
/// The <c>mitigate</c> stage: reads the segregation stage's call matrices and populations and the
/// districts table, runs the behavioural optimisation, the DI baseline, the Pareto front and the
/// rent analysis per network, and writes everything to <c>RUN/mitigation/</c>.
/// </summary>
public static class MitigationStage
{
    /// <summary>Name of the output folder inside the run folder.</summary>
    public const string FolderName = "mitigation";

    /// <summary>Runs the stage.</summary>
    /// <exception cref="MosaicInputException">Missing or malformed inputs, or an infeasible cap.</exception>
    public static MitigationRunResult Run(MitigationOptions options, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var segregation = Path.Combine(options.RunFolder, "segregation");
        // Prefer the segregation stage's exact (internal) counts; the published files have small cells suppressed.
        var exact = Path.Combine(segregation, Segregation.SegregationStage.InternalFolder);
        var source = File.Exists(Path.Combine(exact, "call_matrices.csv")) ? exact : segregation;
        var callsPath = Path.Combine(source, "call_matrices.csv");
        var populationsPath = Path.Combine(source, "populations.csv");
        foreach (var path in new[] { callsPath, populationsPath })
        {
            if (!File.Exists(path))
            {
                throw new MosaicInputException(path, null, "not found: run `mosaic segregation` first");
            }
        }

        progress.Step("reading inputs");
        var districts = ReadDistricts(options.DataFolder);
        var problem = MitigationInputs.Build(districts, callsPath, populationsPath, options.Cap);
        problem.EnsureCapIsFeasible(populationsPath);

        var output = Path.Combine(options.RunFolder, FolderName);
        Directory.CreateDirectory(output);
        var summaries = new List<NetworkSummary>();
        var flows = new StringBuilder("network,from_district,to_district,people\n");
        var rentRows = new StringBuilder("network,from_district,to_district,people,rent_from,rent_to,change_per_person,change_total\n");
        var pareto = new StringBuilder("network,point,chi2_sum,di,relocated,segregated_districts,method\n");
        var baselines = new SortedDictionary<string, object>(StringComparer.Ordinal);
        var rents = new SortedDictionary<string, object>(StringComparer.Ordinal);
        var summaryJson = new SortedDictionary<string, object>(StringComparer.Ordinal);
        var timings = new Dictionary<string, double>();

        // The networks are independent: with more than one they run concurrently, and their
        // outputs are joined in the order of options.Networks, so the files are the same bytes
        // as one after the other (tested). Each keeps every thread: the optimiser's results do
        // not depend on its thread count, and its parallel phases (screening of the step-2
        // starts, the kernels from 96 districts on) then fill the cores when the other network
        // is in a sequential phase or done.
        var outcomes = options.ConcurrentNetworks && options.Networks.Count > 1
            ? Task.WhenAll(options.Networks.Select(network => Task.Run(() => RunNetwork(problem, network, options, output, progress)))).GetAwaiter().GetResult()
            : [.. options.Networks.Select(network => RunNetwork(problem, network, options, output, progress))];
        foreach (var outcome in outcomes)
        {
            var name = outcome.Summary.Network;
            summaries.Add(outcome.Summary);
            summaryJson[name] = outcome.Summary;
            flows.Append(outcome.Flows);
            rentRows.Append(outcome.RentRows);
            pareto.Append(outcome.Pareto);
            rents[name] = outcome.Rent;
            baselines[name] = outcome.Baseline;
            foreach (var (key, seconds) in outcome.Timings)
            {
                timings[key] = seconds;
            }
        }

        AtomicFile.WriteAllText(Path.Combine(output, "flows.csv"), flows.ToString());
        AtomicFile.WriteAllText(Path.Combine(output, "rent.csv"), rentRows.ToString());
        AtomicFile.WriteAllText(Path.Combine(output, "pareto.csv"), pareto.ToString());
        WriteJson(Path.Combine(output, "summary.json"), summaryJson);
        WriteJson(Path.Combine(output, "di_baseline.json"), baselines);
        WriteJson(Path.Combine(output, "rent_summary.json"), rents);

        var inputs = new List<InputFile> { InputFile.Of(callsPath), InputFile.Of(populationsPath) };
        var districtsFile = DataFolder.TablePath(options.DataFolder, CanonicalTables.Districts);
        inputs.Add(InputFile.Of(districtsFile));
        timings["total"] = clock.Elapsed.TotalSeconds;
        new Manifest
        {
            Stage = "mitigate",
            Parameters = new Dictionary<string, string>
            {
                ["cap"] = Manifest.Format(options.Cap),
                ["alpha"] = Manifest.Format(options.Alpha),
                ["networks"] = string.Join(',', options.Networks),
                ["pareto_points"] = Manifest.Format(options.ParetoPoints),
                ["rent_bins"] = Manifest.Format(options.RentBins),
                ["tolerance"] = Manifest.Format(options.Optimizer.Tolerance),
                ["max_iterations"] = Manifest.Format(options.Optimizer.MaxIterations),
                ["converge_step2"] = options.Optimizer.ConvergeStep2 ? "true" : "false",
            },
            Inputs = inputs,
            Counts = new Dictionary<string, long>
            {
                ["districts"] = problem.Count,
                ["refugees"] = (long)Math.Round(problem.TotalRefugees),
            },
            TimingsSeconds = timings,
            FinishedUtc = null,
        }.WriteTo(output);
        return new MitigationRunResult(output, summaries, problem.Count);
    }

    /// <summary>What one network contributes to the stage's files.</summary>
    private sealed record NetworkOutcome(
        NetworkSummary Summary,
        string Flows,
        string RentRows,
        string Pareto,
        object Rent,
        object Baseline,
        IReadOnlyDictionary<string, double> Timings);

    /// <summary>Optimises one network and computes its rent, DI baseline and Pareto front; writes its matrix file.</summary>
    private static NetworkOutcome RunNetwork(MitigationProblem problem, MitigationNetwork network, MitigationOptions options, string output, IProgress<StageProgress>? progress)
    {
        var flows = new StringBuilder();
        var rentRows = new StringBuilder();
        var pareto = new StringBuilder();
        var timings = new Dictionary<string, double>();
        var name = network.ToString();
        var optimised = MobilityOptimizer.Optimize(problem, network, options.Optimizer, progress);
        var (guarded, fraction) = SegregationGuard.Apply(problem, network, optimised.Matrix, options.Alpha);
        var result = optimised with
        {
            Matrix = guarded,
            Step2 = optimised.Step2 with { Objective = MobilityOptimizer.Objective(problem, network, MobilityObjectiveKind.ChiSquareSum, guarded) },
            MaxViolation = MobilityMatrix.MaxViolation(problem, guarded),
        };
        timings[$"optimise_{name}"] = result.Seconds;
        var identity = MobilityMatrix.Identity(problem.Count);
        var before = DistrictTests.After(problem, network, identity);
        var after = DistrictTests.After(problem, network, result.Matrix);
        var reduced = before.Zip(after).Count(p => p.First.IsSegregated(options.Alpha) && !p.Second.IsSegregated(options.Alpha));
        var relocated = MobilityMatrix.Relocated(problem, result.Matrix);
        var summary = new NetworkSummary
        {
            Network = name,
            Relocated = relocated,
            RelocatedShare = problem.TotalRefugees > 0 ? relocated / problem.TotalRefugees : 0,
            SegregatedBefore = DistrictTests.Segregated(before, options.Alpha),
            SegregatedAfter = DistrictTests.Segregated(after, options.Alpha),
            SegregationReducedShare = (double)reduced / problem.Count,
            DiBefore = Dissimilarity.After(problem, network, identity),
            DiAfter = Dissimilarity.After(problem, network, result.Matrix),
            ObjectiveStep1 = result.Step1.Objective,
            ObjectiveStep2 = result.Step2.Objective,
            Chi2SumBefore = before.Sum(t => t.Chi2),
            Chi2SumAfter = after.Sum(t => t.Chi2),
            Iterations = result.Iterations,
            ExitReasonStep1 = result.Step1.ExitReason.ToString(),
            ExitReasonStep2 = result.Step2.ExitReason.ToString(),
            MaxViolation = result.MaxViolation,
            GuardFraction = fraction,
        };
        WriteMatrix(Path.Combine(output, $"mobility_{name}.csv"), problem, result.Matrix);

        progress.Step($"{name}: rent");
        var rent = RentAnalysis.Compute(problem, result.Matrix, options.RentBins);
        foreach (var f in rent.Flows)
        {
            flows.Append(CultureInfo.InvariantCulture, $"{name},{f.FromDistrict},{f.ToDistrict},{R(f.People)}\n");
            rentRows.Append(CultureInfo.InvariantCulture,
                $"{name},{f.FromDistrict},{f.ToDistrict},{R(f.People)},{R(f.RentFrom)},{R(f.RentTo)},{R(f.ChangePerPerson)},{R(f.ChangeTotal)}\n");
        }

        var rentSummary = new
        {
            relocated = rent.Relocated,
            net_monthly_change = rent.NetChange,
            per_person_monthly = rent.PerPerson,
            increases_monthly = rent.Increases,
            decreases_monthly = rent.Decreases,
            histogram = rent.Histogram.Select(b => new { lower = b.Lower, upper = b.Upper, people = b.People }),
            subsidies = rent.Subsidies.Select(s => new { district_id = s.DistrictId, people_in = s.PeopleIn, subsidy_monthly = s.Subsidy }),
        };

        progress.Step($"{name}: DI baseline (linear programme)");
        var baseline = DissimilarityBaseline.Solve(problem, network, relocated);
        timings[$"baseline_{name}"] = baseline.Seconds;
        var baselineTests = DistrictTests.After(problem, network, baseline.Matrix);
        var baselineSummary = new
        {
            relocation_budget = baseline.RelocationBudget,
            status = baseline.Status,
            behavioural = new
            {
                relocated,
                di_after = summary.DiAfter,
                segregated_after = summary.SegregatedAfter,
                chi2_sum_after = summary.Chi2SumAfter,
            },
            di_optimised = new
            {
                relocated = baseline.Relocated,
                di_after = baseline.DiAfter,
                segregated_after = DistrictTests.Segregated(baselineTests, options.Alpha),
                chi2_sum_after = baselineTests.Sum(t => t.Chi2),
                max_violation = baseline.MaxViolation,
            },
            di_before = baseline.DiBefore,
            segregated_before = summary.SegregatedBefore,
            districts = problem.Count,
        };

        progress.Step($"{name}: Pareto front");
        var paretoClock = Stopwatch.StartNew();
        var front = ParetoFront.Compute(problem, network, result.Matrix, baseline.Matrix, options.Alpha, options.ParetoPoints,
            options.Optimizer with { MaxIterations = Math.Min(options.Optimizer.MaxIterations, 300) });
        timings[$"pareto_{name}"] = paretoClock.Elapsed.TotalSeconds;
        foreach (var p in front)
        {
            pareto.Append(CultureInfo.InvariantCulture,
                $"{name},{p.Point},{R(p.Chi2Sum)},{R(p.Di)},{R(p.Relocated)},{p.SegregatedDistricts},{p.Method}\n");
        }
        return new NetworkOutcome(summary, flows.ToString(), rentRows.ToString(), pareto.ToString(), rentSummary, baselineSummary, timings);
    }

    private static List<(int Id, double Population, double Rent)> ReadDistricts(string dataFolder)
    {
        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        DataFolder.Attach(session, dataFolder);
        var rows = session.Query(
            "SELECT district_id, population, monthly_rent FROM districts ORDER BY district_id",
            r => (r.GetInt32(0), r.IsDBNull(1) ? double.NaN : Convert.ToDouble(r.GetValue(1), CultureInfo.InvariantCulture),
                r.IsDBNull(2) ? double.NaN : r.GetDouble(2)));
        var table = DataFolder.TablePath(dataFolder, CanonicalTables.Districts);
        foreach (var (id, population, rent) in rows)
        {
            if (double.IsNaN(population) || population < 0)
            {
                throw new MosaicInputException(table, null, $"district {id} has no population: the cap needs one");
            }

            if (double.IsNaN(rent) || rent < 0)
            {
                throw new MosaicInputException(table, null, $"district {id} has no monthly_rent");
            }
        }

        return rows;
    }

    private static void WriteMatrix(string path, MitigationProblem problem, double[,] matrix)
    {
        // Rows: destination district j; columns: origin district i; entry m_ji.
        var text = new StringBuilder("to_district");
        foreach (var id in problem.DistrictIds)
        {
            text.Append(CultureInfo.InvariantCulture, $",{id}");
        }

        text.Append('\n');
        for (var j = 0; j < problem.Count; j++)
        {
            text.Append(problem.DistrictIds[j].ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < problem.Count; i++)
            {
                text.Append(',').Append(R(matrix[j, i]));
            }

            text.Append('\n');
        }

        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static void WriteJson(string path, object value) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Manifest.JsonOptions) + "\n");

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
