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

    /// <summary>One (week, caller group, callee group) cell's counts: all of them add up over partitions.</summary>
    /// <param name="Week">Study week.</param>
    /// <param name="Caller">Caller group.</param>
    /// <param name="Callee">Callee group.</param>
    /// <param name="Contacts">Distinct (caller, callee) pairs.</param>
    /// <param name="Calls">Records.</param>
    /// <param name="Callers">Distinct callers.</param>
    /// <param name="Callees">Distinct callees.</param>
    internal sealed record Count(int Week, string Caller, string Callee, long Contacts, long Calls, long Callers, long Callees);

    public static Csv Compute(DuckDbSession session, string featuresSource, StudyCalendar calendar, int[] weeks, int k) =>
        Table(Counts(session, featuresSource, calendar, weeks), weeks, k);

    /// <summary>
    /// The cells' counts. With <paramref name="spec"/> (a partition's calls: every call with an
    /// endpoint in it), contacts, calls and callers are counted over the calls whose caller it
    /// owns and callees over those whose callee it owns, so each sums exactly over partitions.
    /// </summary>
    public static List<Count> Counts(DuckDbSession session, string featuresSource, StudyCalendar calendar, int[] weeks, ScaleOut.PartitionSpec? spec = null)
    {
        var weekSql = calendar.WeekSql("start_time");
        var weekList = string.Join(", ", weeks);
        var byCaller = spec is null ? "" : $" FILTER (WHERE {spec.Owns("caller_id")})";
        var byCallee = spec is null ? "" : $" FILTER (WHERE {spec.Owns("callee_id")})";
        // One pass aggregates calls to (week, caller, callee) pairs; both weightings and the
        // distinct caller and callee counts (the same for both) come from the pairs.
        return session.Query(
            $"""
            WITH g AS (SELECT subscriber_id, any_value("group") AS grp FROM {featuresSource} GROUP BY subscriber_id),
            pairs AS (
                SELECT week, caller_id, callee_id, count(*) AS n
                FROM (SELECT {weekSql} AS week, caller_id, callee_id FROM calls)
                WHERE week IN ({weekList})
                GROUP BY ALL)
            SELECT week, coalesce(gc.grp, 'unknown') AS caller_group, coalesce(ge.grp, 'unknown') AS callee_group,
                   count(*){byCaller} AS contacts, CAST(coalesce(sum(n){byCaller}, 0) AS BIGINT) AS calls,
                   count(DISTINCT caller_id){byCaller}, count(DISTINCT callee_id){byCallee}
            FROM pairs
            LEFT JOIN g AS gc ON pairs.caller_id = gc.subscriber_id
            LEFT JOIN g AS ge ON pairs.callee_id = ge.subscriber_id
            GROUP BY ALL
            ORDER BY ALL
            """,
            r => new Count(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6)));
    }

    /// <summary>The published table from the cells' counts (summed over partitions or not).</summary>
    public static Csv Table(IEnumerable<Count> rows, int[] weeks, int k)
    {
        var cells = new Dictionary<(string Weighting, int Week, string Caller, string Callee), (long Count, long Callers, long Callees)>();
        foreach (var row in rows)
        {
            cells[("contacts", row.Week, row.Caller, row.Callee)] = (row.Contacts, row.Callers, row.Callees);
            cells[("calls", row.Week, row.Caller, row.Callee)] = (row.Calls, row.Callers, row.Callees);
        }

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
