namespace Mosaic.Definitions;

/// <summary>
/// Home and work locations, defined once for every stage. <b>Home</b> is the subscriber's most
/// frequent cell at night (<see cref="StudyCalendar.NightSql"/>), <b>work</b> the most frequent
/// cell on weekdays 09:00–17:00. Ties go to the cell seen first in time (bandicoot's "first
/// most frequent"), then to the smaller cell id. Events without a cell are ignored; a subscriber
/// with no qualifying event has no home (or work).
/// </summary>
public static class HomeWork
{
    /// <summary>
    /// SQL returning <c>(subscriber_id[, week], cell_id)</c>: the home cell per subscriber over the
    /// whole period, or per study week when <paramref name="weekExpression"/> is given (an SQL
    /// expression over <c>start_time</c>, e.g. from <see cref="StudyCalendar.WeekSql"/>).
    /// </summary>
    /// <param name="eventsView">A view with the columns of <see cref="Data.Events"/>.</param>
    /// <param name="weekExpression">Null for the whole period.</param>
    public static string HomeCellsSql(string eventsView, string? weekExpression = null) =>
        MostFrequentCellSql(eventsView, StudyCalendar.NightSql("start_time"), weekExpression);

    /// <summary>SQL returning <c>(subscriber_id[, week], cell_id)</c>: the work cell. See <see cref="HomeCellsSql"/>.</summary>
    public static string WorkCellsSql(string eventsView, string? weekExpression = null) =>
        MostFrequentCellSql(eventsView, StudyCalendar.WorkHoursSql("start_time"), weekExpression);

    /// <summary>Most frequent non-null cell among events matching <paramref name="predicate"/>, ties as documented.</summary>
    public static string MostFrequentCellSql(string eventsView, string predicate, string? weekExpression = null)
    {
        var week = weekExpression is null ? "" : $"{weekExpression} AS week, ";
        var weekKey = weekExpression is null ? "" : ", week";
        return RankCellsSql(
            $"""
            SELECT subscriber_id, {week}cell_id, count(*) AS n, min(start_time) AS first_seen
            FROM {eventsView}
            WHERE cell_id IS NOT NULL AND {predicate}
            GROUP BY ALL
            """,
            weekKey);
    }

    /// <summary>
    /// SQL returning <c>(subscriber_id, cell_id)</c>: the most frequent cell, ties as documented,
    /// from events already counted per subscriber and cell — rows <c>(subscriber_id, cell_id, n,
    /// first_seen)</c> with <c>n</c> the qualifying events and <c>first_seen</c> the earliest of
    /// them; rows with a null cell are ignored. For stages that count once and reuse the counts.
    /// </summary>
    /// <param name="countsSql">A table, view or parenthesised query with those columns.</param>
    /// <param name="perWeek">
    /// The counts are per subscriber, week and cell (a <c>week</c> column too): the result is
    /// <c>(subscriber_id, week, cell_id)</c>, the most frequent cell of each week.
    /// </param>
    public static string MostFrequentCountedCellSql(string countsSql, bool perWeek = false) =>
        perWeek
            ? RankCellsSql($"SELECT subscriber_id, week, cell_id, n, first_seen FROM {countsSql} WHERE cell_id IS NOT NULL", ", week")
            : RankCellsSql($"SELECT subscriber_id, cell_id, n, first_seen FROM {countsSql} WHERE cell_id IS NOT NULL", "");

    private static string RankCellsSql(string countsSql, string weekKey)
    {
        var weekOut = weekKey.Length == 0 ? "" : "week, ";
        return $"""
            SELECT subscriber_id, {weekOut}cell_id FROM (
                SELECT subscriber_id{weekKey}, cell_id,
                       row_number() OVER (PARTITION BY subscriber_id{weekKey}
                                          ORDER BY n DESC, first_seen, cell_id) AS rank
                FROM ({countsSql}))
            WHERE rank = 1
            """;
    }
}
