using System.Globalization;
using Mosaic.Data;
using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

/// <summary>
/// A small synthetic city made in SQL with hash-based (deterministic) draws: 8 districts, 800
/// refugees and 4,000 hosts, 40 calls each. Hosts call their own district with probability 0.5
/// and a uniform district otherwise; refugees do the same, except in the planted districts where
/// a share <c>effect</c> of their calls moves from their own district to district 8 (7 for 8).
/// </summary>
public class PlantedCityTests
{
    internal static string MakeCity(TempFolder temp, double effect, IReadOnlyCollection<int> planted, int callsPerSubscriber = 40)
    {
        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        var plantedList = planted.Count == 0 ? "NULL" : string.Join(", ", planted);
        var e = effect.ToString(CultureInfo.InvariantCulture);
        session.Execute($"""
            INSERT INTO districts SELECT d, 'd' || d, 10000, 10.0, 1000 FROM range(1, 9) t(d);
            INSERT INTO cells SELECT d * 10, 'c' || d, NULL, NULL, d FROM range(1, 9) t(d);
            INSERT INTO subscribers SELECT id, 'x', true, NULL, NULL FROM range(1, 801) t(id);
            INSERT INTO subscribers SELECT 10000 + id, 'city', false, NULL, NULL FROM range(1, 4001) t(id);
            INSERT INTO calls
            WITH draws AS (
                SELECT subscriber_id AS caller, is_refugee AS r, ((subscriber_id % 10000 - 1) % 8) + 1 AS home, m,
                       (hash(subscriber_id, m, 1) % 1000000) / 1e6 AS u1,
                       (hash(subscriber_id, m, 2) % 1000000) / 1e6 AS u2,
                       hash(subscriber_id, m, 3) AS h3, hash(subscriber_id, m, 4) AS h4
                FROM subscribers, range(0, {callsPerSubscriber}) t(m)
            ), dests AS (
                SELECT *,
                       CASE WHEN r AND home IN ({plantedList}) AND u1 < 0.5 - {e} THEN home
                            WHEN r AND home IN ({plantedList}) AND u1 < 0.5 THEN CASE WHEN home = 8 THEN 7 ELSE 8 END
                            WHEN u1 < 0.5 THEN home
                            ELSE 1 + (h3 % 8) END AS dest,
                       CASE WHEN r THEN u2 < 0.5 ELSE u2 < 0.05 END AS to_refugee
                FROM draws
            )
            SELECT caller,
                   CASE WHEN to_refugee THEN 8 * (h4 % 100) + dest ELSE 10000 + 8 * (h4 % 500) + dest END,
                   TIMESTAMP '2026-01-05 20:00:00' + to_minutes(CAST((m * 173 + caller) % 20000 AS INTEGER)),
                   60, 'call', home * 10, dest * 10
            FROM dests;
            """);
        var folder = Path.Combine(temp.Path, "data");
        DataFolder.Write(session, folder);
        return folder;
    }

    private static HashSet<int> Segregated(SegregationResult result, string comparison) =>
        result.Tests.Where(t => t.Comparison == comparison && t.Segregated == true).Select(t => t.DistrictId).ToHashSet();

    [Fact]
    public void Run_PlantedDistricts_FoundWithFullRecallAndPrecision()
    {
        using var temp = new TempFolder();
        var data = MakeCity(temp, effect: 0.1, planted: [1, 2, 3]);
        var result = SegregationStage.Run(new SegregationOptions(), data, Path.Combine(temp.Path, "run"));

        Assert.Equal([1, 2, 3], Segregated(result, SegregationStage.RtVsTt).Order());
        Assert.Equal([1, 2, 3], Segregated(result, SegregationStage.RrVsTt).Order());
        // The effect shows in Cramér's V too, not only in p: planted districts stand apart.
        var v = result.Tests.Where(t => t.Comparison == SegregationStage.RtVsTt).ToDictionary(t => t.DistrictId, t => t.Test!.CramersV);
        Assert.True(new[] { 1, 2, 3 }.Min(d => v[d]) > new[] { 4, 5, 6, 7, 8 }.Max(d => v[d]));
        Assert.DoesNotContain(result.Tests, t => t.Suppressed);
    }

    [Fact]
    public void Run_ControlCity_FewRejectionsAfterBenjaminiHochberg()
    {
        using var temp = new TempFolder();
        var data = MakeCity(temp, effect: 0, planted: []);
        var result = SegregationStage.Run(new SegregationOptions(), data, Path.Combine(temp.Path, "run"));

        var testable = result.Tests.Where(t => t.Test is not null).ToList();
        Assert.Equal(16, testable.Count);
        Assert.True(testable.Count(t => t.QValue < 0.05) <= 1, string.Join(", ", testable.Select(t => $"{t.Comparison}/{t.DistrictId}: p={t.Test!.PValue:G3}")));
        // Residential DI from the districts table: every district holds 1000 refugees of 10000.
        Assert.Equal(0, result.Indices.Dissimilarity["from_populations"], 12);
    }
}
