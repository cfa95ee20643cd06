using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class MixingTests
{
    [Fact]
    public void Compute_HandCalls_ContactAndCallWeightedProbabilities()
    {
        using var session = new DuckDbSession();
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Calls));

        // Week 1: local 1 calls local 2 three times and unknown 99 once; settled 3 calls local 1 once.
        session.Execute("""
            CREATE TABLE f AS SELECT * FROM (VALUES (1, 1, 'local'), (2, 1, 'local'), (3, 1, 'settled')) t(subscriber_id, week, "group");
            INSERT INTO calls VALUES
                (1, 2, TIMESTAMP '2026-09-07 10:00:00', 60, 'call', NULL, NULL),
                (1, 2, TIMESTAMP '2026-09-08 10:00:00', 60, 'call', NULL, NULL),
                (1, 2, TIMESTAMP '2026-09-09 10:00:00', 0, 'text', NULL, NULL),
                (1, 99, TIMESTAMP '2026-09-09 11:00:00', 60, 'call', NULL, NULL),
                (3, 1, TIMESTAMP '2026-09-10 11:00:00', 60, 'call', NULL, NULL),
                (1, 2, TIMESTAMP '2026-09-15 10:00:00', 60, 'call', NULL, NULL);
            """);
        var rows = Mixing.Compute(session, "f", new StudyCalendar(new DateTime(2026, 9, 7)), [1], k: 1).ToString().Split('\n');

        // Calls: local → local 3/4, → unknown 1/4. All calls: local 4/5, unknown 1/5.
        Assert.Contains($"1,calls,local,local,0.75,{Csv.Format(0.75 / 0.8)},false", rows);
        Assert.Contains($"1,calls,local,unknown,0.25,{Csv.Format(0.25 / 0.2)},false", rows);
        Assert.Contains($"1,calls,settled,local,1,{Csv.Format(1 / 0.8)},false", rows);

        // Contacts: local → {2, 99}: 1/2 each. All contacts: (1,2), (1,99), (3,1) → local 2/3.
        Assert.Contains($"1,contacts,local,local,0.5,{Csv.Format(0.5 / (2.0 / 3))},false", rows);
        Assert.Contains("1,contacts,local,settled,,,true", rows); // nobody: suppressed
        Assert.Equal(1 + (2 * 3 * 4), rows.Count(r => r.Length > 0)); // header + week × weightings × callers × callees (week 2 not requested)

        var strict = Mixing.Compute(session, "f", new StudyCalendar(new DateTime(2026, 9, 7)), [1], k: 2).ToString();
        Assert.DoesNotContain(",false", strict, StringComparison.Ordinal); // every cell has one caller
    }
}
