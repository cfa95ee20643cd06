using System.Globalization;
using System.Text.Json;
using Mosaic.Definitions;
using Mosaic.Simulation;
using Xunit.Abstractions;

namespace Mosaic.Tests.Simulation;

public sealed class SimulatorTests(SimulatedCity city, ITestOutputHelper output) : IClassFixture<SimulatedCity>
{
    [Fact]
    public void Run_TinyCity_ReproducesEveryExpectedFeatureWithinTolerance()
    {
        using var session = city.Open();
        var measured = SimulatedCity.MeasureFeatures(session, new StudyCalendar(city.Options.Start));
        var failures = new List<string>();
        var expected = city.Truth.GetProperty("expected").EnumerateArray().ToList();
        Assert.NotEmpty(expected);
        foreach (var e in expected)
        {
            var key = (e.GetProperty("group").GetString()!, e.GetProperty("week").GetInt32(), e.GetProperty("feature").GetString()!);
            var value = e.GetProperty("value").GetDouble();
            var tolerance = e.GetProperty("tolerance").GetDouble();
            Assert.True(measured.TryGetValue(key, out var actual), $"no measurement for {key}");
            var line = string.Create(CultureInfo.InvariantCulture, $"{key}: expected {value:F4} ± {tolerance:F4}, measured {actual:F4}");
            output.WriteLine(line);
            if (Math.Abs(actual - value) > tolerance)
            {
                failures.Add(line);
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void Run_SameSeedOtherThreadCount_WritesByteIdenticalFiles()
    {
        var other = city.Temp.File("again");
        Simulator.Run(city.Options with { Threads = 1 }, other);
        foreach (var name in new[] { "calls.parquet", "subscribers.parquet", "cells.parquet", "districts.parquet", "districts.geojson", Simulator.TruthFileName })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(city.Folder, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other, name))), name);
        }
    }

    [Fact]
    public void Run_TinyCity_GroupSizesAndMachinesMatchTruth()
    {
        using var session = city.Open();
        var sizes = city.Truth.GetProperty("group_sizes");
        _ = SimulatedCity.MeasureFeatures(session, new StudyCalendar(city.Options.Start));
        foreach (var group in new[] { "local", "settled", "new" })
        {
            Assert.Equal(sizes.GetProperty(group).GetInt64(), session.ScalarLong($"SELECT count(*) FROM grp WHERE g = '{group}'"));
        }

        Assert.Equal(sizes.GetProperty("refugee").GetInt64(), session.ScalarLong("SELECT count(*) FROM subscribers WHERE is_refugee"));
        Assert.Equal(sizes.GetProperty("host").GetInt64(), session.ScalarLong("SELECT count(*) FROM subscribers WHERE NOT is_refugee"));
        Assert.Equal(0, session.ScalarLong("SELECT count(*) FROM subscribers WHERE is_refugee AND birthplace <> 'SYR'"));
        Assert.Equal(1000, session.ScalarLong("SELECT count(*) FROM subscribers"));

        // Machines: unattributed numbers with thousands of interactions in every week.
        var calendar = new StudyCalendar(city.Options.Start);
        var machines = session.ScalarLong($"""
            SELECT count(*) FROM (
                SELECT id FROM (
                    SELECT id, week FROM (
                        SELECT caller_id AS id, {calendar.WeekSql("start_time")} AS week FROM calls
                        UNION ALL SELECT callee_id, {calendar.WeekSql("start_time")} FROM calls)
                    WHERE id NOT IN (SELECT subscriber_id FROM subscribers)
                    GROUP BY id, week HAVING count(*) >= 1000)
                GROUP BY id HAVING count(*) = {city.Options.Weeks})
            """);
        Assert.Equal(sizes.GetProperty("machines").GetInt64(), machines);

        // Most contacts of attributed subscribers are unattributed numbers.
        var unattributedShare = (double)session.Scalar("""
            SELECT avg(CASE WHEN other IN (SELECT subscriber_id FROM subscribers) THEN 0.0 ELSE 1.0 END)
            FROM (SELECT DISTINCT sid, other FROM ev)
            """)!;
        Assert.InRange(unattributedShare, 0.6, 0.9);
        var unknown = session.ScalarLong("SELECT count(DISTINCT other) FROM ev WHERE other NOT IN (SELECT subscriber_id FROM subscribers)");
        Assert.InRange(unknown, 1, sizes.GetProperty("unknown").GetInt64() + sizes.GetProperty("machines").GetInt64());
    }

    [Fact]
    public void Run_TinyCity_SettledHaveMoreContactsAndLargerRadiusThanLocals()
    {
        using var session = city.Open();
        var measured = SimulatedCity.MeasureFeatures(session, new StudyCalendar(city.Options.Start));
        for (var week = 1; week <= city.Options.Weeks; week++)
        {
            Assert.True(measured[("settled", week, "n_contacts")] > measured[("local", week, "n_contacts")] + 1);
            Assert.True(measured[("settled", week, "radius_of_gyration_km")] > measured[("local", week, "radius_of_gyration_km")] + 0.5);
        }
    }

    [Fact]
    public void Run_TinyCity_NewMigrantsMoveAsThePlantedDynamicsSay()
    {
        using var session = city.Open();
        var measured = SimulatedCity.MeasureFeatures(session, new StudyCalendar(city.Options.Start));
        var dynamics = city.Truth.GetProperty("dynamics").EnumerateArray().ToList();
        Assert.Equal(10, dynamics.Count);
        var last = city.Options.Weeks;
        foreach (var d in dynamics)
        {
            var feature = d.GetProperty("feature").GetString()!;
            var other = d.GetProperty("pair").GetString()!["new-".Length..];
            var before = Math.Abs(measured[("new", 2, feature)] - measured[(other, 2, feature)]);
            var after = Math.Abs(measured[("new", last, feature)] - measured[(other, last, feature)]);
            Assert.Equal(d.GetProperty("direction").GetString(), after < before ? "towards" : "away");
        }

        // Towards settled on every planted feature; away from locals on the radius (new migrants start between the two), as the seed reports for some features.
        Assert.All(dynamics.Where(d => d.GetProperty("pair").GetString() == "new-settled"), d => Assert.Equal("towards", d.GetProperty("direction").GetString()));
        Assert.Equal("away", dynamics.Single(d => d.GetProperty("pair").GetString() == "new-local" && d.GetProperty("feature").GetString() == "radius_of_gyration_km").GetProperty("direction").GetString());
    }

    [Fact]
    public void Run_TinyCity_WritesCanonicalSchemasAndDistrictPolygons()
    {
        using var session = city.Open();
        Assert.Equal(city.Result.Calls, session.ScalarLong("SELECT count(*) FROM calls"));
        Assert.Equal(0, session.ScalarLong("SELECT count(*) FROM calls WHERE caller_cell NOT IN (SELECT cell_id FROM cells) OR callee_cell NOT IN (SELECT cell_id FROM cells)"));
        Assert.Equal(0, session.ScalarLong("SELECT count(*) FROM calls WHERE (kind = 'text') <> (duration_s = 0) OR kind NOT IN ('call', 'text')"));
        Assert.Equal(0, session.ScalarLong($"SELECT count(*) FROM calls WHERE start_time < TIMESTAMP '2026-01-05' OR start_time >= TIMESTAMP '2026-02-02'"));
        Assert.Equal("C0001", session.Scalar("SELECT cell_code FROM cells WHERE cell_id = 1"));
        Assert.Equal(12, session.ScalarLong("SELECT count(*) FROM districts"));
        Assert.Equal(0, session.ScalarLong("SELECT count(*) FROM cells WHERE district_id NOT IN (SELECT district_id FROM districts)"));
        var geo = JsonDocument.Parse(File.ReadAllText(Path.Combine(city.Folder, "districts.geojson")));
        var features = geo.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 12), features.Select(f => f.GetProperty("properties").GetProperty("district_id").GetInt32()));
        Assert.All(features, f => Assert.StartsWith("District ", f.GetProperty("properties").GetProperty("name").GetString(), StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(city.Folder, "manifest.json")));
    }
}
