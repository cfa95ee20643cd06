using Mosaic.Data;
using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

/// <summary>
/// A seeded synthetic study with planted truth, standing in for the simulator: features for
/// every subject and week (noise N(0, 1) plus planted group means), home districts with planted
/// group shares, and a data folder whose calls follow planted mixing probabilities.
/// </summary>
internal sealed class SyntheticStudy
{
    public const int Weeks = 4;

    /// <summary>Planted P(callee group | caller group) for weeks 2–4, callee order local, settled, new, unknown.</summary>
    public static readonly double[][] Mixing =
    [
        [0.70, 0.15, 0.05, 0.10],
        [0.30, 0.50, 0.10, 0.10],
        [0.20, 0.35, 0.30, 0.15],
    ];

    /// <summary>Planted home-district probabilities per group over districts 1..4.</summary>
    public static readonly double[][] Homes =
    [
        [0.50, 0.30, 0.15, 0.05],
        [0.20, 0.30, 0.30, 0.20],
        [0.05, 0.15, 0.30, 0.50],
    ];

    /// <summary>Planted dynamics of new migrants relative to settled and locals (who sit at 0).</summary>
    public static readonly IReadOnlyDictionary<string, string> Directions = new Dictionary<string, string>
    {
        ["home_center_distance_km"] = "towards",
        ["entropy_of_cells"] = "away",
        ["pct_weekend"] = "flat",
    };

    /// <summary>Features shifted by the classification gap: settled (and new) vs local, and new vs the rest.</summary>
    private static readonly string[] SettledSignal = ["calls_out", "n_contacts", "radius_of_gyration_km", "share_contacts_local"];
    private static readonly string[] NewSignal = ["pct_new_contacts", "churn_rate", "share_contacts_new", "texts_out"];

    public SyntheticStudy(int locals, int settled, int newcomers, double gap, int seed)
    {
        var random = new Random(seed);
        Columns = FeatureCatalogue.Columns.Select(c => c.Column).ToArray();
        var sizes = new[] { locals, settled, newcomers };
        var subscribers = new List<long>();
        var weeks = new List<int>();
        var groups = new List<byte>();
        var homes = new List<int>();
        var values = Columns.Select(_ => new List<double>()).ToArray();
        long id = 1000;
        for (var g = 0; g < 3; g++)
        {
            var members = new List<long>();
            for (var s = 0; s < sizes[g]; s++)
            {
                id += 1 + random.Next(5);
                members.Add(id);
                var home = Draw(random, Homes[g]) + 1;
                for (var w = g == FeatureTable.New ? 2 : 1; w <= Weeks; w++)
                {
                    subscribers.Add(id);
                    weeks.Add(w);
                    groups.Add((byte)g);
                    homes.Add(home);
                    for (var f = 0; f < Columns.Length; f++)
                    {
                        var value = Gaussian(random) + Mean(Columns[f], g, w, gap);
                        // Some nulls, as real features have (no calls → no duration).
                        values[f].Add(Columns[f] == "call_duration_mean_s" && random.NextDouble() < 0.1 ? double.NaN : value);
                    }
                }
            }

            Members.Add(members);
        }

        // Rows sorted by subscriber, then week: ids grow with group and member order already.
        Table = FeatureTable.Create([.. subscribers], [.. weeks], [.. groups], [.. homes], Columns, values.Select(v => v.ToArray()).ToArray());
        this.seed = seed;
    }

    private readonly int seed;

    public string[] Columns { get; }

    public FeatureTable Table { get; }

    /// <summary>Subscriber ids per group.</summary>
    public List<List<long>> Members { get; } = [];

    private static double Mean(string column, int group, int week, double gap)
    {
        var mean = 0.0;
        if (group != FeatureTable.Local && SettledSignal.Contains(column))
        {
            mean += gap;
        }

        if (group == FeatureTable.New)
        {
            if (NewSignal.Contains(column))
            {
                mean += gap;
            }

            mean += column switch
            {
                "home_center_distance_km" => 2.0 - (0.9 * (week - 2)),
                "entropy_of_cells" => 0.5 + (0.8 * (week - 2)),
                "pct_weekend" => 1.0,
                _ => 0.0,
            };
        }

        return mean;
    }

    /// <summary>Writes the data folder (districts, cells, subscribers, calls) and RUN/features/features.parquet.</summary>
    public void Write(string dataFolder, string runFolder, int callsPerWeek = 8)
    {
        var random = new Random(seed + 7);
        using var session = new DuckDbSession();
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        session.Execute("""
            INSERT INTO districts VALUES (1, 'one', 1000, 500, NULL), (2, 'two', 1000, 400, NULL),
                (3, 'three', 1000, 300, NULL), (4, 'four', 1000, 200, NULL), (5, 'empty', 1000, 100, NULL);
            INSERT INTO cells VALUES (1, 'c1', 41.0, 29.0, 1), (2, 'c2', 41.1, 29.1, 2), (3, 'c3', 41.2, 29.2, 3), (4, 'c4', 41.3, 29.3, 4);
            """);

        // Unattributed contacts and a few attributed non-subjects (both "unknown" to the study).
        var unknown = Enumerable.Range(0, 300).Select(i => 9_000_000L + i).ToList();
        using (var appender = session.Connection.CreateAppender("subscribers"))
        {
            for (var g = 0; g < 3; g++)
            {
                foreach (var member in Members[g])
                {
                    appender.CreateRow().AppendValue(member).AppendValue(g == FeatureTable.Local ? "city" : "elsewhere")
                        .AppendValue((bool?)false).AppendValue((int?)30).AppendValue("F").EndRow();
                }
            }

            foreach (var other in unknown.Take(20))
            {
                appender.CreateRow().AppendValue(other).AppendValue("city").AppendValue((bool?)null).AppendNullValue().AppendNullValue().EndRow();
            }
        }

        var start = new DateTime(2026, 9, 7);
        using (var appender = session.Connection.CreateAppender("calls"))
        {
            // One call an hour into the study fixes the calendar's start at its midnight.
            appender.CreateRow().AppendValue(Members[0][0]).AppendValue(Members[0][1]).AppendValue(start.AddHours(1))
                .AppendValue(60).AppendValue("call").AppendValue((int?)1).AppendValue((int?)1).EndRow();
            var pools = new List<List<long>>(Members) { unknown };
            for (var w = 1; w <= Weeks; w++)
            {
                for (var g = 0; g < 3; g++)
                {
                    if (g == FeatureTable.New && w == 1)
                    {
                        continue;
                    }

                    var probabilities = (double[])Mixing[g].Clone();
                    if (w == 1)
                    {
                        probabilities[FeatureTable.New] = 0; // new migrants are not around yet
                    }

                    foreach (var caller in Members[g])
                    {
                        for (var c = 0; c < callsPerWeek; c++)
                        {
                            var pool = pools[Draw(random, probabilities)];
                            var callee = pool[random.Next(pool.Count)];
                            var time = start.AddDays(7 * (w - 1)).AddSeconds(3600 + random.Next(7 * 86400 - 7200));
                            var text = random.NextDouble() < 0.3;
                            appender.CreateRow().AppendValue(caller).AppendValue(callee).AppendValue(time)
                                .AppendValue(text ? 0 : 30 + random.Next(600)).AppendValue(text ? "text" : "call")
                                .AppendValue((int?)(1 + random.Next(4))).AppendValue((int?)(1 + random.Next(4))).EndRow();
                        }
                    }
                }
            }
        }

        DataFolder.Write(session, dataFolder);
        WriteFeatures(session, Path.Combine(runFolder, "features", "features.parquet"));
    }

    private void WriteFeatures(DuckDbSession session, string path)
    {
        var columns = string.Join(", ", Columns.Select(c => $"{c} DOUBLE"));
        session.Execute($"""CREATE TABLE features (subscriber_id BIGINT, week INTEGER, "group" VARCHAR, is_refugee BOOLEAN, home_district INTEGER, work_district INTEGER, {columns})""");
        using (var appender = session.Connection.CreateAppender("features"))
        {
            for (var i = 0; i < Table.Rows; i++)
            {
                var row = appender.CreateRow().AppendValue(Table.Subscribers[i]).AppendValue(Table.Weeks[i])
                    .AppendValue(Mosaic.Definitions.Groups.Subjects[Table.Groups[i]]).AppendValue((bool?)false)
                    .AppendValue((int?)Table.HomeDistricts[i]).AppendValue((int?)Table.HomeDistricts[i]);
                for (var f = 0; f < Columns.Length; f++)
                {
                    var v = Table.Values[f][i];
                    row = double.IsNaN(v) ? row.AppendNullValue() : row.AppendValue((double?)v);
                }

                row.EndRow();
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        session.CopyToParquet("SELECT * FROM features ORDER BY week DESC, subscriber_id", path);
    }

    private static int Draw(Random random, double[] probabilities)
    {
        var u = random.NextDouble() * probabilities.Sum();
        for (var i = 0; i < probabilities.Length; i++)
        {
            u -= probabilities[i];
            if (u < 0)
            {
                return i;
            }
        }

        return probabilities.Length - 1;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
