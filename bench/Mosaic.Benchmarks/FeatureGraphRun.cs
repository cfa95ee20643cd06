using System.Diagnostics;
using System.Globalization;
using Mosaic.Data;
using Mosaic.Features;

namespace Mosaic.Benchmarks;

/// <summary>
/// The features stage's contact-graph step on its own (<see cref="ContactGraph"/>: one scan of
/// the calls, then per week the sort, de-duplication and triangle count), without the events
/// and per-subject steps, so that its cost at the seed's scale can be measured in minutes.
/// </summary>
internal static class FeatureGraphRun
{
    /// <summary>Runs the graph of the first <paramref name="weeks"/> study weeks (all when null) of the data folder and prints sizes and seconds.</summary>
    public static void Run(string dataFolder, int? weeks)
    {
        var clock = Stopwatch.StartNew();
        using var session = new DuckDbSession();
        DataFolder.Attach(session, dataFolder);
        var first = Convert.ToDateTime(session.Scalar("SELECT min(start_time) FROM calls"), CultureInfo.InvariantCulture);
        var last = Convert.ToDateTime(session.Scalar("SELECT max(start_time) FROM calls"), CultureInfo.InvariantCulture);
        var (calendar, studyWeeks) = FeatureStage.StudyWeeks(new FeatureOptions { Weeks = weeks }, first, last);
        // No subjects: the step's cost without the (small) appending of their coefficients.
        session.Execute("CREATE TABLE fx_people (subscriber_id BIGINT, is_machine BOOLEAN)");
        session.Execute("CREATE TABLE fx_cluster (subscriber_id BIGINT, week INTEGER, clustering_coefficient DOUBLE)");
        var prepared = clock.Elapsed.TotalSeconds;
        var sql = new FeatureSql(calendar, studyWeeks, CanonicalTables.DefaultCityCode, FeatureOptions.DefaultMachineThreshold);
        var graph = ContactGraph.Cluster(session, sql, studyWeeks, Environment.ProcessorCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"weeks {studyWeeks}, nodes {graph.Nodes}, edges {string.Join(" ", graph.Edges.Values)}, triangles {string.Join(" ", graph.Triangles.Values)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seconds: min/max of start_time {prepared:F1}, scan {graph.ScanSeconds:F1}, weeks (sort, dedupe, kernel) {graph.WeeksSeconds:F1}, total {clock.Elapsed.TotalSeconds:F1}"));
    }
}
