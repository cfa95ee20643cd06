using System.Globalization;
using Mosaic.Data;

namespace Mosaic.Segregation;

/// <summary>
/// The call matrices from call-level data in at most two scans of <c>calls</c>, with integer
/// keys throughout. Each counted call gets one BIGINT key encoding (caller group, callee group,
/// origin, destination), with groups 0 = refugee, 1 = host, 2 = excluded and districts as their
/// index in the districts table, <c>n</c> = a district outside the table, <c>n + 1</c> = none.
/// <para>
/// Distinct callers only decide k-suppression (0 &lt; callers &lt; k), so they are exact below
/// k and otherwise a lower bound of at least k. Pass 1 counts every call per key and the
/// distinct callers among a hash sample of callers (all of them on small inputs); a key whose
/// sample already has k callers has at least k. Pass 2 counts callers exactly for the keys
/// still below k, whose calls are usually few. A coarser level (network × origin, group ×
/// origin) has at least as many sampled callers as any key inside it, so when it is below k all
/// its keys were recounted and its exact count follows from pass 2 too. Measured against the
/// three <c>count(DISTINCT)</c> group-bys this replaces: docs/performance.md, Segregation.
/// </para>
/// </summary>
internal static class CallMatrixQuery
{
    /// <summary>Above twice this many calls, pass 1 samples callers (aiming at about this many sampled calls).</summary>
    public const long DefaultExactBelow = 1L << 22;

    private const int Refugee = 0;
    private const int Host = 1;
    private const int Excluded = 2;

    public static CallMatrices Run(DuckDbSession session, int[] districtIds, bool unknownIsHost, string kind, int k, long exactBelow, Dictionary<string, long> counts)
    {
        var matrices = Keyed(session, districtIds, unknownIsHost, kind, "calls", counts);
        var width = districtIds.Length + 2;
        var total = session.ScalarLong("SELECT count(*) FROM calls");
        var mask = SampleMask(total, exactBelow);
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE mx_pairs AS
            SELECT key, CASE WHEN (hash(caller_id) & {mask.ToString(CultureInfo.InvariantCulture)}::UBIGINT) = 0 THEN caller_id END AS caller_id, count(*) AS calls
            FROM mx_keyed GROUP BY ALL
            """);
        var levels = Levels(session, "mx_pairs", width);
        if (mask != 0 && k > 0)
        {
            var threshold = k.ToString(CultureInfo.InvariantCulture);
            session.Execute($"""
                CREATE OR REPLACE TEMP TABLE mx_exact AS
                SELECT key, caller_id, count(*) AS calls FROM mx_keyed
                WHERE key IN (SELECT key FROM mx_pairs GROUP BY key HAVING count(DISTINCT caller_id) < {threshold})
                GROUP BY ALL
                """);
            foreach (var (level, exact) in Levels(session, "mx_exact", width))
            {
                var sampled = levels[level];
                foreach (var (key, value) in exact)
                {
                    if (sampled.TryGetValue(key, out var s) && s.Callers < k)
                    {
                        sampled[key] = s with { Callers = value.Callers };
                    }
                }
            }

            session.Execute("DROP TABLE mx_exact");
        }

        session.Execute("DROP TABLE mx_pairs");
        Fill(matrices, levels, counts);
        return matrices;
    }

    /// <summary>
    /// Creates the <c>mx_keyed</c> view (caller, key) over the counted calls of <paramref name="calls"/>
    /// (a table or a parenthesised query with the calls columns), from the <c>status</c> table and,
    /// for callees without a cell, the <c>homes</c> table. Returns empty matrices to fill.
    /// </summary>
    private static CallMatrices Keyed(DuckDbSession session, int[] districtIds, bool unknownIsHost, string kind, string calls, Dictionary<string, long> counts)
    {
        var matrices = new CallMatrices(districtIds, CallMatrices.AllNetworks);
        var n = districtIds.Length;
        var width = n + 2;
        var outside = n.ToString(CultureInfo.InvariantCulture);
        var none = (n + 1).ToString(CultureInfo.InvariantCulture);
        var unknownCode = (unknownIsHost ? Host : Excluded).ToString(CultureInfo.InvariantCulture);

        // The home fallback costs a join on every call: leave it out when no callee cell is missing.
        var unknownCallee = session.ScalarLong($"SELECT count(*) FROM {calls} c WHERE callee_cell IS NULL AND {kind}");
        counts["calls_callee_cell_unknown"] = unknownCallee;
        var indexRows = string.Join(", ", districtIds.Distinct().Select(id =>
            string.Create(CultureInfo.InvariantCulture, $"({id}, {matrices.IndexOf(id)})")));
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE mx_district (district_id INTEGER, x INTEGER);
            {(n > 0 ? $"INSERT INTO mx_district VALUES {indexRows};" : "")}
            CREATE OR REPLACE TEMP TABLE mx_group AS
            SELECT subscriber_id, (CASE g WHEN 'R' THEN {Refugee} WHEN 'T' THEN {Host} ELSE {Excluded} END)::UTINYINT AS g FROM status;
            CREATE OR REPLACE TEMP TABLE mx_cell AS
            SELECT c.cell_id, coalesce(d.x, CASE WHEN c.district_id IS NULL THEN {none} ELSE {outside} END)::INTEGER AS x
            FROM cells c LEFT JOIN mx_district d USING (district_id);
            """);
        var destination = $"coalesce(dc.x, {none})";
        var homeJoin = "";
        if (unknownCallee > 0)
        {
            session.Execute($"""
                CREATE OR REPLACE TEMP TABLE mx_home AS
                SELECT h.subscriber_id, coalesce(d.x, {outside})::INTEGER AS x FROM homes h LEFT JOIN mx_district d USING (district_id);
                """);
            destination = $"CASE WHEN c.callee_cell IS NULL THEN coalesce(h.x, {none}) ELSE {destination} END";
            homeJoin = "LEFT JOIN mx_home h ON h.subscriber_id = c.callee_id";
        }

        var w = width.ToString(CultureInfo.InvariantCulture);
        session.Execute($"""
            CREATE OR REPLACE TEMP VIEW mx_keyed AS
            SELECT c.caller_id,
                   ((coalesce(sa.g, {unknownCode})::BIGINT * 3 + coalesce(sb.g, {unknownCode})) * {w} + coalesce(oc.x, {none})) * {w} + {destination} AS key
            FROM {calls} c
            LEFT JOIN mx_group sa ON sa.subscriber_id = c.caller_id
            LEFT JOIN mx_group sb ON sb.subscriber_id = c.callee_id
            LEFT JOIN mx_cell oc ON oc.cell_id = c.caller_cell
            LEFT JOIN mx_cell dc ON dc.cell_id = c.callee_cell
            {homeJoin}
            WHERE {kind}
            """);

        return matrices;
    }

    /// <summary>A power of two minus one: sample about <paramref name="exactBelow"/> callers' calls, or all of them below it.</summary>
    internal static ulong SampleMask(long calls, long exactBelow)
    {
        ulong mask = 0;
        while (calls / (long)(mask + 1) > 2 * exactBelow)
        {
            mask = (mask << 1) | 1;
        }

        return mask;
    }

    private readonly record struct Count(long Calls, long Callers);

    /// <summary>Per level (0: key, 1: network × origin, 3: caller group × origin), calls and distinct callers.</summary>
    private static Dictionary<int, Dictionary<long, Count>> Levels(DuckDbSession session, string pairs, int width)
    {
        var levels = new Dictionary<int, Dictionary<long, Count>> { [0] = [], [1] = [], [3] = [] };
        var rows = session.Query(LevelsSql(pairs, width, "count(DISTINCT caller_id) AS callers"),
            r => (Level: r.GetInt32(0), Key: r.GetInt64(1), Value: new Count(r.GetInt64(2), r.GetInt64(3))));
        foreach (var (level, key, value) in rows)
        {
            levels[level][key] = value;
        }

        return levels;
    }

    /// <summary>The three levels' group-bys over a pairs table (key, caller_id, calls); <paramref name="callers"/> are the aggregates of callers.</summary>
    private static string LevelsSql(string pairs, int width, string callers)
    {
        var w = width.ToString(CultureInfo.InvariantCulture);
        var perGroup = (3L * width * width).ToString(CultureInfo.InvariantCulture);
        return $"""
            SELECT 0 AS level, key, sum(calls)::BIGINT AS calls, {callers} FROM {pairs} GROUP BY key
            UNION ALL
            SELECT 1, key // {w}, 0::BIGINT, {callers} FROM {pairs} GROUP BY key // {w}
            UNION ALL
            SELECT 3, (key // {perGroup}) * {w} + (key // {w}) % {w}, sum(calls)::BIGINT, {callers} FROM {pairs} GROUP BY 2
            """;
    }

    /// <summary>
    /// One partition's share of the matrices (<c>level, key, calls, sampled, exact</c> to
    /// <paramref name="path"/>) over <paramref name="ownedCalls"/>, the calls whose caller the
    /// partition owns. Callers are then disjoint across partitions, so calls, sampled callers
    /// (with the global <paramref name="mask"/>) and exact callers all add up in <see cref="Merge"/>.
    /// </summary>
    public static void WritePartial(DuckDbSession session, int[] districtIds, bool unknownIsHost, string kind, string ownedCalls, ulong mask, string path, Dictionary<string, long> counts)
    {
        Keyed(session, districtIds, unknownIsHost, kind, ownedCalls, counts);
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE mx_pairs AS
            SELECT key, caller_id, (hash(caller_id) & {mask.ToString(CultureInfo.InvariantCulture)}::UBIGINT) = 0 AS sampled, count(*) AS calls
            FROM mx_keyed GROUP BY ALL
            """);
        session.CopyToParquet(
            LevelsSql("mx_pairs", districtIds.Length + 2, "count(DISTINCT caller_id) FILTER (WHERE sampled) AS sampled, count(DISTINCT caller_id) AS exact") + " ORDER BY ALL",
            path);
        session.Execute("DROP TABLE mx_pairs");
    }

    /// <summary>
    /// The matrices from every partition's <see cref="WritePartial"/>: sums, then the callers
    /// <see cref="Run"/> would report — the sampled count, or the exact one where the sample
    /// has fewer than k (what its second pass recounts).
    /// </summary>
    public static CallMatrices Merge(DuckDbSession session, int[] districtIds, IEnumerable<string> partials, ulong mask, int k, Dictionary<string, long> counts)
    {
        var matrices = new CallMatrices(districtIds, CallMatrices.AllNetworks);
        var files = string.Join(", ", partials.Select(Sql.Literal));
        var levels = new Dictionary<int, Dictionary<long, Count>> { [0] = [], [1] = [], [3] = [] };
        var recount = mask != 0 && k > 0;
        var rows = session.Query(
            $"SELECT level, key, sum(calls)::BIGINT, sum(sampled)::BIGINT, sum(exact)::BIGINT FROM read_parquet([{files}]) GROUP BY ALL",
            r => (Level: r.GetInt32(0), Key: r.GetInt64(1), Calls: r.GetInt64(2), Sampled: r.GetInt64(3), Exact: r.GetInt64(4)));
        foreach (var row in rows)
        {
            levels[row.Level][row.Key] = new Count(row.Calls, recount && row.Sampled < k ? row.Exact : row.Sampled);
        }

        Fill(matrices, levels, counts);
        return matrices;
    }

    private static void Fill(CallMatrices matrices, Dictionary<int, Dictionary<long, Count>> levels, Dictionary<string, long> counts)
    {
        var n = matrices.Districts.Count;
        long width = n + 2;
        long read = 0, used = 0, excluded = 0, noOrigin = 0, noDestination = 0, outside = 0;
        foreach (var (key, value) in levels[0])
        {
            var d = (int)(key % width);
            var o = (int)(key / width % width);
            var to = (int)(key / width / width % 3);
            var from = (int)(key / width / width / 3);
            read += value.Calls;
            if (from == Excluded || to == Excluded)
            {
                excluded += value.Calls;
            }
            else if (o == n + 1)
            {
                noOrigin += value.Calls;
            }
            else if (d == n + 1)
            {
                noDestination += value.Calls;
            }
            else if (o == n || d == n)
            {
                outside += value.Calls;
            }
            else
            {
                var network = Network(from, to);
                matrices.Calls[network][o, d] = value.Calls;
                matrices.Callers[network][o, d] = value.Callers;
                used += value.Calls;
            }
        }

        foreach (var (key, value) in levels[1])
        {
            var o = (int)(key % width);
            var to = (int)(key / width % 3);
            var from = (int)(key / width / 3);
            if (from != Excluded && to != Excluded && o < n)
            {
                matrices.OriginCallers[Network(from, to)][o] = value.Callers;
            }
        }

        foreach (var (key, value) in levels[3])
        {
            var o = (int)(key % width);
            var from = (int)(key / width);
            if (from != Excluded && o < n)
            {
                var group = from == Refugee ? "R" : "T";
                matrices.OutgoingCalls[group][o] = value.Calls;
                matrices.OutgoingCallers[group][o] = value.Callers;
            }
        }

        counts["calls_read"] = read;
        counts["calls_used"] = used;
        counts["calls_unknown_status_excluded"] = excluded;
        counts["calls_without_origin"] = noOrigin;
        counts["calls_without_destination"] = noDestination;
        counts["calls_outside_districts"] = outside;
    }

    private static string Network(int from, int to) => (from == Refugee ? "R" : "T") + (to == Refugee ? "R" : "T");
}
