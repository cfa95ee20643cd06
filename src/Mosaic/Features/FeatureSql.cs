using System.Globalization;
using Mosaic.Data;
using Mosaic.Definitions;

namespace Mosaic.Features;

/// <summary>
/// The SQL of the features stage, one statement per intermediate table (all prefixed <c>fx_</c>).
/// Every double that is a sum over rows goes through <see cref="ExactSum"/>, so results do not
/// depend on how DuckDB's threads split the rows (floating-point addition is not associative).
/// </summary>
internal sealed class FeatureSql(StudyCalendar calendar, int weeks, string cityCode, int machineThreshold, ScaleOut.PartitionSpec? partition = null)
{
    /// <summary>Name of the step that builds <c>fx_people</c> (groups and machines).</summary>
    public const string PeopleStep = "groups and machines";

    /// <summary>Name of the step that prepares the clustering table (the graph is <see cref="ContactGraph"/>).</summary>
    public const string GraphStep = "graph nodes and edges";

    /// <summary>Earth radius of every great-circle distance (bandicoot's).</summary>
    public const double EarthRadiusKm = 6371.0;

    /// <summary>Scale of the fixed-point sums: 1e-12 of the unit (degrees, km², nats).</summary>
    private const string FixedScale = "1e12";

    /// <summary>Order-independent sum of a double expression: fixed point at 1e-12, summed as HUGEINT.</summary>
    public static string ExactSum(string expression) =>
        $"(CAST(sum(CAST(round(({expression}) * {FixedScale}) AS HUGEINT)) AS DOUBLE) / {FixedScale})";

    /// <summary>
    /// <see cref="ExactSum"/> of an expression over rows that each stand for <paramref name="weight"/>
    /// equal rows (an integer column): the same fixed-point terms, each counted that many times,
    /// so the result equals <see cref="ExactSum"/> over the expanded rows exactly.
    /// </summary>
    public static string ExactWeightedSum(string expression, string weight) =>
        $"(CAST(sum(CAST(round(({expression}) * {FixedScale}) AS HUGEINT) * {weight}) AS DOUBLE) / {FixedScale})";

    /// <summary>Great-circle (haversine) distance in km between two (lat, lon) points in degrees.</summary>
    public static string Haversine(string lat1, string lon1, string lat2, string lon2) =>
        HaversineOf($"pow(sin(radians({lat1} - {lat2}) / 2), 2) + cos(radians({lat1})) * cos(radians({lat2})) * pow(sin(radians({lon1} - {lon2}) / 2), 2)");

    // least() would ignore a NULL argument, so the clamp against rounding above 1 is a CASE.
    private static string HaversineOf(string a) =>
        $"({EarthRadiusKm.ToString("R", CultureInfo.InvariantCulture)} * 2 * asin(sqrt(CASE WHEN ({a}) > 1 THEN 1.0 ELSE ({a}) END)))";

    /// <summary>SQL predicate: the call is inside the study weeks.</summary>
    public string InStudy(string column) => $"{column} >= {Start} AND {column} < {End}";

    /// <summary>SQL of the study week of a timestamp column.</summary>
    public string Week(string column) => calendar.WeekSql(column);

    /// <summary>
    /// SQL predicate: the call is inside the study and in study week <paramref name="week"/>
    /// (1-based; exactly <c>Week(column) = week</c>), with a time range a day wider than the week
    /// in front so that a scan of time-sorted Parquet skips the other weeks' row groups.
    /// </summary>
    public string InWeek(string column, int week) =>
        $"{column} >= {Timestamp(calendar.Start.AddDays((7.0 * (week - 1)) - 1))} AND {column} < {Timestamp(calendar.Start.AddDays((7.0 * week) + 1))} " +
        $"AND {InStudy(column)} AND {Week(column)} = {week.ToString(CultureInfo.InvariantCulture)}";

    private static string Timestamp(DateTime time) => $"TIMESTAMP '{time:yyyy-MM-dd HH:mm:ss}'";

    private string Start => $"TIMESTAMP '{calendar.Start:yyyy-MM-dd HH:mm:ss}'";

    private string End => $"TIMESTAMP '{calendar.Start.AddDays(7.0 * weeks):yyyy-MM-dd HH:mm:ss}'";

    private static string Group(string value) => Sql.Literal(value);

    /// <summary>Name of the step that builds <c>fx_wcell</c> (events per subject, week and cell).</summary>
    public const string CellsStep = "events per cell";

    /// <summary>Night events per subject, week and cell with the first of them, for <see cref="HomeWork"/>.</summary>
    private const string NightCounts =
        "(SELECT subscriber_id, week, cell_id, n_night AS n, first_night AS first_seen FROM fx_wcell WHERE n_night > 0)";

    /// <summary>Working-hours events per subject, week and cell with the first of them.</summary>
    private const string WorkCounts =
        "(SELECT subscriber_id, week, cell_id, n_work AS n, first_work AS first_seen FROM fx_wcell WHERE n_work > 0)";

    /// <summary>Night events per subject and cell over the study weeks with the first of them.</summary>
    private const string StudyNightCounts =
        "(SELECT subscriber_id, cell_id, sum(n_night) AS n, min(first_night) AS first_seen FROM fx_wcell WHERE n_night > 0 GROUP BY ALL)";

    /// <summary>Name of the step that extracts the attributed subscribers' events (<c>fx_ev</c>).</summary>
    public const string EventsStep = "events of attributed subscribers";

    /// <summary>
    /// The attributed subscribers' events inside the study weeks (the rows of <c>fx_ev</c>). The
    /// rows of the <c>events</c> view, built from one scan of <c>calls</c>: each call meets a
    /// two-row table of sides (caller, callee) instead of a union of two scans. The cell's position
    /// and district are not joined here but to the far fewer rows of <c>fx_wcell</c>.
    /// </summary>
    public string EventsSelect()
    {
        var week = calendar.WeekSql("c.start_time");
        return $"""
            SELECT e.subscriber_id, e.counterpart_id, e.is_out, e.is_call, e.start_time, e.duration_s, e.cell_id, e.week
            FROM (SELECT CASE WHEN o.is_out THEN c.caller_id ELSE c.callee_id END AS subscriber_id,
                         CASE WHEN o.is_out THEN c.callee_id ELSE c.caller_id END AS counterpart_id,
                         o.is_out, c.kind = 'call' AS is_call, c.start_time, c.duration_s,
                         CASE WHEN o.is_out THEN c.caller_cell ELSE c.callee_cell END AS cell_id, {week} AS week
                  FROM {CanonicalTables.Calls} c CROSS JOIN (VALUES (true), (false)) o(is_out)
                  WHERE {InStudy("c.start_time")}) e
            SEMI JOIN {CanonicalTables.Subscribers} s ON e.subscriber_id = s.subscriber_id{(partition is null ? "" : "\n            WHERE " + partition.Owns("e.subscriber_id"))}
            """;
    }

    /// <summary>The statements, in order, up to (not including) the clustering step.</summary>
    /// <param name="subjectsView">
    /// Make the subjects' events (<c>fx_sev</c>) a view over <c>fx_ev</c> instead of a copy: for
    /// an <c>fx_ev</c> that is a table (one pass), where the copy costs more than filtering the
    /// few machines out on every read; not for an <c>fx_ev</c> over Parquet files (slices).
    /// </param>
    public IEnumerable<(string Step, string Sql)> Relational(bool subjectsView = false)
    {
        yield return (EventsStep, $"CREATE OR REPLACE TABLE fx_ev AS {EventsSelect()}");

        // Group is Groups.Classify in SQL: local by birthplace, else settled when active in week 1.
        yield return (PeopleStep, $"""
            CREATE OR REPLACE TABLE fx_people AS
            WITH weekly AS (SELECT subscriber_id, week, count(*) AS n FROM fx_ev GROUP BY ALL),
                 activity AS (SELECT subscriber_id, min(week) AS first_week, max(n) AS max_week_interactions
                              FROM weekly GROUP BY ALL)
            SELECT s.subscriber_id, s.birthplace, s.is_refugee, s.age, s.gender, a.first_week,
                   CASE WHEN s.birthplace = {Sql.Literal(cityCode)} THEN {Group(Groups.Local)}
                        WHEN a.first_week = 1 THEN {Group(Groups.Settled)}
                        ELSE {Group(Groups.New)} END AS "group",
                   a.max_week_interactions >= {machineThreshold.ToString(CultureInfo.InvariantCulture)} AS is_machine
            FROM {CanonicalTables.Subscribers} s JOIN activity a USING (subscriber_id)
            """);

        // The subjects' events: the events minus those of machines (few or none).
        yield return ("subject events", $"""
            CREATE OR REPLACE {(subjectsView ? "VIEW" : "TABLE")} fx_sev AS
            SELECT * FROM fx_ev e ANTI JOIN (SELECT subscriber_id FROM fx_people WHERE is_machine) m ON m.subscriber_id = e.subscriber_id
            """);

        yield return ("call behaviour", $"""
            CREATE OR REPLACE TABLE fx_week AS
            SELECT subscriber_id, week,
                   count(*) FILTER (WHERE is_call AND is_out) AS calls_out,
                   count(*) FILTER (WHERE is_call AND NOT is_out) AS calls_in,
                   count(*) FILTER (WHERE NOT is_call AND is_out) AS texts_out,
                   count(*) FILTER (WHERE NOT is_call AND NOT is_out) AS texts_in,
                   count(*) AS n_interactions,
                   count(*) FILTER (WHERE is_out) / count(*) AS pct_initiated,
                   sum(duration_s) FILTER (WHERE is_call) / nullif(count(*) FILTER (WHERE is_call), 0) AS call_duration_mean_s,
                   CAST(quantile_cont(duration_s, 0.5) FILTER (WHERE is_call) AS DOUBLE) AS call_duration_median_s,
                   CAST(coalesce(sum(duration_s) FILTER (WHERE is_call), 0) AS BIGINT) AS call_duration_total_s,
                   count(*) FILTER (WHERE {StudyCalendar.NightSql("start_time")}) / count(*) AS pct_nocturnal,
                   count(*) FILTER (WHERE {StudyCalendar.WeekendSql("start_time")}) / count(*) AS pct_weekend
            FROM fx_sev GROUP BY ALL
            """);

        // Every geographic feature (cells, districts, radius, home and work) needs only, per
        // subject, week and cell, the events there and the night and working-hours ones with
        // the first of each: one aggregate of the events for all of them, with the cell's
        // position and district (null when unknown or without coordinates) joined to its rows.
        yield return (CellsStep, $"""
            CREATE OR REPLACE TABLE fx_wcell AS
            SELECT v.*,
                   CASE WHEN l.lat IS NOT NULL AND l.lon IS NOT NULL THEN l.lat END AS lat,
                   CASE WHEN l.lat IS NOT NULL AND l.lon IS NOT NULL THEN l.lon END AS lon,
                   l.district_id
            FROM (SELECT subscriber_id, week, cell_id, count(*) AS n,
                         count(*) FILTER (WHERE {StudyCalendar.NightSql("start_time")}) AS n_night,
                         min(start_time) FILTER (WHERE {StudyCalendar.NightSql("start_time")}) AS first_night,
                         count(*) FILTER (WHERE {StudyCalendar.WorkHoursSql("start_time")}) AS n_work,
                         min(start_time) FILTER (WHERE {StudyCalendar.WorkHoursSql("start_time")}) AS first_work
                  FROM fx_sev WHERE cell_id IS NOT NULL GROUP BY ALL) v
            LEFT JOIN {CanonicalTables.Cells} l ON l.cell_id = v.cell_id
            """);

        // Gaps in microseconds are integers: their sums are exact, so the moments are too (null
        // with a single event: no gap). The same ordered window counts the active days instead of
        // a distinct aggregate: a day starts where the event's day number (microseconds since
        // the epoch ÷ 86,400e6, the date of a timestamp after 1970) differs from the previous one's.
        yield return ("inter-event times and active days", """
            CREATE OR REPLACE TABLE fx_gaps AS
            SELECT subscriber_id, week,
                   count(*) FILTER (WHERE previous IS NULL OR t // 86400000000 <> previous // 86400000000) AS active_days,
                   CAST(sum(t - previous) AS DOUBLE) / count(previous) / 1e6 AS interevent_time_mean_s,
                   sqrt(CAST(count(previous) * sum(CAST(t - previous AS HUGEINT) * (t - previous)) - sum(t - previous) * sum(t - previous) AS DOUBLE)
                        / (CAST(count(previous) AS DOUBLE) * count(previous))) / 1e6 AS interevent_time_std_s
            FROM (SELECT subscriber_id, week, epoch_us(start_time) AS t,
                         lag(epoch_us(start_time)) OVER (PARTITION BY subscriber_id, week ORDER BY start_time) AS previous
                  FROM fx_sev)
            GROUP BY ALL
            """);

        // Pareto: with contacts sorted by n descending, a contact is needed while the interactions
        // covered before it are below the target. Contacts with the same n form one block: with
        // `above` interactions covered by larger counts, ceil((target − above) / n) of its m
        // contacts are needed (at most m, at least 0). The window runs over distinct counts only.
        yield return ("contacts", """
            CREATE OR REPLACE TABLE fx_contacts AS
            SELECT subscriber_id, week, counterpart_id, count(*) AS n, count(*) FILTER (WHERE is_out) AS n_out
            FROM fx_sev GROUP BY ALL;
            CREATE OR REPLACE TABLE fx_new AS
            SELECT subscriber_id, first_week AS week, count(*) AS new_contacts
            FROM (SELECT subscriber_id, counterpart_id, min(week) AS first_week FROM fx_contacts GROUP BY ALL)
            GROUP BY ALL;
            CREATE OR REPLACE TABLE fx_pareto AS
            WITH blocks AS (SELECT subscriber_id, week, n, count(*) AS m FROM fx_contacts GROUP BY ALL),
                 ranked AS (SELECT b.*, coalesce(sum(b.n * b.m) OVER (PARTITION BY b.subscriber_id, b.week ORDER BY b.n DESC
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above,
                                   (4 * w.n_interactions + 4) // 5 AS target
                            FROM blocks b JOIN fx_week w ON w.subscriber_id = b.subscriber_id AND w.week = b.week)
            SELECT subscriber_id, week,
                   sum(greatest(0, least(m, (target - above + n - 1) // n))) AS pareto_contacts
            FROM ranked GROUP BY ALL
            """);

        // A contact's group, birthplace, age and gender come from fx_people (null: not attributed, the group "unknown").
        yield return ("ego network and demographics of friends", $"""
            CREATE OR REPLACE TABLE fx_ego AS
            SELECT k.subscriber_id, k.week,
                   count(*) AS n_contacts,
                   count(*) FILTER (WHERE k.n_out > 0) AS n_contacts_out,
                   count(*) FILTER (WHERE k.n_out < k.n) AS n_contacts_in,
                   w.n_interactions / count(*) AS interactions_per_contact_mean,
                   {ExactSum("-(k.n / w.n_interactions) * ln(k.n / w.n_interactions)")} AS entropy_of_contacts,
                   count(*) FILTER (WHERE k.n_out > 0 AND k.n_out < k.n) / count(*) AS pct_reciprocal_contacts,
                   any_value(x.pareto_contacts) / count(*) AS pct_pareto_interactions,
                   CASE WHEN k.week = 1 THEN NULL ELSE coalesce(any_value(nc.new_contacts), 0) / count(*) END AS pct_new_contacts,
                   count(*) FILTER (WHERE c."group" = {Group(Groups.Local)}) / count(*) AS share_contacts_local,
                   count(*) FILTER (WHERE c."group" = {Group(Groups.Settled)}) / count(*) AS share_contacts_settled,
                   count(*) FILTER (WHERE c."group" = {Group(Groups.New)}) / count(*) AS share_contacts_new,
                   count(*) FILTER (WHERE c."group" IS NULL) / count(*) AS share_contacts_unknown,
                   coalesce(sum(k.n) FILTER (WHERE c."group" = {Group(Groups.Local)}), 0) / w.n_interactions AS share_calls_local,
                   coalesce(sum(k.n) FILTER (WHERE c."group" = {Group(Groups.Settled)}), 0) / w.n_interactions AS share_calls_settled,
                   coalesce(sum(k.n) FILTER (WHERE c."group" = {Group(Groups.New)}), 0) / w.n_interactions AS share_calls_new,
                   CASE WHEN s."group" = {Group(Groups.Local)} THEN 0.0
                        ELSE count(*) FILTER (WHERE c.birthplace = s.birthplace) / count(*) END AS share_townsmen,
                   sum(c.age) / nullif(count(c.age), 0) AS contacts_age_mean,
                   sqrt(CAST(count(c.age) * sum(CAST(c.age AS HUGEINT) * c.age) - sum(c.age) * sum(c.age) AS DOUBLE)
                        / nullif(CAST(count(c.age) AS DOUBLE) * count(c.age), 0)) AS contacts_age_std,
                   sum(abs(c.age - s.age)) / nullif(count(abs(c.age - s.age)), 0) AS contacts_age_gap_mean,
                   count(*) FILTER (WHERE c.gender = 'F') / nullif(count(c.gender), 0) AS share_contacts_female
            FROM fx_contacts k
            JOIN fx_week w ON w.subscriber_id = k.subscriber_id AND w.week = k.week
            JOIN fx_people s ON s.subscriber_id = k.subscriber_id
            JOIN fx_pareto x ON x.subscriber_id = k.subscriber_id AND x.week = k.week
            LEFT JOIN fx_new nc ON nc.subscriber_id = k.subscriber_id AND nc.week = k.week
            LEFT JOIN fx_people c ON c.subscriber_id = k.counterpart_id
            GROUP BY k.subscriber_id, k.week, w.n_interactions, s."group"
            """);

        // Cells, districts visited and radius of gyration: every column of fx_wcell's rows. The
        // radius sums over the located events as sums over their cells, each term counted n
        // times (exact). A subject-week with no known cell has no row (n_cells and n_districts 0).
        yield return ("cells, districts and radius of gyration", $"""
            CREATE OR REPLACE TABLE fx_cells AS
            WITH centres AS (SELECT subscriber_id, week, CAST(sum(n) AS BIGINT) AS n_positions,
                                    {ExactWeightedSum("lat", "n")} / CAST(sum(n) AS BIGINT) AS centre_lat,
                                    {ExactWeightedSum("lon", "n")} / CAST(sum(n) AS BIGINT) AS centre_lon
                             FROM fx_wcell WHERE lat IS NOT NULL GROUP BY ALL),
                 radius AS (SELECT v.subscriber_id, v.week,
                                   sqrt({ExactWeightedSum($"pow({Haversine("w.centre_lat", "w.centre_lon", "v.lat", "v.lon")}, 2)", "v.n")} / w.n_positions) AS radius_of_gyration_km
                            FROM fx_wcell v JOIN centres w ON w.subscriber_id = v.subscriber_id AND w.week = v.week
                            WHERE v.lat IS NOT NULL
                            GROUP BY v.subscriber_id, v.week, w.n_positions),
                 districts AS (SELECT subscriber_id, week, count(*) AS n_districts
                               FROM (SELECT DISTINCT subscriber_id, week, district_id FROM fx_wcell WHERE district_id IS NOT NULL) GROUP BY ALL),
                 freq AS (SELECT subscriber_id, week, cell_id, n FROM fx_wcell),
                 totals AS (SELECT subscriber_id, week, sum(n) AS total, sum(n * n) AS square, count(*) AS n_cells FROM freq GROUP BY ALL),
                 entropy AS (SELECT f.subscriber_id, f.week, {ExactSum("-(f.n / t.total) * ln(f.n / t.total)")} AS entropy_of_cells
                             FROM freq f JOIN totals t ON t.subscriber_id = f.subscriber_id AND t.week = f.week GROUP BY ALL),
                 dots AS (SELECT a.subscriber_id, a.week, sum(a.n * b.n) AS dot
                          FROM freq a JOIN freq b ON b.subscriber_id = a.subscriber_id AND b.week = a.week - 1 AND b.cell_id = a.cell_id
                          GROUP BY ALL)
            SELECT t.subscriber_id, t.week, e.entropy_of_cells, t.n_cells,
                   CASE WHEN p.square IS NULL THEN NULL
                        ELSE greatest(0.0, least(1.0, 1 - coalesce(d.dot, 0) / sqrt(CAST(t.square * p.square AS DOUBLE)))) END AS churn_rate,
                   coalesce(x.n_districts, 0) AS n_districts, r.radius_of_gyration_km
            FROM totals t
            JOIN entropy e ON e.subscriber_id = t.subscriber_id AND e.week = t.week
            LEFT JOIN totals p ON p.subscriber_id = t.subscriber_id AND p.week = t.week - 1
            LEFT JOIN dots d ON d.subscriber_id = t.subscriber_id AND d.week = t.week
            LEFT JOIN districts x ON x.subscriber_id = t.subscriber_id AND x.week = t.week
            LEFT JOIN radius r ON r.subscriber_id = t.subscriber_id AND r.week = t.week
            """);

        // District centroid = mean of its located cells; centre = population-weighted mean of the
        // centroids, or the mean located cell when no district has a population.
        yield return ("city centre", $"""
            CREATE OR REPLACE TABLE fx_centre AS
            WITH located AS (SELECT * FROM {CanonicalTables.Cells} WHERE lat IS NOT NULL AND lon IS NOT NULL),
                 centroids AS (SELECT district_id, {ExactSum("lat")} / count(*) AS lat, {ExactSum("lon")} / count(*) AS lon
                               FROM located WHERE district_id IS NOT NULL GROUP BY ALL),
                 weighted AS (SELECT {ExactSum("c.lat * d.population")} / sum(d.population) AS lat,
                                     {ExactSum("c.lon * d.population")} / sum(d.population) AS lon, sum(d.population) AS population
                              FROM centroids c JOIN {CanonicalTables.Districts} d USING (district_id) WHERE d.population > 0),
                 plain AS (SELECT {ExactSum("lat")} / nullif(count(*), 0) AS lat, {ExactSum("lon")} / nullif(count(*), 0) AS lon FROM located)
            SELECT CASE WHEN w.population > 0 THEN w.lat ELSE p.lat END AS lat,
                   CASE WHEN w.population > 0 THEN w.lon ELSE p.lon END AS lon,
                   coalesce(w.population > 0, false) AS population_weighted
            FROM plain p, weighted w
            """);

        yield return ("home and work", $"""
            CREATE OR REPLACE TABLE fx_home AS
            SELECT h.subscriber_id, h.week, c.district_id AS home_district,
                   CASE WHEN c.lat IS NOT NULL AND c.lon IS NOT NULL THEN c.lat END AS lat,
                   CASE WHEN c.lat IS NOT NULL AND c.lon IS NOT NULL THEN c.lon END AS lon,
                   p."group"
            FROM ({HomeWork.MostFrequentCountedCellSql(NightCounts, perWeek: true)}) h
            JOIN fx_people p ON p.subscriber_id = h.subscriber_id
            LEFT JOIN {CanonicalTables.Cells} c ON c.cell_id = h.cell_id;
            CREATE OR REPLACE TABLE fx_work AS
            SELECT h.subscriber_id, h.week, c.district_id AS work_district,
                   CASE WHEN c.lat IS NOT NULL AND c.lon IS NOT NULL THEN c.lat END AS lat,
                   CASE WHEN c.lat IS NOT NULL AND c.lon IS NOT NULL THEN c.lon END AS lon
            FROM ({HomeWork.MostFrequentCountedCellSql(WorkCounts, perWeek: true)}) h
            LEFT JOIN {CanonicalTables.Cells} c ON c.cell_id = h.cell_id;
            CREATE OR REPLACE TABLE fx_home_study AS
            SELECT h.subscriber_id, c.district_id AS home_district_study
            FROM ({HomeWork.MostFrequentCountedCellSql(StudyNightCounts)}) h
            LEFT JOIN {CanonicalTables.Cells} c ON c.cell_id = h.cell_id;
            CREATE OR REPLACE TABLE fx_residents AS
            {Residents("fx_home")}
            """);

        // The graph itself is built in C# (ContactGraph) from one scan of the calls.
        yield return (GraphStep, "CREATE OR REPLACE TABLE fx_cluster (subscriber_id BIGINT, week INTEGER, clustering_coefficient DOUBLE)");
    }

    /// <summary>
    /// The final table from partial ones (slices or partitions) in <paramref name="parts"/>: the
    /// residents' local shares recomputed from all rows, sorted as one pass sorts them.
    /// </summary>
    public static string Merge(string parts) => $"""
        SELECT f.* REPLACE (d.local_share AS home_district_local_share)
        FROM {parts} f
        LEFT JOIN ({Residents(parts)}) d ON d.week = f.week AND d.home_district = f.home_district
        ORDER BY f.subscriber_id, f.week
        """;

    /// <summary>
    /// Share of locals among the subjects whose home of the week is in a district, per week and
    /// district, over any table with <c>week</c>, <c>home_district</c> and <c>group</c> (the
    /// homes here, the merged partial features in a scale-out merge: the same counts).
    /// </summary>
    public static string Residents(string source) => $"""
        SELECT week, home_district, count(*) FILTER (WHERE "group" = {Group(Groups.Local)}) / count(*) AS local_share
        FROM {source} WHERE home_district IS NOT NULL GROUP BY ALL
        """;

    /// <summary>The final table, one row per active subject-week, sorted unless <paramref name="sorted"/> is false.</summary>
    /// <param name="sorted">
    /// Sort by (<c>subscriber_id</c>, <c>week</c>). A slice's partial table is written unsorted:
    /// the merge sorts all rows on the same unique key, so a part's order never reaches the output.
    /// </param>
    public static string Final(bool sorted = true)
    {
        var columns = string.Join(",\n    ", FeatureCatalogue.Columns.Select(c => Select(c.Name)));
        return $"""
            SELECT
                {columns}
            FROM fx_week w
            JOIN fx_people p ON p.subscriber_id = w.subscriber_id
            JOIN fx_ego e ON e.subscriber_id = w.subscriber_id AND e.week = w.week
            JOIN fx_gaps g ON g.subscriber_id = w.subscriber_id AND g.week = w.week
            LEFT JOIN fx_cells c ON c.subscriber_id = w.subscriber_id AND c.week = w.week
            LEFT JOIN fx_home h ON h.subscriber_id = w.subscriber_id AND h.week = w.week
            LEFT JOIN fx_work k ON k.subscriber_id = w.subscriber_id AND k.week = w.week
            LEFT JOIN fx_residents d ON d.week = w.week AND d.home_district = h.home_district
            LEFT JOIN fx_home_study hs ON hs.subscriber_id = w.subscriber_id
            LEFT JOIN fx_cluster cc ON cc.subscriber_id = w.subscriber_id AND cc.week = w.week
            CROSS JOIN fx_centre z{(sorted ? "\nORDER BY w.subscriber_id, w.week" : "")}
            """;
    }

    private static string Select(string name) => name switch
    {
        "subscriber_id" or "week" => $"w.{name}",
        "group" => "p.\"group\"",
        "is_refugee" => "p.is_refugee",
        "home_district_study" => "hs.home_district_study",
        "calls_out" or "calls_in" or "texts_out" or "texts_in" or "pct_initiated" or "call_duration_mean_s"
            or "call_duration_median_s" or "call_duration_total_s" or "pct_nocturnal" or "pct_weekend"
            => $"w.{name}",
        "active_days" or "interevent_time_mean_s" or "interevent_time_std_s" => $"g.{name}",
        "n_cells" or "n_districts" => $"coalesce(c.{name}, 0) AS {name}",
        "radius_of_gyration_km" => "c.radius_of_gyration_km",
        "clustering_coefficient" => "coalesce(cc.clustering_coefficient, 0.0) AS clustering_coefficient",
        "entropy_of_cells" or "churn_rate" => $"c.{name}",
        "entropy_of_contacts_norm" => "CASE WHEN e.n_contacts > 1 THEN e.entropy_of_contacts / ln(e.n_contacts) ELSE 0.0 END AS entropy_of_contacts_norm",
        "home_district" => "h.home_district",
        "work_district" => "k.work_district",
        "home_work_distance_km" => Haversine("h.lat", "h.lon", "k.lat", "k.lon") + " AS home_work_distance_km",
        "home_center_distance_km" => Haversine("h.lat", "h.lon", "z.lat", "z.lon") + " AS home_center_distance_km",
        "home_district_local_share" => "d.local_share AS home_district_local_share",
        _ => $"e.{name}",
    };
}
