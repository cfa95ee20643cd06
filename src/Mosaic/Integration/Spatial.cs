using Mosaic.Definitions;
using Mosaic.Privacy;

namespace Mosaic.Integration;

/// <summary>
/// Group sizes and where each group lives: the paper's maps. A subscriber's home district over
/// the study is the district most often their weekly <c>home_district</c> (ties go to the most
/// recent week's), so every subscriber counts once whatever their number of active weeks.
/// </summary>
internal static class Spatial
{
    /// <summary><c>group,subscribers,suppressed</c>: distinct subscribers per group; counts below k suppressed.</summary>
    public static Csv GroupSizes(FeatureTable table, int k, out long[] sizes)
    {
        sizes = new long[3];
        for (var i = 0; i < table.Rows; i++)
        {
            if (i == 0 || table.Subscribers[i] != table.Subscribers[i - 1])
            {
                sizes[table.Groups[i]]++;
            }
        }

        var csv = new Csv("group", "subscribers", "suppressed");
        for (var g = 0; g < 3; g++)
        {
            csv.Add(Groups.Subjects[g], sizes[g] < k ? null : sizes[g], sizes[g] < k);
        }

        return csv;
    }

    /// <summary>
    /// <c>district_id,group,share,log_ratio,suppressed</c>: P_g(d), the share of group g's
    /// subscribers (with a home) whose home is d, and ln P_g(d) − ln P_all(d) with "all" the three
    /// subject groups together. Every district of <paramref name="districts"/> and every district
    /// seen as a home appears; a cell with fewer than k subscribers is suppressed (share and ratio empty),
    /// and so are the complementary cells that would let it be recovered by subtraction.
    /// </summary>
    public static Csv HomeShares(FeatureTable table, IEnumerable<int> districts, int k)
    {
        var homes = HomeDistrictPerSubscriber(table);
        var counts = new SortedDictionary<int, long[]>();
        foreach (var d in districts)
        {
            counts.TryAdd(d, new long[3]);
        }

        var totals = new long[3];
        foreach (var (group, district) in homes)
        {
            if (!counts.TryGetValue(district, out var row))
            {
                counts[district] = row = new long[3];
            }

            row[group]++;
            totals[group]++;
        }

        // Shares add up to 1 down each group, and a district's total follows from any shown
        // log-ratio, so both lines get complementary suppression (Privacy/SmallCells).
        var districtIds = counts.Keys.ToArray();
        var subscribers = new double[districtIds.Length, 3];
        var hidden = new bool[districtIds.Length, 3];
        for (var i = 0; i < districtIds.Length; i++)
        {
            for (var g = 0; g < 3; g++)
            {
                subscribers[i, g] = counts[districtIds[i]][g];
                hidden[i, g] = counts[districtIds[i]][g] < k;
            }
        }

        SmallCells.Complement(subscribers, hidden, k, rows: true, columns: true);
        var all = totals.Sum();
        var csv = new Csv("district_id", "group", "share", "log_ratio", "suppressed");
        for (var i = 0; i < districtIds.Length; i++)
        {
            var row = counts[districtIds[i]];
            var shareAll = (double)row.Sum() / all;
            for (var g = 0; g < 3; g++)
            {
                if (hidden[i, g])
                {
                    csv.Add(districtIds[i], Groups.Subjects[g], null, null, true);
                    continue;
                }

                var share = (double)row[g] / totals[g];
                csv.Add(districtIds[i], Groups.Subjects[g], share, Math.Log(share) - Math.Log(shareAll), false);
            }
        }

        return csv;
    }

    /// <summary>(group, modal home district) per subscriber with at least one known home.</summary>
    internal static List<(int Group, int District)> HomeDistrictPerSubscriber(FeatureTable table)
    {
        var result = new List<(int, int)>();
        var votes = new Dictionary<int, (int Count, int LastWeek)>();
        var i = 0;
        while (i < table.Rows)
        {
            var j = i;
            votes.Clear();
            while (j < table.Rows && table.Subscribers[j] == table.Subscribers[i])
            {
                var d = table.HomeDistricts[j];
                if (d != FeatureTable.NoDistrict)
                {
                    var (count, _) = votes.GetValueOrDefault(d);
                    votes[d] = (count + 1, table.Weeks[j]);
                }

                j++;
            }

            if (votes.Count > 0)
            {
                var best = votes.MaxBy(v => (v.Value.Count, v.Value.LastWeek)).Key;
                result.Add((table.Groups[i], best));
            }

            i = j;
        }

        return result;
    }
}
