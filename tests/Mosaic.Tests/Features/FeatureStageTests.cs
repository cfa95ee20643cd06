using Mosaic.Features;

namespace Mosaic.Tests.Features;

/// <summary>
/// A tiny city whose every feature was computed by hand (numbers with many digits come from
/// the formulas in docs/features.md evaluated in Python, see comments). Subjects: A = 1 (local),
/// B = 2, C = 3 (born "north"), D = 4 ("south"), E = 5 ("north", only incoming calls, first seen
/// in week 2), machine M = 6, idle subscriber 7; unattributed contacts 100 and 101.
/// </summary>
public sealed class HandCity
{
    public const long A = 1, B = 2, C = 3, D = 4, E = 5, M = 6, U100 = 100, U101 = 101;

    public HandCity()
    {
        var data = new TestDataset();
        data.Subscribers.AddRange([
            new TestSubscriber(A, "city", false, 30, "F"),
            new TestSubscriber(B, "north", true, 40, "M"),
            new TestSubscriber(C, "north", true, null, "F"),
            new TestSubscriber(D, "south", false, 20, null),
            new TestSubscriber(E, "north", null, 25, "M"),
            new TestSubscriber(M, "city", false, 50, "M"),
            new TestSubscriber(7, "city", false, 60, "F"),
        ]);
        // District 1 centroid (0, 0.5), district 2 centroid (1, 0) (cell 30 has no position):
        // centre = ((0·300 + 1·100)/400, (0.5·300 + 0·100)/400) = (0.25, 0.375).
        data.Cells.AddRange([
            new TestCell(10, 0, 0, 1), new TestCell(11, 0, 1, 1), new TestCell(20, 1, 0, 2),
            new TestCell(30, null, null, 2), new TestCell(40, 0, 2, null),
        ]);
        data.Districts.AddRange([new TestDistrict(1, 300), new TestDistrict(2, 100)]);

        // Week 1 (Mon 2026-01-05 … Sun 2026-01-11).
        data.Call(A, B, T(0, 10), 100, 11, 20);              // e1: weekday 10:00
        data.Call(A, C, T(0, 12), 200, 10, 30);              // e2: weekday 12:00 (work tie with e1: 11 seen first)
        data.Text(B, A, T(1, 23), 20, 10);                   // e3: night
        data.Text(B, C, T(2, 12), 20, 30);                   // closes the triangle A-B-C
        data.Call(D, U101, T(2, 22), 50, 11, null);          // D's home in district 1
        data.Call(A, U100, T(5, 20), 300, 10, null);         // e4: Saturday night
        data.Call(B, A, T(6, 7), 400, 20, null);             // e5: Sunday 07:00:00, night boundary, no cell for A
        for (var i = 0; i < 6; i++)
        {
            data.Text(M, U100, T(3, 9, i), 10, null);        // 6 interactions: a machine at threshold 6
        }

        // Week 2.
        data.Text(A, U101, T(7, 9, 30), 40, null);           // A: one text from a cell without district
        data.Call(U100, E, T(8, 14), 60, null, 30);          // E: incoming only, cell without coordinates
        data.Text(D, U101, T(9, 22), 20, null);              // D: home tie 20/11, 20 seen first
        data.Text(D, U101, T(9, 22, 30), 11, null);
        data.Text(D, U101, T(10, 23), 11, null);
        data.Text(D, U101, T(11, 23), 20, null);

        // Week 3.
        data.Call(U101, E, T(16, 10), 120, null, null);

        Data = data;
        Rows = data.Features(new FeatureOptions { MachineThreshold = 6 });
        Report = data.LastReport!;
    }

    public TestDataset Data { get; }

    public Dictionary<(long Subscriber, int Week), Dictionary<string, object?>> Rows { get; }

    public FeatureReport Report { get; }

    public static DateTime T(int day, int hour, int minute = 0) => TestDataset.Monday.AddDays(day).AddHours(hour).AddMinutes(minute);
}

public class FeatureStageTests(HandCity city) : IClassFixture<HandCity>
{
    /// <summary>One degree of longitude on the equator, haversine with R = 6371 km.</summary>
    private const double Degree = 111.19492664455873;

    private Dictionary<string, object?> Row(long subscriber, int week) => city.Rows[(subscriber, week)];

    private static void Is(object? expected, Dictionary<string, object?> row, string column) =>
        FeaturePropertyTests.AssertSame(expected, row[column], column);

    [Fact]
    public void Run_Rows_OnlyActiveWeeksOfNonMachineSubjects()
    {
        var keys = city.Rows.Keys.OrderBy(k => k).ToList();
        Assert.Equal([(1L, 1), (1L, 2), (2L, 1), (3L, 1), (4L, 1), (4L, 2), (5L, 2), (5L, 3)], keys);
        Assert.Equal(3, city.Report.Weeks);
        Assert.Equal(1, city.Report.MachinesExcluded);
        Assert.Equal(1, city.Report.AttributedWithoutActivity);
        Assert.Equal(5, city.Report.Subjects);
        Assert.Equal(new Dictionary<string, long> { ["local"] = 1, ["settled"] = 3, ["new"] = 1 }, city.Report.SubjectsByGroup);
        Assert.Equal(0.25, city.Report.CentreLat!.Value, 12);
        Assert.Equal(0.375, city.Report.CentreLon!.Value, 12);
        Assert.True(city.Report.CentrePopulationWeighted);
        Assert.Equal(1, city.Report.TrianglesByWeek["1"]);
        Assert.Equal(new Dictionary<string, long> { ["local/1"] = 1, ["local/2"] = 1, ["new/2"] = 1, ["new/3"] = 1, ["settled/1"] = 3, ["settled/2"] = 1 },
            city.Report.RowsByGroupWeek);
    }

    [Fact]
    public void CallBehaviour_LocalWeekOne_MatchesHandComputation()
    {
        var a = Row(HandCity.A, 1);
        Is("local", a, "group");
        Is(false, a, "is_refugee");
        Is(3L, a, "calls_out");
        Is(1L, a, "calls_in");
        Is(0L, a, "texts_out");
        Is(1L, a, "texts_in");
        Is(0.6, a, "pct_initiated");
        Is(250.0, a, "call_duration_mean_s");
        Is(250.0, a, "call_duration_median_s");
        Is(1000L, a, "call_duration_total_s");
        Is(0.6, a, "pct_nocturnal");            // 23:00, 20:00 and 07:00:00 exactly
        Is(0.4, a, "pct_weekend");
        Is(4L, a, "active_days");
        Is(126900.0, a, "interevent_time_mean_s"); // gaps 2 h, 35 h, 93 h, 11 h
        Is(127644.62385858638, a, "interevent_time_std_s");
    }

    [Fact]
    public void EgoNetworkAndFriends_LocalWeekOne_MatchesHandComputation()
    {
        var a = Row(HandCity.A, 1);
        Is(3L, a, "n_contacts");                 // B ×3, C ×1, 100 ×1
        Is(3L, a, "n_contacts_out");
        Is(1L, a, "n_contacts_in");
        Is(5.0 / 3, a, "interactions_per_contact_mean");
        Is(0.9502705392332347, a, "entropy_of_contacts"); // −(0.6 ln 0.6 + 2·0.2 ln 0.2)
        Is(0.8649735207179272, a, "entropy_of_contacts_norm");
        Is(1.0 / 3, a, "pct_reciprocal_contacts");
        Is(2.0 / 3, a, "pct_pareto_interactions"); // 80% of 5 = 4: B (3) + one more
        Is(1.0 / 3, a, "clustering_coefficient");  // one link (B-C) among three neighbours
        Is(null, a, "pct_new_contacts");          // week 1 has no earlier week
        Is(0.0, a, "share_contacts_local");
        Is(2.0 / 3, a, "share_contacts_settled");
        Is(0.0, a, "share_contacts_new");
        Is(1.0 / 3, a, "share_contacts_unknown");
        Is(0.0, a, "share_calls_local");
        Is(0.8, a, "share_calls_settled");
        Is(0.0, a, "share_calls_new");
        Is(0.0, a, "share_townsmen");            // always 0 for locals
        Is(40.0, a, "contacts_age_mean");        // only B has an age
        Is(0.0, a, "contacts_age_std");
        Is(10.0, a, "contacts_age_gap_mean");
        Is(0.5, a, "share_contacts_female");     // B male, C female, 100 unknown
    }

    [Fact]
    public void Geography_LocalWeekOne_MatchesHandComputation()
    {
        var a = Row(HandCity.A, 1);
        Is(Math.Sqrt(0.1875) * Degree, a, "radius_of_gyration_km"); // (0,0)×3, (0,1)×1 → centre (0, 0.25)
        Is(2L, a, "n_cells");
        Is(0.5623351446188083, a, "entropy_of_cells");
        Is(1L, a, "n_districts");
        Is(1L, a, "home_district");              // night cells: 10, 10
        Is(1L, a, "work_district");              // tie 11 vs 10 at work hours: 11 seen first
        Is(Degree, a, "home_work_distance_km");
        Is(50.11476610760923, a, "home_center_distance_km");
        Is(0.5, a, "home_district_local_share"); // district 1 residents in week 1: A (local), D (settled)
        Is(null, a, "churn_rate");
        Is(1L, a, "home_district_study");
    }

    [Fact]
    public void Features_EmptyishSecondWeek_CountsZeroAndUndefinedNull()
    {
        var a = Row(HandCity.A, 2);
        Is(0L, a, "calls_out");
        Is(null, a, "call_duration_mean_s");
        Is(null, a, "call_duration_median_s");
        Is(0L, a, "call_duration_total_s");
        Is(null, a, "interevent_time_mean_s");
        Is(null, a, "interevent_time_std_s");
        Is(1.0, a, "pct_new_contacts");
        Is(1.0, a, "share_contacts_unknown");
        Is(0.0, a, "entropy_of_contacts_norm");
        Is(null, a, "contacts_age_mean");
        Is(null, a, "share_contacts_female");
        Is(0.0, a, "radius_of_gyration_km");
        Is(0L, a, "n_districts");               // cell 40 has no district
        Is(null, a, "home_district");
        Is(null, a, "work_district");
        Is(null, a, "home_work_distance_km");
        Is(null, a, "home_district_local_share");
        Is(1.0, a, "churn_rate");                // {40} against {10, 11}: orthogonal
        Is(0.0, a, "clustering_coefficient");
    }

    [Fact]
    public void Features_OnlyIncomingCallsAndUnlocatedCell_NewMigrant()
    {
        var e2 = Row(HandCity.E, 2);
        Is("new", e2, "group");
        Is(0L, e2, "calls_out");
        Is(1L, e2, "calls_in");
        Is(0.0, e2, "pct_initiated");
        Is(0L, e2, "n_contacts_out");
        Is(1L, e2, "n_contacts_in");
        Is(0.0, e2, "pct_reciprocal_contacts");
        Is(1.0, e2, "pct_new_contacts");
        Is(null, e2, "radius_of_gyration_km");   // cell 30 has no coordinates
        Is(1L, e2, "n_cells");
        Is(0.0, e2, "entropy_of_cells");
        Is(1L, e2, "n_districts");
        Is(2L, e2, "work_district");
        Is(null, e2, "home_work_distance_km");
        var e3 = Row(HandCity.E, 3);
        Is(0L, e3, "n_cells");
        Is(null, e3, "entropy_of_cells");
        Is(null, e3, "churn_rate");              // no located interaction this week
        Is(1.0, e3, "pct_new_contacts");
    }

    [Fact]
    public void Features_TownsmenAndAges_MigrantsCountOwnBirthplace()
    {
        var c = Row(HandCity.C, 1);              // contacts A (local, 30, F) and B (north, 40, M)
        Is("settled", c, "group");
        Is(0.5, c, "share_townsmen");
        Is(35.0, c, "contacts_age_mean");
        Is(5.0, c, "contacts_age_std");
        Is(null, c, "contacts_age_gap_mean");    // C's own age is unknown
        Is(1.0, c, "clustering_coefficient");
        var b = Row(HandCity.B, 1);
        Is(0.5, b, "share_townsmen");
        Is(2L, b, "home_district");
        Is(0.0, b, "home_district_local_share");
    }

    [Fact]
    public void HomeDistrict_TieBetweenCells_FirstSeenWins()
    {
        Is(2L, Row(HandCity.D, 2), "home_district"); // cells 20, 11, 11, 20 at night: 20 first
        Is(1L, Row(HandCity.D, 1), "home_district");
    }
}
