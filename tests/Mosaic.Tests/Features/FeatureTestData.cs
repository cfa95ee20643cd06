using System.Globalization;
using System.Text;
using Mosaic.Data;
using Mosaic.Features;

namespace Mosaic.Tests.Features;

/// <summary>One call or text as a test writes it.</summary>
public sealed record TestCall(long Caller, long Callee, DateTime Start, int Duration, string Kind, int? CallerCell, int? CalleeCell);

/// <summary>One attributed subscriber.</summary>
public sealed record TestSubscriber(long Id, string? Birthplace, bool? IsRefugee = null, int? Age = null, string? Gender = null);

/// <summary>One cell.</summary>
public sealed record TestCell(int Id, double? Lat, double? Lon, int? District);

/// <summary>One district.</summary>
public sealed record TestDistrict(int Id, long? Population);

/// <summary>A small canonical data set written to a data folder, and the features computed from it.</summary>
public sealed class TestDataset
{
    public List<TestCall> Calls { get; } = [];

    public List<TestSubscriber> Subscribers { get; } = [];

    public List<TestCell> Cells { get; } = [];

    public List<TestDistrict> Districts { get; } = [];

    /// <summary>Monday 2026-01-05 00:00, the default study start of most tests.</summary>
    public static DateTime Monday { get; } = new(2026, 1, 5);

    public TestDataset Call(long caller, long callee, DateTime start, int duration = 60, int? callerCell = null, int? calleeCell = null)
    {
        Calls.Add(new TestCall(caller, callee, start, duration, "call", callerCell, calleeCell));
        return this;
    }

    public TestDataset Text(long caller, long callee, DateTime start, int? callerCell = null, int? calleeCell = null)
    {
        Calls.Add(new TestCall(caller, callee, start, 0, "text", callerCell, calleeCell));
        return this;
    }

    public void WriteTo(string folder)
    {
        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        Insert(session, CanonicalTables.Districts, Districts.Select(d => $"({d.Id}, 'd{d.Id}', {N(d.Population)}, 1000.0, NULL)"));
        Insert(session, CanonicalTables.Cells, Cells.Select(c => $"({c.Id}, 'c{c.Id}', {N(c.Lat)}, {N(c.Lon)}, {N(c.District)})"));
        Insert(session, CanonicalTables.Subscribers, Subscribers.Select(s =>
            $"({s.Id}, {S(s.Birthplace)}, {(s.IsRefugee is bool r ? (r ? "true" : "false") : "NULL")}, {N(s.Age)}, {S(s.Gender)})"));
        Insert(session, CanonicalTables.Calls, Calls.Select(c =>
            $"({c.Caller}, {c.Callee}, TIMESTAMP '{c.Start:yyyy-MM-dd HH:mm:ss}', {c.Duration}, '{c.Kind}', {N(c.CallerCell)}, {N(c.CalleeCell)})"));
        DataFolder.Write(session, folder);
    }

    /// <summary>Writes the data, runs the stage and returns its rows keyed by (subscriber, week).</summary>
    public Dictionary<(long Subscriber, int Week), Dictionary<string, object?>> Features(FeatureOptions? options = null)
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");
        WriteTo(data);
        var result = FeatureStage.Run(options ?? new FeatureOptions(), data, Path.Combine(temp.Path, "run"));
        LastReport = result.Report;
        return ReadRows(result.FeaturesPath);
    }

    /// <summary>The report of the last <see cref="Features"/> call.</summary>
    public FeatureReport? LastReport { get; private set; }

    public static Dictionary<(long Subscriber, int Week), Dictionary<string, object?>> ReadRows(string path)
    {
        using var session = new DuckDbSession();
        var rows = session.Query($"SELECT * FROM read_parquet({Sql.Literal(path)})", r =>
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < r.FieldCount; i++)
            {
                row[r.GetName(i)] = r.IsDBNull(i) ? null : r.GetValue(i);
            }

            return row;
        });
        return rows.ToDictionary(r => (Convert.ToInt64(r["subscriber_id"], CultureInfo.InvariantCulture), Convert.ToInt32(r["week"], CultureInfo.InvariantCulture)));
    }

    private static void Insert(DuckDbSession session, string table, IEnumerable<string> values)
    {
        var list = values.ToList();
        for (var i = 0; i < list.Count; i += 500)
        {
            var sql = new StringBuilder($"INSERT INTO {table} VALUES ");
            sql.AppendJoin(",\n", list.Skip(i).Take(500));
            session.Execute(sql.ToString());
        }
    }

    private static string N(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "NULL";

    private static string N(long? value) => value is long v ? v.ToString(CultureInfo.InvariantCulture) : "NULL";

    private static string N(int? value) => value is int v ? v.ToString(CultureInfo.InvariantCulture) : "NULL";

    private static string S(string? value) => value is null ? "NULL" : Sql.Literal(value);
}

internal static class RowExtensions
{
    public static double? D(this Dictionary<string, object?> row, string column) =>
        row[column] is null ? null : Convert.ToDouble(row[column], CultureInfo.InvariantCulture);

    public static long? L(this Dictionary<string, object?> row, string column) =>
        row[column] is null ? null : Convert.ToInt64(row[column], CultureInfo.InvariantCulture);
}
