using Mosaic.Definitions;
using Mosaic.Features;

namespace Mosaic.Tests.Features;

/// <summary>
/// A deliberately naive reference for every feature column: plain LINQ over an in-memory list
/// of events, written from docs/features.md without looking at the SQL. Slow and obvious.
/// </summary>
internal static class NaiveFeatures
{
    private sealed record Event(long Subscriber, long Counterpart, bool Out, bool IsCall, DateTime Time, int Duration, int? Cell, int Week);

    public static Dictionary<(long Subscriber, int Week), Dictionary<string, object?>> Compute(TestDataset data, FeatureOptions options)
    {
        var start = options.Start ?? data.Calls.Min(c => c.Start).Date;
        var calendar = new StudyCalendar(start);
        var weeks = options.Weeks ?? Math.Max(1, calendar.WeekOf(data.Calls.Max(c => c.Start)));
        var cells = data.Cells.ToDictionary(c => c.Id);
        var people = data.Subscribers.ToDictionary(s => s.Id);

        var events = data.Calls
            .Where(c => calendar.WeekOf(c.Start) >= 1 && calendar.WeekOf(c.Start) <= weeks)
            .SelectMany(c => new[]
            {
                new Event(c.Caller, c.Callee, true, c.Kind == "call", c.Start, c.Duration, c.CallerCell, calendar.WeekOf(c.Start)),
                new Event(c.Callee, c.Caller, false, c.Kind == "call", c.Start, c.Duration, c.CalleeCell, calendar.WeekOf(c.Start)),
            })
            .ToList();
        var byPerson = events.Where(e => people.ContainsKey(e.Subscriber)).GroupBy(e => e.Subscriber).ToDictionary(g => g.Key, g => g.ToList());
        var group = byPerson.ToDictionary(p => p.Key, p => Groups.Classify(people[p.Key].Birthplace, options.CityCode, p.Value.Min(e => e.Week)));
        var machine = byPerson.ToDictionary(p => p.Key, p => p.Value.GroupBy(e => e.Week).Max(g => g.Count()) >= options.MachineThreshold);
        var subjects = byPerson.Keys.Where(s => !machine[s]).ToHashSet();
        string GroupOf(long id) => group.TryGetValue(id, out var g) ? g : Groups.Unknown;

        (double Lat, double Lon)? Position(int? cell) =>
            cell is int c && cells.TryGetValue(c, out var x) && x.Lat is double lat && x.Lon is double lon ? (lat, lon) : null;
        int? DistrictOf(int? cell) => cell is int c && cells.TryGetValue(c, out var x) ? x.District : null;

        // Centre: population-weighted centroid of district centroids, else mean located cell.
        var located = data.Cells.Where(c => c.Lat is not null && c.Lon is not null).ToList();
        var centroids = located.Where(c => c.District is not null).GroupBy(c => c.District!.Value)
            .Select(g => (District: g.Key, Lat: g.Average(c => c.Lat!.Value), Lon: g.Average(c => c.Lon!.Value))).ToList();
        var weighted = centroids.Select(c => (c.Lat, c.Lon, Pop: data.Districts.FirstOrDefault(d => d.Id == c.District)?.Population ?? 0))
            .Where(c => c.Pop > 0).ToList();
        (double Lat, double Lon)? centre = weighted.Count > 0
            ? (weighted.Sum(c => c.Lat * c.Pop) / weighted.Sum(c => c.Pop), weighted.Sum(c => c.Lon * c.Pop) / weighted.Sum(c => c.Pop))
            : located.Count > 0 ? (located.Average(c => c.Lat!.Value), located.Average(c => c.Lon!.Value)) : null;

        // Weekly contact graphs, undirected, without self-loops.
        var graphs = new Dictionary<int, Dictionary<long, HashSet<long>>>();
        foreach (var e in events.Where(e => e.Out && e.Subscriber != e.Counterpart))
        {
            var graph = graphs.TryGetValue(e.Week, out var g0) ? g0 : graphs[e.Week] = [];
            (graph.TryGetValue(e.Subscriber, out var a) ? a : graph[e.Subscriber] = []).Add(e.Counterpart);
            (graph.TryGetValue(e.Counterpart, out var b) ? b : graph[e.Counterpart] = []).Add(e.Subscriber);
        }

        // Homes of the week, for every subject, to count residents per district.
        var homes = new Dictionary<(long, int), int?>();
        foreach (var s in subjects)
        {
            foreach (var w in byPerson[s].Select(e => e.Week).Distinct())
            {
                homes[(s, w)] = MostFrequentCell(byPerson[s].Where(e => e.Week == w && StudyCalendar.IsNight(e.Time)));
            }
        }

        var rows = new Dictionary<(long, int), Dictionary<string, object?>>();
        foreach (var s in subjects)
        {
            var me = people[s];
            var mine = byPerson[s];
            foreach (var week in mine.Select(e => e.Week).Distinct().Order())
            {
                var ev = mine.Where(e => e.Week == week).ToList();
                var calls = ev.Where(e => e.IsCall).ToList();
                var n = ev.Count;
                var row = new Dictionary<string, object?>
                {
                    ["subscriber_id"] = s,
                    ["week"] = week,
                    ["group"] = group[s],
                    ["is_refugee"] = me.IsRefugee,
                    ["home_district_study"] = DistrictOf(MostFrequentCell(mine.Where(e => StudyCalendar.IsNight(e.Time)))),
                    ["calls_out"] = (long)calls.Count(e => e.Out),
                    ["calls_in"] = (long)calls.Count(e => !e.Out),
                    ["texts_out"] = (long)ev.Count(e => !e.IsCall && e.Out),
                    ["texts_in"] = (long)ev.Count(e => !e.IsCall && !e.Out),
                    ["pct_initiated"] = (double)ev.Count(e => e.Out) / n,
                    ["call_duration_mean_s"] = calls.Count == 0 ? null : calls.Average(e => (double)e.Duration),
                    ["call_duration_median_s"] = calls.Count == 0 ? null : Median(calls.Select(e => (double)e.Duration)),
                    ["call_duration_total_s"] = (long)calls.Sum(e => e.Duration),
                    ["pct_nocturnal"] = (double)ev.Count(e => StudyCalendar.IsNight(e.Time)) / n,
                    ["pct_weekend"] = (double)ev.Count(e => StudyCalendar.IsWeekend(e.Time)) / n,
                    ["active_days"] = (long)ev.Select(e => e.Time.Date).Distinct().Count(),
                };
                var times = ev.Select(e => e.Time).Order().ToList();
                var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
                row["interevent_time_mean_s"] = gaps.Count == 0 ? null : gaps.Average();
                row["interevent_time_std_s"] = gaps.Count == 0 ? null : PopulationStd(gaps);

                var contacts = ev.GroupBy(e => e.Counterpart).ToList();
                var k = contacts.Count;
                row["n_contacts"] = (long)k;
                row["n_contacts_out"] = (long)contacts.Count(c => c.Any(e => e.Out));
                row["n_contacts_in"] = (long)contacts.Count(c => c.Any(e => !e.Out));
                row["interactions_per_contact_mean"] = (double)n / k;
                var entropy = -contacts.Sum(c => (double)c.Count() / n * Math.Log((double)c.Count() / n));
                row["entropy_of_contacts"] = entropy;
                row["entropy_of_contacts_norm"] = k > 1 ? entropy / Math.Log(k) : 0.0;
                row["pct_reciprocal_contacts"] = (double)contacts.Count(c => c.Any(e => e.Out) && c.Any(e => !e.Out)) / k;
                var target = (int)Math.Ceiling(n * 0.8);
                var taken = 0;
                foreach (var c in contacts.Select(c => c.Count()).OrderDescending())
                {
                    if (target <= 0)
                    {
                        break;
                    }

                    target -= c;
                    taken++;
                }

                row["pct_pareto_interactions"] = (double)taken / k;
                var neighbours = graphs.TryGetValue(week, out var gw) && gw.TryGetValue(s, out var nb) ? nb.ToList() : [];
                var links = 0;
                for (var i = 0; i < neighbours.Count; i++)
                {
                    for (var j = i + 1; j < neighbours.Count; j++)
                    {
                        links += gw![neighbours[i]].Contains(neighbours[j]) ? 1 : 0;
                    }
                }

                row["clustering_coefficient"] = neighbours.Count < 2 ? 0.0 : 2.0 * links / (neighbours.Count * (neighbours.Count - 1.0));
                var earlier = mine.Where(e => e.Week < week).Select(e => e.Counterpart).ToHashSet();
                row["pct_new_contacts"] = week == 1 ? null : (double)contacts.Count(c => !earlier.Contains(c.Key)) / k;

                foreach (var g in new[] { Groups.Local, Groups.Settled, Groups.New, Groups.Unknown })
                {
                    row["share_contacts_" + g] = (double)contacts.Count(c => GroupOf(c.Key) == g) / k;
                    if (g != Groups.Unknown)
                    {
                        row["share_calls_" + g] = (double)ev.Count(e => GroupOf(e.Counterpart) == g) / n;
                    }
                }

                row["share_townsmen"] = group[s] == Groups.Local ? 0.0
                    : (double)contacts.Count(c => people.TryGetValue(c.Key, out var p) && p.Birthplace is not null && p.Birthplace == me.Birthplace) / k;
                var ages = contacts.Select(c => people.TryGetValue(c.Key, out var p) ? p.Age : null).Where(a => a is not null).Select(a => (double)a!.Value).ToList();
                row["contacts_age_mean"] = ages.Count == 0 ? null : ages.Average();
                row["contacts_age_std"] = ages.Count == 0 ? null : PopulationStd(ages);
                row["contacts_age_gap_mean"] = ages.Count == 0 || me.Age is null ? null : ages.Average(a => Math.Abs(a - me.Age.Value));
                var genders = contacts.Select(c => people.TryGetValue(c.Key, out var p) ? p.Gender : null).Where(x => x is not null).ToList();
                row["share_contacts_female"] = genders.Count == 0 ? null : (double)genders.Count(x => x == "F") / genders.Count;

                var positions = ev.Select(e => Position(e.Cell)).Where(p => p is not null).Select(p => p!.Value).ToList();
                if (positions.Count == 0)
                {
                    row["radius_of_gyration_km"] = null;
                }
                else
                {
                    var bary = (positions.Average(p => p.Lat), positions.Average(p => p.Lon));
                    row["radius_of_gyration_km"] = Math.Sqrt(positions.Average(p => Math.Pow(Distance(bary, p), 2)));
                }

                var cellCounts = ev.Where(e => e.Cell is not null).GroupBy(e => e.Cell!.Value).ToDictionary(g => g.Key, g => g.Count());
                var locatedEvents = cellCounts.Values.Sum();
                row["n_cells"] = (long)cellCounts.Count;
                row["entropy_of_cells"] = locatedEvents == 0 ? null : -cellCounts.Values.Sum(c => (double)c / locatedEvents * Math.Log((double)c / locatedEvents));
                row["n_districts"] = (long)cellCounts.Keys.Select(c => DistrictOf(c)).Where(d => d is not null).Distinct().Count();

                var home = homes[(s, week)];
                var work = MostFrequentCell(ev.Where(e => StudyCalendar.IsWorkHours(e.Time)));
                var homeDistrict = DistrictOf(home);
                row["home_district"] = homeDistrict;
                row["work_district"] = DistrictOf(work);
                row["home_work_distance_km"] = Position(home) is { } hp && Position(work) is { } wp ? Distance(hp, wp) : null;
                row["home_center_distance_km"] = Position(home) is { } hc && centre is { } cc ? Distance(hc, cc) : null;
                if (homeDistrict is null)
                {
                    row["home_district_local_share"] = null;
                }
                else
                {
                    var residents = homes.Where(h => h.Key.Item2 == week && DistrictOf(h.Value) == homeDistrict).Select(h => h.Key.Item1).ToList();
                    row["home_district_local_share"] = (double)residents.Count(r => group[r] == Groups.Local) / residents.Count;
                }

                var previous = mine.Where(e => e.Week == week - 1 && e.Cell is not null).GroupBy(e => e.Cell!.Value).ToDictionary(g => g.Key, g => g.Count());
                if (cellCounts.Count == 0 || previous.Count == 0)
                {
                    row["churn_rate"] = null;
                }
                else
                {
                    var dot = cellCounts.Sum(c => (double)c.Value * previous.GetValueOrDefault(c.Key));
                    var norm = Math.Sqrt(cellCounts.Values.Sum(v => (double)v * v)) * Math.Sqrt(previous.Values.Sum(v => (double)v * v));
                    row["churn_rate"] = 1 - dot / norm;
                }

                rows[(s, week)] = row;
            }
        }

        return rows;
    }

    /// <summary>Most frequent cell; ties to the cell seen first, then the smaller id; null without cells.</summary>
    private static int? MostFrequentCell(IEnumerable<Event> events) =>
        events.Where(e => e.Cell is not null).GroupBy(e => e.Cell!.Value)
            .Select(g => (Cell: g.Key, Count: g.Count(), First: g.Min(e => e.Time)))
            .OrderByDescending(x => x.Count).ThenBy(x => x.First).ThenBy(x => x.Cell)
            .Select(x => (int?)x.Cell).FirstOrDefault();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double PopulationStd(List<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    /// <summary>Haversine distance, R = 6371 km, as bandicoot's great_circle_distance.</summary>
    public static double Distance((double Lat, double Lon) a, (double Lat, double Lon) b)
    {
        static double Rad(double d) => d * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(a.Lat - b.Lat) / 2), 2) + Math.Cos(Rad(a.Lat)) * Math.Cos(Rad(b.Lat)) * Math.Pow(Math.Sin(Rad(a.Lon - b.Lon) / 2), 2);
        return 6371.0 * 2 * Math.Asin(Math.Sqrt(Math.Min(1, h)));
    }
}
