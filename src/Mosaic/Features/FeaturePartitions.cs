using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Runs;
using Mosaic.ScaleOut;

namespace Mosaic.Features;

/// <summary>
/// The features stage over a partitioned data folder (<see cref="Partitioner"/>), in three steps
/// per run: <see cref="Exchange"/> and <see cref="Compute"/> once per partition, then one
/// <see cref="Merge"/>. Everything lives under <c>RUN/partitions/features/part-K/</c>.
/// </summary>
/// <remarks>
/// Two features need other partitions' subscribers: a contact's group and machine flag (its
/// activity is in its own partition) and the clustering coefficient (edges between a subject's
/// neighbours). The exchange step publishes, per partition, its subscribers' groups
/// (<c>people.parquet</c>) and, for every partition J, the weekly edges of its nodes that
/// have a neighbour in J (<c>edges-to-J.parquet</c>): exactly the neighbour-of-neighbour edges J
/// needs, so no task reads another partition's calls. The share of locals among a district's
/// residents is a global count and is recomputed by the merge from the merged rows.
/// </remarks>
public static class FeaturePartitions
{
    /// <summary>Folder of the per-partition intermediates inside a run.</summary>
    public static string Folder(string runFolder, int index) => PartitionSteps.Folder(runFolder, FeatureStage.Name, index);

    private const string ExchangeMarker = "exchange.json";
    /// <summary>The file a finished `features --partition K/N` leaves in its partition folder.</summary>
    public const string ComputeMarker = "counts.json";
    private const string PeopleFile = "people.parquet";

    private static string EdgesFile(int target) => $"edges-to-{PartitionSpec.FolderName(target)}.parquet";

    /// <summary>Parameters of the study as the exchange fixed them; every later step uses these.</summary>
    public sealed record Study(DateTime Start, int Weeks, int MachineThreshold, string CityCode, string? StartOption, int? WeeksOption)
    {
        /// <summary>Features options equivalent to this study (for the manifest and the report).</summary>
        public FeatureOptions ToOptions(EngineOptions engine) => new()
        {
            MachineThreshold = MachineThreshold,
            CityCode = CityCode,
            Start = StartOption is null ? null : DateTime.ParseExact(StartOption, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Weeks = WeeksOption,
            Engine = engine,
        };
    }

    /// <summary>Per-partition counts the merge sums into the report.</summary>
    public sealed record PartialCounts(
        long MachinesExcluded, long AttributedWithoutActivity, long CallsInStudy, long CallsOutsideStudy, long GraphNodes,
        IReadOnlyDictionary<string, long> EdgesByWeek, IReadOnlyDictionary<string, long> TriangleCornersByWeek,
        double? CentreLat, double? CentreLon, bool CentrePopulationWeighted, double Seconds);

    /// <summary>
    /// Exchange step of partition <paramref name="spec"/>: groups and machine flags of its
    /// subscribers and the edges other partitions need for their clustering coefficients.
    /// </summary>
    public static Study Exchange(FeatureOptions options, string partitionFolder, string runFolder, PartitionSpec spec, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        options.Validate();
        var layout = CheckLayout(partitionFolder, spec);
        var output = Folder(runFolder, spec.Index);
        Directory.CreateDirectory(output);
        File.Delete(Path.Combine(output, ExchangeMarker));
        if (layout.FirstCall is not DateTime first || layout.LastCall is not DateTime last)
        {
            throw new MosaicInputException(Path.Combine(partitionFolder, PartitionLayout.FileName), null, "no calls: nothing to compute");
        }

        var (calendar, weeks) = FeatureStage.StudyWeeks(options, first, last);
        var study = new Study(calendar.Start, weeks, options.MachineThreshold, options.CityCode,
            options.Start?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), options.Weeks);
        using (var session = Open(options, partitionFolder, spec, output))
        {
            var sql = new FeatureSql(calendar, weeks, options.CityCode, options.MachineThreshold, spec);
            foreach (var (step, text) in sql.Relational().Take(2))
            {
                progress.Step(step);
                session.Execute(text);
            }

            session.CopyToParquet("SELECT * FROM fx_people ORDER BY subscriber_id", Path.Combine(output, PeopleFile));
            progress.Step("edges for other partitions");
            Adjacency(session, sql, spec);
            for (var target = 0; target < spec.Count; target++)
            {
                session.CopyToParquet($"""
                    SELECT a.week, a.s AS u, a.n AS v FROM px_adj a
                    SEMI JOIN (SELECT DISTINCT week, s FROM px_adj WHERE {PartitionSpec.OwnerSql("n", spec.Count)} = {target.ToString(CultureInfo.InvariantCulture)}) t
                        ON t.week = a.week AND t.s = a.s
                    ORDER BY ALL
                    """, Path.Combine(output, EdgesFile(target)));
            }
        }

        AtomicFile.WriteAllText(Path.Combine(output, ExchangeMarker), JsonSerializer.Serialize(study, Manifest.JsonOptions) + "\n");
        return study;
    }

    /// <summary>
    /// Features of partition <paramref name="spec"/>'s subjects (partial <c>features.parquet</c>
    /// and <c>counts.json</c>), in subscriber slices (<see cref="FeatureSlices"/>) so that memory
    /// is bounded by <see cref="EngineOptions.MemoryLimit"/>. Needs every partition's exchange.
    /// </summary>
    /// <param name="engine">Threads, memory limit and spill folder.</param>
    /// <param name="partitionFolder">The folder written by <see cref="Partitioner"/>.</param>
    /// <param name="runFolder">The run folder holding every partition's exchange.</param>
    /// <param name="spec">The partition.</param>
    /// <param name="progress">Progress reports, or null.</param>
    /// <param name="slices">Number of slices; default: chosen from the partition's calls and the memory limit (<see cref="FeatureSlices.Choose"/>). The output does not depend on it.</param>
    /// <exception cref="MosaicInputException">Some partitions' exchange is missing (named).</exception>
    public static PartialCounts Compute(EngineOptions engine, string partitionFolder, string runFolder, PartitionSpec spec,
        IProgress<StageProgress>? progress = null, int? slices = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckLayout(partitionFolder, spec);
        var study = ReadStudy(runFolder, spec.Count);
        var options = study.ToOptions(engine ?? EngineOptions.Default);
        var output = Folder(runFolder, spec.Index);
        File.Delete(Path.Combine(output, ComputeMarker));
        var calendar = new StudyCalendar(study.Start);
        var clock = Stopwatch.StartNew();
        var scratch = Path.Combine(output, FeatureSlices.ScratchName);
        DeleteFolder(scratch); // an interrupted task's slices
        PartialCounts counts;
        try
        {
            using var session = Open(options, partitionFolder, spec, output);
            var sql = new FeatureSql(calendar, study.Weeks, study.CityCode, study.MachineThreshold, spec);
            var people = string.Join(", ", Enumerable.Range(0, spec.Count).Select(k => Sql.Literal(Path.Combine(Folder(runFolder, k), PeopleFile))));
            var received = Enumerable.Range(0, spec.Count).Select(k => Path.Combine(Folder(runFolder, k), EdgesFile(spec.Index))).ToList();
            var threads = options.Engine.Threads ?? Environment.ProcessorCount;
            var plan = new FeatureSlices.Plan(sql, study.Weeks,
                slices ?? FeatureSlices.Choose(session.ScalarLong("SELECT count(*) FROM calls"), options.Engine.MemoryLimit),
                threads, scratch, Path.Combine(output, FeatureStage.FeaturesFile), options.Engine.MemoryLimit, Regroup: slices is null)
            {
                Partition = spec,
                // The owned subjects and every counterpart they talked to, from all partitions' exchange.
                PeopleSql = $"""
                    CREATE OR REPLACE TABLE fx_people AS
                    SELECT * FROM read_parquet([{people}])
                    WHERE {spec.Owns("subscriber_id")} OR subscriber_id IN (SELECT counterpart_id FROM fx_ev)
                    """,
            };
            var graph = FeatureSlices.Run(session, plan, s => Cluster(s, sql, spec, study.Weeks, received, threads), progress, [], new StageClock());
            counts = Counted(session, sql, spec, graph, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            DeleteFolder(scratch);
        }

        AtomicFile.WriteAllText(Path.Combine(output, ComputeMarker), JsonSerializer.Serialize(counts, Manifest.JsonOptions) + "\n");
        return counts;
    }

    /// <summary>Edges and triangle corners per week (keys: week numbers as text) counted by one partition.</summary>
    private sealed record OwnedGraph(Dictionary<string, long> Edges, Dictionary<string, long> Corners);

    /// <summary>
    /// Clustering coefficients of the partition's subjects (non-machines of <c>fx_people</c> it
    /// owns) into <c>fx_cluster</c>, from its calls and the edges the exchange sent it (<see cref="OwnedTriangles"/>),
    /// one week at a time.
    /// </summary>
    private static OwnedGraph Cluster(DuckDbSession session, FeatureSql sql, PartitionSpec spec, int weeks, List<string> received, int threads)
    {
        var graph = new OwnedTriangles(spec, weeks);
        var subjects = session.Query($"SELECT subscriber_id FROM fx_people WHERE NOT is_machine AND {spec.Owns("subscriber_id")}", r => r.GetInt64(0))
            .ToHashSet();
        var edges = new Dictionary<string, long>();
        var corners = new Dictionary<string, long>();
        for (var w = 1; w <= weeks; w++)
        {
            // One week in memory at a time: read, count, release.
            graph.ReadWeek(session.Connection, sql, received, w);
            var week = graph.Count(w, threads);
            var label = w.ToString(CultureInfo.InvariantCulture);
            edges[label] = week.Edges;
            corners[label] = week.Nodes.Sum(n => n.Triangles);
            using var appender = session.Connection.CreateAppender("fx_cluster");
            foreach (var (id, degree, triangles) in week.Nodes.Where(n => subjects.Contains(n.Id)))
            {
                appender.CreateRow().AppendValue(id).AppendValue(w).AppendValue(ClusteringKernel.Coefficient(triangles, degree)).EndRow();
            }
        }

        // The weeks' arrays are garbage now, but the GC keeps their memory committed (resident)
        // unless told otherwise, under every slice the task builds next: return it to the system.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return new OwnedGraph(edges, corners);
    }

    private static void DeleteFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Merges the partitions' features into <c>RUN/features/</c>: the rows of all partitions
    /// sorted as one machine sorts them, the residents' local shares recomputed from all rows,
    /// and the report's counts summed. Refuses an incomplete set and names the missing partitions.
    /// </summary>
    public static FeatureResult Merge(EngineOptions engine, string partitionFolder, string runFolder, IProgress<StageProgress>? progress = null)
    {
        var layout = PartitionLayout.Read(partitionFolder);
        var n = layout.Partitions;
        RequireAll(runFolder, n, ComputeMarker, "features --partition K/N");
        var study = ReadStudy(runFolder, n);
        var options = study.ToOptions(engine ?? EngineOptions.Default);
        var partials = Enumerable.Range(0, n)
            .Select(k => JsonSerializer.Deserialize<PartialCounts>(File.ReadAllText(Path.Combine(Folder(runFolder, k), ComputeMarker)), Manifest.JsonOptions)!)
            .ToList();
        var output = Path.Combine(runFolder, FeatureStage.Name);
        Directory.CreateDirectory(output);
        var featuresPath = Path.Combine(output, FeatureStage.FeaturesFile);
        var timings = new Dictionary<string, double>
        {
            ["partitions_sum"] = Math.Round(partials.Sum(p => p.Seconds), 3),
            ["partitions_max"] = Math.Round(partials.Max(p => p.Seconds), 3),
        };
        var clock = new StageClock();
        var calendar = new StudyCalendar(study.Start);
        FeatureReport report;
        using (var session = new DuckDbSession(options.Engine))
        {
            progress.Step("merging partial features");
            var files = string.Join(", ", Enumerable.Range(0, n).Select(k => Sql.Literal(Path.Combine(Folder(runFolder, k), FeatureStage.FeaturesFile))));
            session.Execute($"CREATE OR REPLACE VIEW px_parts AS SELECT * FROM read_parquet([{files}])");
            session.CopyToParquet(FeatureSql.Merge("px_parts"), featuresPath);
            clock.Lap(timings, "merge");
            var weekKeys = Enumerable.Range(1, study.Weeks).Select(w => w.ToString(CultureInfo.InvariantCulture)).ToList();
            var first = partials[0];
            var counts = new FeatureStage.Counts(
                partials.Sum(p => p.MachinesExcluded), partials.Sum(p => p.AttributedWithoutActivity),
                partials.Sum(p => p.CallsInStudy), partials.Sum(p => p.CallsOutsideStudy), partials.Sum(p => p.GraphNodes),
                weekKeys.ToDictionary(w => w, w => partials.Sum(p => p.EdgesByWeek.GetValueOrDefault(w))),
                weekKeys.ToDictionary(w => w, w => partials.Sum(p => p.TriangleCornersByWeek.GetValueOrDefault(w)) / 3),
                first.CentreLat, first.CentreLon, first.CentrePopulationWeighted);
            report = FeatureStage.BuildReport(session, featuresPath, calendar, study.Weeks, options, counts, timings);
        }

        FeatureStage.WriteReport(output, report, options.ToParameters(), layout.Inputs);
        return new FeatureResult(output, featuresPath, report);
    }

    private static PartitionLayout CheckLayout(string partitionFolder, PartitionSpec spec) => PartitionSteps.CheckLayout(partitionFolder, spec);

    private static DuckDbSession Open(FeatureOptions options, string partitionFolder, PartitionSpec spec, string output)
    {
        var engine = PartitionSteps.SpillInto(options.Engine, output);
        var session = new DuckDbSession(engine);
        var data = PartitionLayout.PartFolder(partitionFolder, spec.Index);
        DataFolder.Attach(session, data);
        Events.CreateView(session);
        FeatureStage.CheckUnique(session, data, CanonicalTables.Subscribers, "subscriber_id");
        FeatureStage.CheckUnique(session, data, CanonicalTables.Cells, "cell_id");
        return session;
    }

    /// <summary>Distinct weekly neighbours (<c>px_adj</c>: week, s, n) of the partition's nodes; self-calls are no edges.</summary>
    private static void Adjacency(DuckDbSession session, FeatureSql sql, PartitionSpec spec) =>
        session.Execute($"""
            CREATE OR REPLACE TABLE px_adj AS
            SELECT DISTINCT week, s, n FROM (
                SELECT {sql.Week("start_time")} AS week, caller_id AS s, callee_id AS n FROM calls
                WHERE {sql.InStudy("start_time")} AND caller_id <> callee_id
                UNION ALL
                SELECT {sql.Week("start_time")}, callee_id, caller_id FROM calls
                WHERE {sql.InStudy("start_time")} AND caller_id <> callee_id)
            WHERE {spec.Owns("s")}
            """);

    private static PartialCounts Counted(DuckDbSession session, FeatureSql sql, PartitionSpec spec, OwnedGraph graph, double seconds)
    {
        var inStudy = session.ScalarLong($"SELECT count(*) FROM calls WHERE {spec.Owns("caller_id")} AND {sql.InStudy("start_time")}");
        var owned = session.ScalarLong($"SELECT count(*) FROM calls WHERE {spec.Owns("caller_id")}");
        var centre = FeatureStage.Centre(session);
        return new PartialCounts(
            session.ScalarLong($"SELECT count(*) FROM fx_people WHERE is_machine AND {spec.Owns("subscriber_id")}"),
            session.ScalarLong("SELECT count(*) FROM subscribers s ANTI JOIN fx_people p USING (subscriber_id)"),
            inStudy, owned - inStudy,
            session.ScalarLong($"""
                SELECT count(*) FROM (SELECT caller_id AS id FROM calls WHERE {sql.InStudy("start_time")}
                                      UNION SELECT callee_id FROM calls WHERE {sql.InStudy("start_time")})
                WHERE {spec.Owns("id")}
                """),
            graph.Edges, graph.Corners, centre.Lat, centre.Lon, centre.Weighted, Math.Round(seconds, 3));
    }

    private static Study ReadStudy(string runFolder, int count)
    {
        RequireAll(runFolder, count, ExchangeMarker, "features --exchange --partition K/N");
        var studies = Enumerable.Range(0, count)
            .Select(k => JsonSerializer.Deserialize<Study>(File.ReadAllText(Path.Combine(Folder(runFolder, k), ExchangeMarker)), Manifest.JsonOptions)!)
            .ToList();
        if (studies.Distinct().Count() != 1)
        {
            throw new MosaicInputException(Path.Combine(runFolder, "partitions", FeatureStage.Name), null,
                "the partitions' exchanges were run with different parameters (--start, --weeks, --machine-threshold, --city-code); re-run them alike");
        }

        return studies[0];
    }

    private static void RequireAll(string runFolder, int count, string marker, string step) =>
        PartitionSteps.RequireAll(runFolder, FeatureStage.Name, count, marker, step);
}
