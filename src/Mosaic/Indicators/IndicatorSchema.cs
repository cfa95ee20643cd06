namespace Mosaic.Indicators;

/// <summary>bandicoot's indicators, in the order of <c>bandicoot.utils.all</c>.</summary>
internal enum Indicator
{
    ActiveDays,
    NumberOfContacts,
    CallDuration,
    PercentNocturnal,
    PercentInitiatedConversations,
    PercentInitiatedInteractions,
    ResponseDelayText,
    ResponseRateText,
    EntropyOfContacts,
    BalanceOfContacts,
    InteractionsPerContact,
    IntereventTime,
    PercentParetoInteractions,
    PercentParetoDurations,
    NumberOfInteractions,
    NumberOfInteractionIn,
    NumberOfInteractionOut,
    NumberOfAntennas,
    EntropyOfAntennas,
    PercentAtHome,
    RadiusOfGyration,
    FrequentAntennas,
}

/// <summary>The record filter an indicator instance uses (bandicoot's <c>interaction</c> key).</summary>
internal enum InteractionFilter
{
    Call = 0,
    Text = 1,
    CallAndText = 2,

    /// <summary>Spatial indicators: every record, no interaction key.</summary>
    All = 3,
}

/// <summary>One (indicator, part of week/day, interaction) cell: where its weekly values accumulate and where its outputs go.</summary>
internal readonly record struct IndicatorInstance(Indicator Indicator, int Combo, InteractionFilter Interaction, bool Summary, int Accumulator, int Slot);

/// <summary>
/// The flattened output layout for a set of options: every key, in bandicoot's order
/// (indicator, part of week, part of day, interaction, statistic, reduction over weeks), and
/// where each computed value lands. Built once per run; every user fills the same slots.
/// </summary>
internal sealed class IndicatorSchema
{
    private static readonly (Indicator Indicator, string Name, InteractionFilter[] Filters, bool Summary)[] Definitions =
    [
        (Indicator.ActiveDays, "active_days", [InteractionFilter.CallAndText], false),
        (Indicator.NumberOfContacts, "number_of_contacts", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.CallDuration, "call_duration", [InteractionFilter.Call], true),
        (Indicator.PercentNocturnal, "percent_nocturnal", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.PercentInitiatedConversations, "percent_initiated_conversations", [InteractionFilter.CallAndText], false),
        (Indicator.PercentInitiatedInteractions, "percent_initiated_interactions", [InteractionFilter.Call], false),
        (Indicator.ResponseDelayText, "response_delay_text", [InteractionFilter.CallAndText], true),
        (Indicator.ResponseRateText, "response_rate_text", [InteractionFilter.CallAndText], false),
        (Indicator.EntropyOfContacts, "entropy_of_contacts", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.BalanceOfContacts, "balance_of_contacts", [InteractionFilter.Call, InteractionFilter.Text], true),
        (Indicator.InteractionsPerContact, "interactions_per_contact", [InteractionFilter.Call, InteractionFilter.Text], true),
        (Indicator.IntereventTime, "interevent_time", [InteractionFilter.Call, InteractionFilter.Text], true),
        (Indicator.PercentParetoInteractions, "percent_pareto_interactions", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.PercentParetoDurations, "percent_pareto_durations", [InteractionFilter.Call], false),
        (Indicator.NumberOfInteractions, "number_of_interactions", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.NumberOfInteractionIn, "number_of_interaction_in", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.NumberOfInteractionOut, "number_of_interaction_out", [InteractionFilter.Call, InteractionFilter.Text], false),
        (Indicator.NumberOfAntennas, "number_of_antennas", [InteractionFilter.All], false),
        (Indicator.EntropyOfAntennas, "entropy_of_antennas", [InteractionFilter.All], false),
        (Indicator.PercentAtHome, "percent_at_home", [InteractionFilter.All], false),
        (Indicator.RadiusOfGyration, "radius_of_gyration", [InteractionFilter.All], false),
        (Indicator.FrequentAntennas, "frequent_antennas", [InteractionFilter.All], false),
    ];

    private static readonly string[] StatisticNames = ["mean", "std", "median", "skewness", "kurtosis", "min", "max"];
    private static readonly string[] InteractionNames = ["call", "text", "callandtext", ""];

    private readonly int[] lookup;

    public IndicatorSchema(IndicatorOptions options)
    {
        Options = options;
        string[] weekParts = options.SplitWeek ? ["allweek", "weekday", "weekend"] : ["allweek"];
        string[] dayParts = options.SplitDay ? ["allday", "day", "night"] : ["allday"];
        var combos = new List<(int Week, int Day, string Name)>();
        for (var w = 0; w < weekParts.Length; w++)
        {
            for (var d = 0; d < dayParts.Length; d++)
            {
                combos.Add((w, d, $"{weekParts[w]}__{dayParts[d]}"));
            }
        }

        Combos = [.. combos.Select(c => (c.Week, c.Day))];
        CellNames = [.. combos.Select(c => c.Name)];
        KeptStatistics = options.Summary == IndicatorSummary.Extended ? 7 : 2;
        var weekly = options.GroupBy == IndicatorGrouping.Week;
        var keys = new List<string>();
        var instances = new List<IndicatorInstance>();
        lookup = new int[Definitions.Length * combos.Count * 4];
        Array.Fill(lookup, -1);
        var accumulator = 0;
        foreach (var (indicator, name, filters, summary) in Definitions)
        {
            for (var c = 0; c < combos.Count; c++)
            {
                foreach (var filter in filters)
                {
                    var prefix = filter == InteractionFilter.All
                        ? $"{name}__{combos[c].Name}"
                        : $"{name}__{combos[c].Name}__{InteractionNames[(int)filter]}";
                    lookup[Index(indicator, c, filter)] = instances.Count;
                    instances.Add(new IndicatorInstance(indicator, c, filter, summary, accumulator, keys.Count));
                    accumulator += summary ? SummaryStatistics.Count : 1;
                    if (summary)
                    {
                        for (var s = 0; s < KeptStatistics; s++)
                        {
                            AddReduced(keys, $"{prefix}__{StatisticNames[s]}", weekly);
                        }
                    }
                    else
                    {
                        AddReduced(keys, prefix, weekly);
                    }
                }
            }
        }

        // churn_rate is always computed over weeks and reduced to mean and std.
        ChurnSlot = keys.Count;
        keys.Add("churn_rate__mean");
        keys.Add("churn_rate__std");
        Keys = [.. keys];
        Instances = [.. instances];
        AccumulatorCount = accumulator;
    }

    public IndicatorOptions Options { get; }

    /// <summary>(part of week, part of day) pairs: 0 = all, 1 = weekday / day, 2 = weekend / night.</summary>
    public (int Week, int Day)[] Combos { get; }

    public string[] Keys { get; }

    /// <summary>Cell names (<c>allweek__allday</c>, ...) in <see cref="Combos"/> order.</summary>
    public string[] CellNames { get; }

    public IndicatorInstance[] Instances { get; }

    public int AccumulatorCount { get; }

    public int KeptStatistics { get; }

    public int ChurnSlot { get; }

    /// <summary>The instance index of (indicator, combo, filter), or −1 when the indicator does not use that filter.</summary>
    public int Find(Indicator indicator, int combo, InteractionFilter filter) => lookup[Index(indicator, combo, filter)];

    private int Index(Indicator indicator, int combo, InteractionFilter filter) =>
        (((int)indicator * Combos.Length) + combo) * 4 + (int)filter;

    private static void AddReduced(List<string> keys, string prefix, bool weekly)
    {
        if (weekly)
        {
            keys.Add($"{prefix}__mean");
            keys.Add($"{prefix}__std");
        }
        else
        {
            keys.Add(prefix);
        }
    }
}
