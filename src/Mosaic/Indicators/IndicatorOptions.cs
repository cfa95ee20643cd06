namespace Mosaic.Indicators;

/// <summary>How records are grouped before an indicator is reduced (bandicoot's <c>groupby</c>).</summary>
public enum IndicatorGrouping
{
    /// <summary>ISO weeks (Monday to Sunday); each indicator is computed per week with data, then reduced to mean and std over weeks.</summary>
    Week,

    /// <summary>No grouping: each indicator is computed once over all records.</summary>
    None,
}

/// <summary>Which statistics describe a distribution-valued indicator (bandicoot's <c>summary</c>).</summary>
public enum IndicatorSummary
{
    /// <summary>mean and std.</summary>
    Default,

    /// <summary>mean, std, median, skewness, kurtosis, min and max.</summary>
    Extended,
}

/// <summary>The record file layout read by <c>mosaic indicators</c>.</summary>
public enum RecordFormat
{
    /// <summary>bandicoot's CSV: <c>interaction,direction,correspondent_id,datetime,call_duration,antenna_id</c> (+ optional <c>latitude,longitude</c>).</summary>
    Bandicoot,

    /// <summary>bandicoot's "orange" layout: <c>;</c>-separated, no header, <c>call_record_type;basic_service;user_msisdn;call_partner_identity;datetime;call_duration;longitude;latitude</c>.</summary>
    Orange,
}

/// <summary>
/// Options of the bandicoot-compatible indicators (the arguments of bandicoot's <c>utils.all</c>).
/// Night is 19:00–07:00 with both boundaries counted as night, weekend is Saturday and Sunday
/// (ISO days 6 and 7), as bandicoot's defaults; these are fixed for compatibility.
/// </summary>
public sealed record IndicatorOptions
{
    /// <summary>Grouping of records before reduction; default <see cref="IndicatorGrouping.Week"/>.</summary>
    public IndicatorGrouping GroupBy { get; init; } = IndicatorGrouping.Week;

    /// <summary>Statistics kept for distribution indicators; default <see cref="IndicatorSummary.Default"/>.</summary>
    public IndicatorSummary Summary { get; init; } = IndicatorSummary.Default;

    /// <summary>Also compute every indicator on weekdays and on weekends.</summary>
    public bool SplitWeek { get; init; }

    /// <summary>Also compute every indicator during the day and during the night.</summary>
    public bool SplitDay { get; init; }

    /// <summary>
    /// bandicoot's network mode: read each correspondent's own file from the records folder and
    /// drop the user's records that the correspondent's file does not reciprocate; report the
    /// out-of-network shares.
    /// </summary>
    public bool Network { get; init; }

    /// <summary>Record file layout; default <see cref="RecordFormat.Bandicoot"/>.</summary>
    public RecordFormat Format { get; init; } = RecordFormat.Bandicoot;

    /// <summary>
    /// Users the workers may compute ahead of the writer (bounds memory: their rendered output is
    /// held until it is written in user order); must be positive.
    /// </summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Degree of parallelism; null uses every core.</summary>
    public int? Threads { get; init; }

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (BatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        }

        if (Threads is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be positive.");
        }
    }
}
