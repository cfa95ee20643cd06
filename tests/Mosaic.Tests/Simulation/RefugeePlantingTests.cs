using System.Globalization;
using System.Text.Json;
using MathNet.Numerics.Distributions;
using Mosaic.Data;
using Mosaic.Simulation;
using Xunit.Abstractions;

namespace Mosaic.Tests.Simulation;

public sealed class RefugeePlantingTests(ITestOutputHelper output)
{
    [Fact]
    public void Run_ManyRefugees_RecoversDistrictSharesAndSegregatedDestinations()
    {
        using var temp = new TempFolder();
        var folder = temp.File("city");
        var options = new SimulationOptions
        {
            Preset = SimulationPreset.Tiny,
            Seed = 11,
            Attributed = 3_000,
            Subscribers = 30_000,
            Parameters = SimulationParameters.Default with { RefugeeShare = 0.15, EnclaveFactor = 3 },
        };
        Simulator.Run(options, folder);
        var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, Simulator.TruthFileName))).RootElement;
        using var session = new DuckDbSession();
        DataFolder.Attach(session, folder);

        // Home = most frequent night cell (ties to the lower cell id), as DESIGN.md defines it.
        session.Execute("""
            CREATE TEMP TABLE home AS
            WITH ev AS (
                SELECT caller_id AS sid, caller_cell AS cell, start_time FROM calls
                UNION ALL SELECT callee_id, callee_cell, start_time FROM calls
            ), counts AS (
                SELECT sid, cell, count(*) AS n FROM ev
                WHERE (hour(start_time) >= 19 OR hour(start_time) < 7) AND sid IN (SELECT subscriber_id FROM subscribers)
                GROUP BY sid, cell
            )
            SELECT sid, arg_max(cell, n * 100000 - cell) AS cell FROM counts GROUP BY sid
            """);
        var shares = session.Query("""
            SELECT c.district_id, count(*), avg(CASE WHEN s.is_refugee THEN 1.0 ELSE 0.0 END)
            FROM home h JOIN cells c ON c.cell_id = h.cell JOIN subscribers s ON s.subscriber_id = h.sid
            GROUP BY c.district_id ORDER BY c.district_id
            """, r => (District: r.GetInt32(0), N: r.GetInt64(1), Share: r.GetDouble(2)));
        var planted = truth.GetProperty("refugee_share_by_district");
        foreach (var (district, n, share) in shares)
        {
            var p = planted.GetProperty(district.ToString(CultureInfo.InvariantCulture)).GetDouble();
            var tolerance = (4 * Math.Sqrt(p * (1 - p) / n)) + 0.02;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"district {district}: planted {p:F3}, measured {share:F3} over {n} residents (± {tolerance:F3})"));
            Assert.InRange(share, p - tolerance, p + tolerance);
        }

        var enclaves = truth.GetProperty("enclave_districts").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        Assert.Equal(3, enclaves.Count);
        Assert.True(shares.Where(s => enclaves.Contains(s.District)).Min(s => s.Share) > shares.Where(s => !enclaves.Contains(s.District)).Average(s => s.Share));

        // Destinations of refugee and host callers by origin district: a chi-square homogeneity test.
        var table = session.Query("""
            SELECT co.district_id, cd.district_id, s.is_refugee, count(*)
            FROM calls k
            JOIN subscribers s ON s.subscriber_id = k.caller_id
            JOIN cells co ON co.cell_id = k.caller_cell
            JOIN cells cd ON cd.cell_id = k.callee_cell
            WHERE k.callee_id NOT IN (SELECT subscriber_id FROM subscribers)
            GROUP BY ALL
            """, r => (From: r.GetInt32(0), To: r.GetInt32(1), Refugee: r.GetBoolean(2), N: r.GetInt64(3)));
        var segregated = truth.GetProperty("segregated_districts").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        Assert.Equal(3, segregated.Count);
        foreach (var from in table.Select(t => t.From).Distinct().Order())
        {
            var p = ChiSquarePValue(table.Where(t => t.From == from).Select(t => (t.To, t.Refugee, (double)t.N)).ToList());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"origin {from}: p = {p:G3}{(segregated.Contains(from) ? " (planted)" : "")}"));
            if (segregated.Contains(from))
            {
                Assert.True(p < 1e-6, $"planted district {from} not segregated (p = {p})");
            }
            else
            {
                Assert.True(p > 1e-4, $"district {from} segregated without being planted (p = {p})");
            }
        }
    }

    /// <summary>Pearson chi-square homogeneity test of the refugee and host rows (destinations with no calls dropped).</summary>
    private static double ChiSquarePValue(List<(int To, bool Refugee, double N)> cells)
    {
        var columns = cells.Select(c => c.To).Distinct().Order().ToList();
        var rows = new[] { true, false };
        var count = rows.Select(r => columns.Select(c => cells.Where(x => x.Refugee == r && x.To == c).Sum(x => x.N)).ToArray()).ToArray();
        var rowTotals = count.Select(r => r.Sum()).ToArray();
        if (rowTotals.Any(t => t == 0))
        {
            return 1;
        }

        var total = rowTotals.Sum();
        var statistic = 0.0;
        for (var j = 0; j < columns.Count; j++)
        {
            var column = count[0][j] + count[1][j];
            for (var i = 0; i < 2; i++)
            {
                var expected = rowTotals[i] * column / total;
                statistic += (count[i][j] - expected) * (count[i][j] - expected) / expected;
            }
        }

        return 1 - ChiSquared.CDF(columns.Count - 1, statistic);
    }
}
