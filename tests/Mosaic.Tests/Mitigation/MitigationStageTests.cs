using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Cli;
using Mosaic.Data;
using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

public class MitigationStageTests
{
    /// <summary>A data folder with a districts table and empty other tables, and the segregation outputs of a planted city.</summary>
    internal static MitigationProblem WriteFixture(TempFolder dir, int n = 8, int seed = 3)
    {
        var problem = PlantedCity.Generate(n, seed);
        using (var session = new DuckDbSession(new EngineOptions(Threads: 1)))
        {
            foreach (var (table, ddl) in CanonicalTables.Ddl)
            {
                session.Execute($"CREATE TABLE {table} ({ddl})");
            }

            for (var j = 0; j < n; j++)
            {
                session.Execute(string.Create(CultureInfo.InvariantCulture,
                    $"INSERT INTO districts VALUES ({problem.DistrictIds[j]}, 'd{j}', {problem.Population[j]}, {problem.Rent[j]}, NULL)"));
            }

            DataFolder.Write(session, dir.File("data"));
        }

        var calls = new StringBuilder("network,origin_district,dest_district,calls\n");
        foreach (var (name, matrix) in new[] { ("RR", problem.CallsRR), ("RT", problem.CallsRT), ("TR", problem.CallsRT), ("TT", problem.CallsTT) })
        {
            for (var i = 0; i < n; i++)
            {
                for (var k = 0; k < n; k++)
                {
                    if (matrix[i, k] > 0)
                    {
                        calls.Append(CultureInfo.InvariantCulture, $"{name},{problem.DistrictIds[i]},{problem.DistrictIds[k]},{matrix[i, k]}\n");
                    }
                }
            }
        }

        dir.Write("run/segregation/call_matrices.csv", calls.ToString());
        var populations = new StringBuilder("district_id,refugees,hosts,refugees_from_calls,hosts_from_calls\n");
        for (var j = 0; j < n; j++)
        {
            populations.Append(CultureInfo.InvariantCulture, $"{problem.DistrictIds[j]},{problem.Refugees[j]},{problem.Hosts[j]},0,0\n");
        }

        dir.Write("run/segregation/populations.csv", populations.ToString());
        return problem;
    }

    [Fact]
    public void Run_PlantedFixture_WritesFeasibleConsistentOutputs()
    {
        using var dir = new TempFolder();
        var problem = WriteFixture(dir);
        var result = MitigationStage.Run(new MitigationOptions { DataFolder = dir.File("data"), RunFolder = dir.File("run") });
        var output = dir.File("run/mitigation");
        foreach (var file in new[] { "mobility_RT.csv", "mobility_RR.csv", "flows.csv", "summary.json", "di_baseline.json", "pareto.csv", "rent.csv", "rent_summary.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        // The matrix file reproduces a feasible M.
        var lines = File.ReadAllLines(Path.Combine(output, "mobility_RT.csv"));
        Assert.Equal("to_district," + string.Join(',', problem.DistrictIds), lines[0]);
        var n = problem.Count;
        var m = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            var fields = lines[j + 1].Split(',');
            for (var i = 0; i < n; i++)
            {
                m[j, i] = double.Parse(fields[i + 1], CultureInfo.InvariantCulture);
            }
        }

        Assert.True(MobilityMatrix.MaxViolation(problem, m) <= 1e-8);

        // Planted segregation: every district starts segregated; the optimisation reduces the count,
        // and the DI baseline reduces the DI while respecting the same relocation budget.
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        using var baseline = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "di_baseline.json")));
        foreach (var network in new[] { "RT", "RR" })
        {
            var s = summary.RootElement.GetProperty(network);
            Assert.True(s.GetProperty("segregated_after").GetInt32() < s.GetProperty("segregated_before").GetInt32(), network);
            Assert.True(s.GetProperty("max_violation").GetDouble() <= 1e-8);
            var b = baseline.RootElement.GetProperty(network);
            var lp = b.GetProperty("di_optimised");
            Assert.True(lp.GetProperty("di_after").GetDouble() < b.GetProperty("di_before").GetDouble() - 1e-6, network);
            Assert.True(lp.GetProperty("relocated").GetDouble() <= b.GetProperty("relocation_budget").GetDouble() * (1 + 1e-6) + 1e-6);
            Assert.True(lp.GetProperty("max_violation").GetDouble() <= 1e-8);
        }

        // Flows add up to the relocated people of the summary.
        var flows = File.ReadAllLines(Path.Combine(output, "flows.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f[0] == "RT").Sum(f => double.Parse(f[3], CultureInfo.InvariantCulture));
        Assert.Equal(summary.RootElement.GetProperty("RT").GetProperty("relocated").GetDouble(), flows, 6);

        // The Pareto front has at least ten points, none dominated by another.
        var pareto = File.ReadAllLines(Path.Combine(output, "pareto.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var network in new[] { "RT", "RR" })
        {
            var points = pareto.Where(f => f[0] == network)
                .Select(f => (Chi: double.Parse(f[2], CultureInfo.InvariantCulture), Di: double.Parse(f[3], CultureInfo.InvariantCulture))).ToList();
            Assert.True(points.Count >= 10, $"{network}: {points.Count} points");
            Assert.DoesNotContain(points, p => points.Any(q => q.Chi <= p.Chi && q.Di <= p.Di && (q.Chi < p.Chi || q.Di < p.Di)));
        }

        Assert.Equal(2, result.Summaries.Count);
    }

    [Fact]
    public void Run_SameInputsTwice_ByteIdenticalOutputs()
    {
        using var dir = new TempFolder();
        WriteFixture(dir, n: 5, seed: 9);
        var options = new MitigationOptions { DataFolder = dir.File("data"), RunFolder = dir.File("run"), Networks = [MitigationNetwork.RT] };
        MitigationStage.Run(options);
        var first = ReadOutputs(dir.File("run/mitigation"));
        MitigationStage.Run(options with { Optimizer = options.Optimizer with { Threads = 1 } });
        Assert.Equal(first, ReadOutputs(dir.File("run/mitigation")));
    }

    [Fact]
    public void Run_BothNetworksConcurrently_SameBytesAsOneAfterTheOther()
    {
        using var dir = new TempFolder();
        WriteFixture(dir, n: 6, seed: 11);
        var options = new MitigationOptions { DataFolder = dir.File("data"), RunFolder = dir.File("run"), ParetoPoints = 3 };
        MitigationStage.Run(options with { Optimizer = MobilityOptions.Default with { Threads = 2 } });
        var concurrent = ReadOutputs(dir.File("run/mitigation"));
        MitigationStage.Run(options with { ConcurrentNetworks = false, Optimizer = MobilityOptions.Default with { Threads = 1 } });
        var sequential = ReadOutputs(dir.File("run/mitigation"));
        Assert.Contains("\nRR,", sequential["pareto.csv"], StringComparison.Ordinal);
        Assert.Contains("\nRT,", sequential["pareto.csv"], StringComparison.Ordinal);
        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void Cli_SegregationMissing_Exit2WithHint()
    {
        using var dir = new TempFolder();
        var error = new StringWriter();
        var code = CliApp.Run(["mitigate", "--data", dir.File("data"), "--out", dir.File("run")], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("run `mosaic segregation` first", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_InfeasibleCap_Exit2NamingTheCap()
    {
        using var dir = new TempFolder();
        WriteFixture(dir, n: 5, seed: 9);
        var error = new StringWriter();
        var code = CliApp.Run(["mitigate", "--data", dir.File("data"), "--out", dir.File("run"), "--cap", "0.001"], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("infeasible", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_UnknownDistrictInCallMatrix_Exit2WithFileAndLine()
    {
        using var dir = new TempFolder();
        WriteFixture(dir, n: 5, seed: 9);
        File.AppendAllText(dir.File("run/segregation/call_matrices.csv"), "RT,999,1,5\n");
        var error = new StringWriter();
        var code = CliApp.Run(["mitigate", "--data", dir.File("data"), "--out", dir.File("run")], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Matches(@"call_matrices\.csv:\d+: district 999", error.ToString());
    }

    [Fact]
    public void Cli_Converge_ReachesTheOptimiser()
    {
        // On this city the default step 2 stops on its budget above the converged optimum, so a
        // --converge that did not reach the optimiser would give the same objective and fail.
        using var dir = new TempFolder();
        WriteFixture(dir, n: 12, seed: 5);
        double Step2(params string[] extra)
        {
            var code = CliApp.Run(["mitigate", "--data", dir.File("data"), "--out", dir.File("run"), "--network", "RR", .. extra], new StringWriter(), new StringWriter());
            Assert.Equal(0, code);
            using var summary = JsonDocument.Parse(File.ReadAllText(dir.File("run/mitigation/summary.json")));
            return summary.RootElement.GetProperty("RR").GetProperty("objective_step2").GetDouble();
        }

        var defaults = Step2();
        Assert.Contains("\"converge_step2\": \"false\"", File.ReadAllText(dir.File("run/mitigation/manifest.json")), StringComparison.Ordinal);
        var converged = Step2("--converge");
        Assert.Contains("\"converge_step2\": \"true\"", File.ReadAllText(dir.File("run/mitigation/manifest.json")), StringComparison.Ordinal);
        Assert.True(converged < defaults * (1 - 1e-6), $"--converge {converged} vs default {defaults}");
    }

    private static Dictionary<string, string> ReadOutputs(string folder) =>
        Directory.GetFiles(folder).Where(f => !f.EndsWith("manifest.json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
}
