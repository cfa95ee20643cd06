using System.Text.Json;
using Mosaic.Mitigation;
using Xunit.Abstractions;

namespace Mosaic.Tests.Mitigation;

/// <summary>
/// Mosaic's optima against scipy's SLSQP (several starts) on planted cities of 5 to 40 districts;
/// the reference values and the script that made them are in TestData/Mitigation/.
/// </summary>
public class ScipyReferenceTests(ITestOutputHelper output)
{
    private static readonly string File = Path.Combine(AppContext.BaseDirectory, "TestData", "Mitigation", "reference_problems.json");

    private const double Allowed = 1e-6;

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
    /// From every start scipy used (stored in the JSON), Mosaic's step 1 and step 2 must end no
    /// worse than scipy's best over those starts by more than 10⁻⁶ relative, for both networks;
    /// step 2 also runs from scipy's own step-1 optimum. Starts where Mosaic ends in a worse
    /// local optimum than the reference from the same point are reported, not failed: the
    /// objective is non-convex and neither method is global. RR step 2 is reported only: from
    /// the same start Mosaic's and SLSQP's paths end in different local optima of its rugged
    /// landscape (planted-12: 549.9 against 536.2 from the identity, either side on other starts),
    /// so there the binding check is <see cref="Optimize_Default_NoWorseThanReferenceBestBy1e6Relative"/>,
    /// the optimiser's global result. Sizes from 20 on run fewer starts (the identity, and the
    /// reference's step-1 optimum for step 2) to stay fast.
    /// </summary>
    [Theory]
    [MemberData(nameof(Problems))]
    public void Minimize_ScipyStarts_NoWorseThanScipyBy1e6Relative(string name)
    {
        var (problem, element) = Load(name);
        var n = problem.Count;
        var starts = element.GetProperty("starts").EnumerateObject().ToDictionary(p => p.Name, p => Matrix(p.Value));
        var failures = new List<string>();
        foreach (var network in new[] { MitigationNetwork.RT, MitigationNetwork.RR })
        {
            var reference = element.GetProperty("reference").GetProperty(network.ToString());
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

                    var (matrix, result) = MobilityOptimizer.Minimize(problem, network, kind, startsUsed[start]);
                    var ours = MobilityOptimizer.Objective(problem, network, kind, matrix);
                    var scipy = run.GetProperty("value").GetDouble();
                    var gap = (ours - scipy) / scipy;
                    output.WriteLine($"{name} {network} {step} from {start}: Mosaic {ours:R} ({result.Iterations} it, {result.ExitReason}), scipy {scipy:R} ({run.GetProperty("iterations").GetInt32()} it, status {run.GetProperty("status").GetInt32()}); gap {gap:E2}{(gap < -1e-6 ? " (Mosaic better)" : gap > 1e-6 ? " (Mosaic worse from this start)" : "")}");
                    Assert.True(MobilityMatrix.MaxViolation(problem, matrix) <= 1e-8, $"{network} {step} from {start}: violation");
                    if (ours < mosaicBest)
                    {
                        (mosaicBest, bestStart) = (ours, start);
                    }
                }

                output.WriteLine($"{name} {network} {step}: best Mosaic {mosaicBest:R} (from {bestStart}), best scipy {scipyBest:R}");
                if (mosaicBest > scipyBest * (1 + Allowed) && !(network == MitigationNetwork.RR && kind == MobilityObjectiveKind.ChiSquareSum))
                {
                    failures.Add($"{network} {step}: Mosaic {mosaicBest:R} > scipy {scipyBest:R}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>
    /// <see cref="MobilityOptimizer.Optimize"/> with its defaults (multi-start) must reach the
    /// reference's best step-2 optimum over all of its starts within 10⁻⁶ relative, both networks,
    /// at every stored size (no exceptions: a gap is a failure).
    /// </summary>
    [Theory]
    [MemberData(nameof(Problems))]
    public void Optimize_Default_NoWorseThanReferenceBestBy1e6Relative(string name)
    {
        var (problem, element) = Load(name);
        foreach (var network in new[] { MitigationNetwork.RT, MitigationNetwork.RR })
        {
            var reference = element.GetProperty("reference").GetProperty(network.ToString());
            var result = MobilityOptimizer.Optimize(problem, network);
            var scipy2 = reference.GetProperty("step2").GetDouble();
            output.WriteLine($"{name} {network}: Mosaic step 2 {result.Step2.Objective:R} ({result.Selected}, {result.Iterations} it, {result.Seconds:F2} s), scipy best {scipy2:R}; gap {(result.Step2.Objective - scipy2) / scipy2:E2}");
            Assert.True(result.MaxViolation <= 1e-8);
            Assert.True(result.Step2.Objective <= scipy2 * (1 + Allowed), $"{network} step 2: Mosaic {result.Step2.Objective:R} > reference {scipy2:R}");
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
