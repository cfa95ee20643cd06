namespace Mosaic.Indicators;

/// <summary>
/// bandicoot's recharge indicators (<c>recharge.py</c>), present when a recharges folder is given:
/// <c>amount_recharges</c> and <c>interevent_time_recharges</c> (distributions),
/// <c>percent_pareto_recharges</c> and <c>number_of_recharges</c> (per week and cell, like the
/// individual indicators, without interaction key), and <c>average_balance_recharges</c> (one
/// value: the area under a linear spend-down between recharges, per day; null when the first and
/// last recharge fall on the same day, where bandicoot divides by zero). A recharge is a date, so
/// it falls at midnight: at night.
/// </summary>
internal static class RechargeIndicators
{
    private static readonly string[] Names = ["amount_recharges", "interevent_time_recharges", "percent_pareto_recharges", "number_of_recharges"];
    private static readonly bool[] IsSummary = [true, true, false, false];
    private static readonly string[] StatisticNames = ["mean", "std", "median", "skewness", "kurtosis", "min", "max"];

    /// <summary>The recharge keys, in bandicoot's order, for the schema's cells and options.</summary>
    public static string[] Keys(IndicatorSchema schema, string[] cellNames)
    {
        var weekly = schema.Options.GroupBy == IndicatorGrouping.Week;
        var keys = new List<string>();
        for (var k = 0; k < Names.Length; k++)
        {
            foreach (var cell in cellNames)
            {
                var prefix = $"{Names[k]}__{cell}";
                var stats = IsSummary[k] ? StatisticNames.Take(schema.KeptStatistics).Select(s => $"{prefix}__{s}") : [prefix];
                foreach (var key in stats)
                {
                    if (weekly)
                    {
                        keys.Add(key + "__mean");
                        keys.Add(key + "__std");
                    }
                    else
                    {
                        keys.Add(key);
                    }
                }
            }
        }

        keys.Add("average_balance_recharges");
        return [.. keys];
    }

    /// <summary>Fills the recharge values (laid out as <see cref="Keys"/>) for a user with at least one recharge.</summary>
    public static void Compute(IndicatorSchema schema, IReadOnlyList<Recharge> recharges, Span<double> output)
    {
        var weekly = schema.Options.GroupBy == IndicatorGrouping.Week;
        var kept = schema.KeptStatistics;
        var slot = 0;
        var stats = new double[SummaryStatistics.Count];
        for (var k = 0; k < Names.Length; k++)
        {
            foreach (var (w, d) in schema.Combos)
            {
                // Midnight is night: the day cells are empty.
                var cell = recharges.Where(r => (w == 0 || (w == 1) != IsWeekend(r.Date)) && d != 1).ToList();
                var perGroup = new List<double[]>();
                foreach (var group in Group(cell, weekly))
                {
                    perGroup.Add(Values(k, group, stats));
                }

                var width = IsSummary[k] ? kept : 1;
                for (var s = 0; s < width; s++)
                {
                    var column = perGroup.Select(v => v[s]).ToArray();
                    if (weekly)
                    {
                        var (mean, std) = SummaryStatistics.MeanStd(column);
                        output[slot++] = mean;
                        output[slot++] = std;
                    }
                    else
                    {
                        output[slot++] = column.Length == 0 ? double.NaN : column[0];
                    }
                }
            }
        }

        output[slot] = AverageBalance(recharges);
    }

    private static double[] Values(int indicator, List<Recharge> group, double[] stats)
    {
        switch (indicator)
        {
            case 0:
                SummaryStatistics.Compute(group.Select(r => r.Amount).ToArray(), stats);
                return [.. stats];
            case 1:
                SummaryStatistics.Compute(group.Zip(group.Skip(1), (a, b) => (b.Date - a.Date).TotalSeconds).ToArray(), stats);
                return [.. stats];
            case 2:
                var amounts = group.Select(r => r.Amount).OrderDescending().ToArray();
                var target = 0.8 * amounts.Sum();
                var partial = 0.0;
                var count = 0;
                for (; count < amounts.Length; count++)
                {
                    partial += amounts[count];
                    if (partial >= target)
                    {
                        break;
                    }
                }

                return [(double)(Math.Min(count, amounts.Length - 1) + 1) / group.Count];
            default:
                return [group.Count];
        }
    }

    private static IEnumerable<List<Recharge>> Group(List<Recharge> recharges, bool weekly)
    {
        if (recharges.Count == 0)
        {
            yield break;
        }

        if (!weekly)
        {
            yield return recharges;
            yield break;
        }

        var start = 0;
        for (var i = 1; i <= recharges.Count; i++)
        {
            if (i == recharges.Count || Monday(recharges[i].Date) != Monday(recharges[start].Date))
            {
                yield return recharges.GetRange(start, i - start);
                start = i;
            }
        }
    }

    private static double AverageBalance(IReadOnlyList<Recharge> recharges)
    {
        var balance = 0.0;
        for (var i = 1; i < recharges.Count; i++)
        {
            balance += recharges[i - 1].Amount * (recharges[i].Date - recharges[i - 1].Date).Days / 2.0;
        }

        var days = (recharges[^1].Date - recharges[0].Date).Days;
        return days == 0 ? double.NaN : balance / days;
    }

    private static bool IsWeekend(DateTime date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private static DateTime Monday(DateTime date) => date.AddDays(-(((int)date.DayOfWeek + 6) % 7));
}
