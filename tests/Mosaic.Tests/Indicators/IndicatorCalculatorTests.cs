using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

/// <summary>Hand-built users whose indicator values are derived by hand from bandicoot's definitions.</summary>
public class IndicatorCalculatorTests
{
    private const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";

    private static Dictionary<string, double?> Run(string rows, IndicatorGrouping grouping = IndicatorGrouping.None)
    {
        using var temp = new TempFolder();
        temp.Write("records/u.csv", Header + rows);
        var antennas = temp.Write("antennas.csv", "antenna_id,latitude,longitude\n1,41.0,29.0\n2,41.1,29.0\n3,41.0,29.1\n4,41.2,29.2\n");
        IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("out.json")) { Options = new IndicatorOptions { GroupBy = grouping } });
        return IndicatorRunTests.ReadUser(temp.File("out.json"), "u")
            .Where(p => p.Value.ValueKind is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.Null)
            .ToDictionary(p => p.Key, p => p.Value.ValueKind == System.Text.Json.JsonValueKind.Null ? (double?)null : p.Value.GetDouble());
    }

    [Fact]
    public void PercentNocturnal_BoundaryTimes_SevenAndNineteenOClockAreNight()
    {
        var values = Run(
            "text,in,x,2024-03-04 07:00:00,,1\n" +
            "text,in,x,2024-03-04 07:00:01,,1\n" +
            "text,in,x,2024-03-04 18:59:59,,1\n" +
            "text,in,x,2024-03-04 19:00:00,,1\n");
        Assert.Equal(0.5, values["percent_nocturnal__allweek__allday__text"]);
    }

    [Fact]
    public void Conversations_GapOfExactlyOneHourAndACall_SplitConversations()
    {
        // Conversations with x: [in 10:00, out 10:10], [in 11:10 (a gap of exactly one hour), in 11:20],
        // the call at 11:30 closes it, [out 11:40]. Received 2, answered 1; one delay of 600 s; 1 of 3 initiated.
        var values = Run(
            "text,in,x,2024-03-04 10:00:00,,1\n" +
            "text,out,x,2024-03-04 10:10:00,,1\n" +
            "text,in,x,2024-03-04 11:10:00,,1\n" +
            "text,in,x,2024-03-04 11:20:00,,1\n" +
            "call,out,x,2024-03-04 11:30:00,60,1\n" +
            "text,out,x,2024-03-04 11:40:00,,1\n");
        Assert.Equal(0.5, values["response_rate_text__allweek__allday__callandtext"]);
        Assert.Equal(600.0, values["response_delay_text__allweek__allday__callandtext__mean"]);
        Assert.Equal(0.0, values["response_delay_text__allweek__allday__callandtext__std"]);
        Assert.Equal(1.0 / 3, values["percent_initiated_conversations__allweek__allday__callandtext"]!.Value, 12);
        Assert.Equal(1.0, values["active_days__allweek__allday__callandtext"]);
    }

    [Fact]
    public void Binning_TieWithinHalfHour_FirstPositionWinsAndIsHome()
    {
        // Bin 20:00-20:29 holds antennas 1 and 2 once each: 1 (first) wins; 20:40 is antenna 2.
        // Night positions [1, 2] tie for home: the first seen (1) is home, so half the positions are at home.
        var values = Run(
            "text,in,x,2024-03-04 20:00:00,,1\n" +
            "text,in,x,2024-03-04 20:10:00,,2\n" +
            "text,in,x,2024-03-04 20:40:00,,2\n");
        Assert.Equal(2.0, values["number_of_antennas__allweek__allday"]);
        Assert.Equal(0.5, values["percent_at_home__allweek__allday"]);
        Assert.Equal(Math.Log(2), values["entropy_of_antennas__allweek__allday"]!.Value, 12);
        Assert.Equal(2.0, values["frequent_antennas__allweek__allday"]);
    }

    [Fact]
    public void Binning_SameDayOfMonthInConsecutiveMonths_SharesOneBinAsBandicoot()
    {
        // bandicoot's bin key is (year, day of month, hour, half hour): consecutive records a month apart share a bin.
        var values = Run(
            "text,in,x,2024-01-05 10:05:00,,3\n" +
            "text,in,x,2024-02-05 10:10:00,,4\n");
        Assert.Equal(1.0, values["number_of_antennas__allweek__allday"]);
    }

    [Fact]
    public void WeeklyReduction_IsoWeekAcrossNewYear_MeanAndPopulationStdOverWeeks()
    {
        // 2024-12-29 is in ISO week 2024-W52; 2024-12-30 and 2025-01-05 are both in 2025-W01.
        var values = Run(
            "text,in,x,2024-12-29 12:00:00,,1\n" +
            "text,in,x,2024-12-30 12:00:00,,1\n" +
            "text,out,y,2025-01-05 12:00:00,,1\n",
            IndicatorGrouping.Week);
        Assert.Equal(1.5, values["number_of_interactions__allweek__allday__text__mean"]);
        Assert.Equal(0.5, values["number_of_interactions__allweek__allday__text__std"]);
        Assert.Null(values["number_of_interactions__allweek__allday__call__mean"]);
        // Churn: week frequencies at the single antenna are identical, so the cosine distance is 0.
        Assert.Equal(0.0, values["churn_rate__mean"]!.Value, 12);
    }

    [Fact]
    public void Pareto_CountsFiveThreeOneOne_TwoContactsOfTenInteractions()
    {
        var rows = new System.Text.StringBuilder();
        var minute = 0;
        foreach (var (contact, n) in new[] { ("a", 5), ("b", 3), ("c", 1), ("d", 1) })
        {
            for (var i = 0; i < n; i++)
            {
                rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"call,out,{contact},2024-03-04 12:{minute++:D2}:00,{10 * (i + 1)},1\n");
            }
        }

        var values = Run(rows.ToString());
        // ceil(10 * 0.8) = 8 = 5 + 3: two contacts, divided by the 10 records.
        Assert.Equal(0.2, values["percent_pareto_interactions__allweek__allday__call"]!.Value, 12);
        Assert.Equal(4.0, values["number_of_contacts__allweek__allday__call"]);
        // interactions per contact [1, 1, 3, 5]: mean 2.5, population std sqrt(2.75), median 2.
        Assert.Equal(2.5, values["interactions_per_contact__allweek__allday__call__mean"]);
        Assert.Equal(Math.Sqrt(2.75), values["interactions_per_contact__allweek__allday__call__std"]!.Value, 12);
    }

    [Fact]
    public void SummaryStatistics_OneToFour_MatchesHandComputedMoments()
    {
        double[] data = [4, 1, 3, 2];
        var stats = new double[SummaryStatistics.Count];
        SummaryStatistics.Compute(data, stats);
        Assert.Equal(2.5, stats[0]);
        Assert.Equal(Math.Sqrt(1.25), stats[1], 12);
        Assert.Equal(2.5, stats[2]);
        Assert.Equal(0.0, stats[3], 12);
        Assert.Equal(2.5625 / 1.5625, stats[4], 12); // non-excess kurtosis
        Assert.Equal(1.0, stats[5]);
        Assert.Equal(4.0, stats[6]);
    }

    [Fact]
    public void SummaryStatistics_SingleValue_ZeroMomentsAsBandicoot()
    {
        double[] data = [7];
        var stats = new double[SummaryStatistics.Count];
        SummaryStatistics.Compute(data, stats);
        Assert.Equal([7, 0, 7, 0, 0, 7, 7], stats);
    }

    [Theory]
    [InlineData("2024-02-29 23:59:59", true)]
    [InlineData("2023-02-29 10:00:00", false)]
    [InlineData("2024-3-4 7:5:9", true)]
    [InlineData("2024-03-04T10:00:00", false)]
    [InlineData("2024-03-04 24:00:00", false)]
    [InlineData("2024-03-04", false)]
    public void TryDateTime_StrptimeRules_AcceptsAndRejectsAsPython(string text, bool valid)
    {
        var ok = BandicootReader.TryDateTime(System.Text.Encoding.ASCII.GetBytes(text), out var ticks);
        Assert.Equal(valid, ok);
        if (ok)
        {
            Assert.Equal(DateTime.Parse(NormaliseForCheck(text), System.Globalization.CultureInfo.InvariantCulture).Ticks, ticks);
        }
    }

    private static string NormaliseForCheck(string text)
    {
        var parts = text.Split(' ');
        var d = parts[0].Split('-').Select(int.Parse).ToArray();
        var t = parts[1].Split(':').Select(int.Parse).ToArray();
        return new DateTime(d[0], d[1], d[2], t[0], t[1], t[2]).ToString("s", System.Globalization.CultureInfo.InvariantCulture);
    }
}
