namespace Mosaic.Definitions;

/// <summary>
/// The study's shared definitions of time, used by every stage (features, integration,
/// segregation, the simulator's truth). Timestamps are local wall-clock time; no zone is applied.
/// </summary>
/// <remarks>
/// Week k (1-based) covers days 7(k−1) … 7k−1 after <see cref="Start"/> (midnight of the
/// earliest record's date unless overridden). Night is 19:00–07:00 with both boundaries
/// counted as night (hour ≥ 19 or hour &lt; 7, plus exactly 07:00:00), weekend is Saturday and
/// Sunday, working hours are weekdays 09:00–17:00: all as bandicoot.
/// </remarks>
/// <param name="Start">Midnight that starts week 1.</param>
public sealed record StudyCalendar(DateTime Start)
{
    /// <summary>Night starts at this hour (inclusive).</summary>
    public const int NightStartHour = 19;

    /// <summary>Night ends at this hour (07:00:00 exactly still counts as night).</summary>
    public const int NightEndHour = 7;

    /// <summary>Working hours start (inclusive) on weekdays.</summary>
    public const int WorkStartHour = 9;

    /// <summary>Working hours end (exclusive) on weekdays.</summary>
    public const int WorkEndHour = 17;

    /// <summary>The 1-based study week of a timestamp (0 or negative before the start).</summary>
    public int WeekOf(DateTime time) => (int)Math.Floor((time - Start).TotalDays / 7.0) + 1;

    /// <summary>Night as bandicoot defines it: 19:00 ≤ t or t ≤ 07:00 (both boundaries night).</summary>
    public static bool IsNight(DateTime time) =>
        time.Hour >= NightStartHour || time.Hour < NightEndHour || time.TimeOfDay == TimeSpan.FromHours(NightEndHour);

    /// <summary>Saturday or Sunday.</summary>
    public static bool IsWeekend(DateTime time) => time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <summary>Weekdays 09:00 ≤ t &lt; 17:00: the window for work location.</summary>
    public static bool IsWorkHours(DateTime time) =>
        !IsWeekend(time) && time.Hour >= WorkStartHour && time.Hour < WorkEndHour;

    /// <summary>SQL expression for the study week of a timestamp column (DuckDB).</summary>
    public string WeekSql(string column) =>
        $"(CAST(floor(date_diff('second', TIMESTAMP '{Start:yyyy-MM-dd HH:mm:ss}', {column}) / 604800.0) AS INTEGER) + 1)";

    /// <summary>SQL predicate for night (DuckDB), equal to <see cref="IsNight"/>.</summary>
    public static string NightSql(string column) =>
        $"(hour({column}) >= {NightStartHour} OR hour({column}) < {NightEndHour} OR CAST({column} AS TIME) = TIME '0{NightEndHour}:00:00')";

    /// <summary>SQL predicate for the weekend (DuckDB; isodow 6 = Saturday, 7 = Sunday).</summary>
    public static string WeekendSql(string column) => $"(isodow({column}) >= 6)";

    /// <summary>SQL predicate for working hours (DuckDB), equal to <see cref="IsWorkHours"/>.</summary>
    public static string WorkHoursSql(string column) =>
        $"(isodow({column}) <= 5 AND hour({column}) >= {WorkStartHour} AND hour({column}) < {WorkEndHour})";
}

/// <summary>
/// Subscriber groups. <c>local</c>: birthplace is the city's code. <c>settled</c>: not local, at
/// least one call or text in week 1. <c>new</c>: not local, none in week 1, some later.
/// <c>unknown</c>: unattributed (absent from <c>subscribers</c>). Refugee and host come from
/// <c>is_refugee</c> and cut across the first three.
/// </summary>
public static class Groups
{
    /// <summary>Born in the study city.</summary>
    public const string Local = "local";

    /// <summary>Migrant active in week 1.</summary>
    public const string Settled = "settled";

    /// <summary>Migrant whose first activity is in week 2 or later.</summary>
    public const string New = "new";

    /// <summary>Unattributed subscriber (a contact, never a subject).</summary>
    public const string Unknown = "unknown";

    /// <summary>Refugee (<c>is_refugee</c> true).</summary>
    public const string Refugee = "refugee";

    /// <summary>Host (<c>is_refugee</c> false or null, attributed).</summary>
    public const string Host = "host";

    /// <summary>The three subject groups of the integration study, in report order.</summary>
    public static IReadOnlyList<string> Subjects { get; } = [Local, Settled, New];

    /// <summary>Subject groups plus unknown.</summary>
    public static IReadOnlyList<string> All { get; } = [Local, Settled, New, Unknown];

    /// <summary>The group of an attributed subscriber from birthplace and first active week.</summary>
    public static string Classify(string? birthplace, string cityCode, int? firstActiveWeek) =>
        string.Equals(birthplace, cityCode, StringComparison.Ordinal) ? Local
        : firstActiveWeek is null or 1 ? Settled
        : New;
}
