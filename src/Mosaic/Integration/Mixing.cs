using Mosaic.Data;
using Mosaic.Definitions;

namespace Mosaic.Integration;

/// <summary>
/// Who calls whom: P(callee group | caller group) per study week from the <c>calls</c> table,
/// with groups from the features table (subjects) and <c>unknown</c> for everyone else
/// (unattributed subscribers and attributed non-subjects, e.g. excluded machines).
/// Every record counts, calls and texts alike, in the caller → callee direction.
/// </summary>
/// <remarks>
/// <c>contacts</c> weighting counts each distinct (caller, callee) pair once per week;
/// <c>calls</c> weighting counts every record. The homophily ratio divides P(h | g) by h's share of
/// all contacts (or calls) that week, whoever the caller, so 1 means "as often as chance".
/// A cell is suppressed when fewer than k distinct callers or fewer than k distinct callees make it up.
/// </remarks>
internal static class Mixing
{
    /// <summary>The caller groups reported (subjects) and callee groups (subjects and unknown).</summary>
    private static readonly string[] CalleeGroups = [.. Groups.All];

    public static Csv Compute(DuckDbSession session, string featuresSource, StudyCalendar calendar, int[] weeks, int k)
    {
        var weekSql = calendar.WeekSql("start_time");
        var weekList = string.Join(", ", weeks);
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE mixing_calls AS
            WITH g AS (SELECT subscriber_id, any_value("group") AS grp FROM {featuresSource} GROUP BY subscriber_id)
            SELECT {weekSql} AS week, caller_id, callee_id,
                   coalesce(gc.grp, 'unknown') AS caller_group, coalesce(ge.grp, 'unknown') AS callee_group
            FROM calls
            LEFT JOIN g AS gc ON calls.caller_id = gc.subscriber_id
            LEFT JOIN g AS ge ON calls.callee_id = ge.subscriber_id
            WHERE {weekSql} IN ({weekList});
            """);
        var cells = new Dictionary<(string Weighting, int Week, string Caller, string Callee), (long Count, long Callers, long Callees)>();
        foreach (var (weighting, source) in new[]
        {
            ("contacts", "(SELECT DISTINCT week, caller_id, callee_id, caller_group, callee_group FROM mixing_calls)"),
            ("calls", "mixing_calls"),
        })
        {
            var rows = session.Query(
                $"""
                SELECT week, caller_group, callee_group, count(*), count(DISTINCT caller_id), count(DISTINCT callee_id)
                FROM {source} GROUP BY ALL
                """,
                r => (Week: r.GetInt32(0), Caller: r.GetString(1), Callee: r.GetString(2), Count: r.GetInt64(3), Callers: r.GetInt64(4), Callees: r.GetInt64(5)));
            foreach (var row in rows)
            {
                cells[(weighting, row.Week, row.Caller, row.Callee)] = (row.Count, row.Callers, row.Callees);
            }
        }

        session.Execute("DROP TABLE mixing_calls");

        var csv = new Csv("week", "weighting", "caller_group", "callee_group", "probability", "homophily_ratio", "suppressed");
        foreach (var week in weeks)
        {
            foreach (var weighting in new[] { "contacts", "calls" })
            {
                long Count(string caller, string callee) => cells.GetValueOrDefault((weighting, week, caller, callee)).Count;
                var total = CalleeGroups.Sum(caller => CalleeGroups.Sum(callee => Count(caller, callee)));
                foreach (var caller in Groups.Subjects)
                {
                    var callerTotal = CalleeGroups.Sum(callee => Count(caller, callee));
                    foreach (var callee in CalleeGroups)
                    {
                        var cell = cells.GetValueOrDefault((weighting, week, caller, callee));
                        if (cell.Callers < k || cell.Callees < k)
                        {
                            csv.Add(week, weighting, caller, callee, null, null, true);
                            continue;
                        }

                        var probability = (double)cell.Count / callerTotal;
                        var share = (double)CalleeGroups.Sum(c => Count(c, callee)) / total;
                        csv.Add(week, weighting, caller, callee, probability, probability / share, false);
                    }
                }
            }
        }

        return csv;
    }
}
