using System.Text.Json;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

/// <summary>
/// With both splits, the whole-week and all-day cells are computed from their two disjoint parts
/// (weekday + weekend, day + night), not from their records. Each must give the same values as
/// when it is computed from its own records, which it is when the split that makes it a union is off.
/// </summary>
public class CellUnionTests
{
    private const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";

    private static Dictionary<string, Dictionary<string, JsonElement>> RunAll(string records, string antennas, IndicatorOptions options)
    {
        var output = Path.Combine(Path.GetDirectoryName(records)!, $"out-{options.SplitWeek}-{options.SplitDay}.json");
        IndicatorRun.Run(new IndicatorRequest(records, antennas, output) { Options = options });
        using var document = JsonDocument.Parse(File.ReadAllText(output));
        return document.RootElement.EnumerateObject().ToDictionary(
            u => u.Name, u => u.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
    }

    /// <summary>Asserts every indicator key of <paramref name="alone"/> whose cell is one of <paramref name="cells"/> has the same text in <paramref name="union"/>; returns how many were compared.</summary>
    private static int AssertSameCells(
        Dictionary<string, Dictionary<string, JsonElement>> union, Dictionary<string, Dictionary<string, JsonElement>> alone, string[] cells)
    {
        var compared = 0;
        foreach (var (user, values) in alone)
        {
            foreach (var (key, value) in values)
            {
                if (cells.Any(cell => key.Contains($"__{cell}", StringComparison.Ordinal)))
                {
                    Assert.True(union[user].TryGetValue(key, out var other), key);
                    Assert.True(value.GetRawText() == other.GetRawText(), $"{user} {key}: {value.GetRawText()} alone, {other.GetRawText()} as a union");
                    compared++;
                }
            }
        }

        return compared;
    }

    [Theory]
    [InlineData(IndicatorGrouping.Week)]
    [InlineData(IndicatorGrouping.None)]
    public void UnionCells_SyntheticUsers_SameAsComputedFromTheirRecords(IndicatorGrouping grouping)
    {
        using var temp = new TempFolder();
        var antennas = SyntheticUsers.Write(temp.File("records"), temp.File("antennas.csv"), users: 30, recordsPerUser: 600, seed: 11);
        var options = new IndicatorOptions { GroupBy = grouping, Summary = IndicatorSummary.Extended };
        var both = RunAll(temp.File("records"), antennas, options with { SplitWeek = true, SplitDay = true });
        var compared = AssertSameCells(both, RunAll(temp.File("records"), antennas, options), ["allweek__allday"]);
        compared += AssertSameCells(both, RunAll(temp.File("records"), antennas, options with { SplitDay = true }), ["allweek__day", "allweek__night"]);
        compared += AssertSameCells(both, RunAll(temp.File("records"), antennas, options with { SplitWeek = true }), ["weekday__allday", "weekend__allday"]);
        Assert.True(compared > 30 * 5 * 40, $"{compared} values compared");
    }

    [Fact]
    public void ChurnRate_FromTheWholeWeekCellsBins_SameAsBinnedAgain()
    {
        // Grouping by week, churn_rate reads the positions the whole-week cell binned (from its
        // records, or from the weekday and weekend parts with --split-week); without grouping it
        // bins every week itself. churn_rate is weekly in every case, so all must agree.
        using var temp = new TempFolder();
        var antennas = SyntheticUsers.Write(temp.File("records"), temp.File("antennas.csv"), users: 30, recordsPerUser: 600, seed: 12);
        var weekly = new IndicatorOptions();
        var alone = RunAll(temp.File("records"), antennas, weekly with { GroupBy = IndicatorGrouping.None });
        var compared = 0;
        foreach (var options in new[] { weekly, weekly with { SplitWeek = true }, weekly with { SplitWeek = true, SplitDay = true } })
        {
            var union = RunAll(temp.File("records"), antennas, options);
            foreach (var (user, values) in alone)
            {
                foreach (var key in new[] { "churn_rate__mean", "churn_rate__std" })
                {
                    Assert.Equal(JsonValueKind.Number, values[key].ValueKind);
                    Assert.True(values[key].GetRawText() == union[user][key].GetRawText(), $"{user} {key}: {values[key].GetRawText()} binned again, {union[user][key].GetRawText()} from the cell");
                    compared++;
                }
            }
        }

        Assert.Equal(3 * 30 * 2, compared);
    }

    [Fact]
    public void Conversations_FridayNightIntoSaturday_OneConversationInTheWholeWeek()
    {
        // x writes on Friday 2024-03-08 at 23:50, the user answers at 00:10 on Saturday: one
        // conversation of the week, answered after 1,200 s (also the longest gap between night texts). Weekdays alone: one received and
        // unanswered; weekend alone: one started by the user, no delay.
        using var temp = new TempFolder();
        temp.Write("records/u.csv", Header +
            "text,in,y,2024-03-05 10:00:00,,1\n" +
            "text,in,x,2024-03-08 23:50:00,,1\n" +
            "text,out,x,2024-03-09 00:10:00,,1\n" +
            "text,in,x,2024-03-09 00:20:00,,1\n");
        var antennas = temp.Write("antennas.csv", "antenna_id,latitude,longitude\n1,41.0,29.0\n");
        var values = RunAll(temp.File("records"), antennas, new IndicatorOptions { SplitWeek = true, SplitDay = true, Summary = IndicatorSummary.Extended })["u"];
        double? Value(string key) => values[key].ValueKind == JsonValueKind.Null ? null : values[key].GetDouble();
        Assert.Equal(0.5, Value("response_rate_text__allweek__allday__callandtext__mean"));
        Assert.Equal(1200.0, Value("response_delay_text__allweek__allday__callandtext__mean__mean"));
        Assert.Equal(0.0, Value("percent_initiated_conversations__allweek__allday__callandtext__mean"));
        Assert.Equal(1200.0, Value("response_delay_text__allweek__night__callandtext__mean__mean"));
        Assert.Equal(0.0, Value("response_rate_text__weekday__allday__callandtext__mean"));
        Assert.Null(Value("response_rate_text__weekend__allday__callandtext__mean"));
        Assert.Null(Value("response_delay_text__weekend__allday__callandtext__mean__mean"));
        Assert.Equal(1.0, Value("percent_initiated_conversations__weekend__allday__callandtext__mean"));
        Assert.Equal(3.0, Value("active_days__allweek__allday__callandtext__mean"));
        Assert.Equal(1200.0, Value("interevent_time__allweek__night__text__max__mean"));
    }
}
