using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Runs;
using Mosaic.Simulation;

namespace Mosaic.Tests.Simulation;

/// <summary>One tiny simulated city shared by the simulator tests (generated once, about a second).</summary>
public sealed class SimulatedCity : IDisposable
{
    private readonly TempFolder temp = new();

    public SimulatedCity()
    {
        Options = new SimulationOptions { Preset = SimulationPreset.Tiny, Seed = 7, Threads = 2 };
        Result = Simulator.Run(Options, Folder);
        Truth = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(Folder, Simulator.TruthFileName)));
    }

    public SimulationOptions Options { get; }

    public string Folder => temp.File("city");

    public SimulationResult Result { get; }

    public JsonElement Truth { get; }

    public TempFolder Temp => temp;

    public DuckDbSession Open()
    {
        var session = new DuckDbSession();
        DataFolder.Attach(session, Folder);
        return session;
    }

    /// <summary>
    /// The catalogue features measured independently of the generator with plain SQL: one row
    /// per call and side (events), groups from birthplace and first active week, per subscriber
    /// and week, then the mean over each group's active subscribers.
    /// </summary>
    public static Dictionary<(string Group, int Week, string Feature), double> MeasureFeatures(DuckDbSession session, StudyCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(calendar);
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE ev AS
            SELECT e.*, {calendar.WeekSql("e.start_time")} AS week, {StudyCalendar.NightSql("e.start_time")} AS night
            FROM (
                SELECT caller_id AS sid, callee_id AS other, start_time, duration_s, kind, caller_cell AS cell FROM calls
                UNION ALL
                SELECT callee_id, caller_id, start_time, duration_s, kind, callee_cell FROM calls
            ) e
            WHERE e.sid IN (SELECT subscriber_id FROM subscribers);
            CREATE OR REPLACE TEMP TABLE grp AS
            SELECT s.subscriber_id AS sid,
                   CASE WHEN s.birthplace = 'city' THEN 'local' WHEN min(e.week) = 1 THEN 'settled' ELSE 'new' END AS g
            FROM subscribers s JOIN ev e ON e.sid = s.subscriber_id
            GROUP BY s.subscriber_id, s.birthplace;
            CREATE OR REPLACE TEMP TABLE per AS
            WITH pos AS (
                SELECT ev.sid, ev.week, c.lat, c.lon FROM ev JOIN cells c ON c.cell_id = ev.cell
            ), bary AS (
                SELECT sid, week, avg(lat) AS blat, avg(lon) AS blon FROM pos GROUP BY sid, week
            ), rog AS (
                SELECT p.sid, p.week, sqrt(avg(pow(2 * 6371 * asin(sqrt(
                    pow(sin(radians(p.lat - b.blat) / 2), 2)
                    + cos(radians(p.lat)) * cos(radians(b.blat)) * pow(sin(radians(p.lon - b.blon) / 2), 2))), 2))) AS rog
                FROM pos p JOIN bary b ON p.sid = b.sid AND p.week = b.week GROUP BY p.sid, p.week
            ), feats AS (
                SELECT ev.sid, ev.week,
                    count(DISTINCT ev.other) AS n_contacts,
                    count(DISTINCT CASE WHEN l.subscriber_id IS NOT NULL THEN ev.other END) / count(DISTINCT ev.other) AS share_local,
                    avg(CASE WHEN ev.kind = 'call' THEN ev.duration_s END) AS duration,
                    avg(CASE WHEN ev.night THEN 1.0 ELSE 0.0 END) AS nocturnal
                FROM ev LEFT JOIN (SELECT subscriber_id FROM subscribers WHERE birthplace = 'city') l ON l.subscriber_id = ev.other
                GROUP BY ev.sid, ev.week
            )
            SELECT f.*, r.rog, g.g FROM feats f JOIN rog r ON r.sid = f.sid AND r.week = f.week JOIN grp g ON g.sid = f.sid;
            """);
        var result = new Dictionary<(string, int, string), double>();
        foreach (var row in session.Query(
            "SELECT g, week, avg(share_local), avg(n_contacts), avg(rog), avg(duration), avg(nocturnal) FROM per GROUP BY g, week",
            r => (G: r.GetString(0), W: r.GetInt32(1), V: new[] { r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), r.GetDouble(6) })))
        {
            string[] names = ["share_contacts_local", "n_contacts", "radius_of_gyration_km", "call_duration_mean_s", "pct_nocturnal"];
            for (var f = 0; f < names.Length; f++)
            {
                result[(row.G, row.W, names[f])] = row.V[f];
            }
        }

        return result;
    }

    public void Dispose() => temp.Dispose();
}
