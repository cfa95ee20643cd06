using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Runs;

namespace Mosaic.Features;

/// <summary>
/// The weekly features stage: reads a data folder, writes <c>RUN/features/features.parquet</c>
/// (one row per subject and active study week, columns of <see cref="FeatureCatalogue"/>),
/// <c>report.json</c> and <c>manifest.json</c>. DuckDB does the relational aggregation; the
/// clustering coefficient comes from <see cref="ClusteringKernel"/>.
/// </summary>
public static class FeatureStage
{
    /// <summary>Name of the stage and of its folder inside a run.</summary>
    public const string Name = "features";

    /// <summary>File name of the features table.</summary>
    public const string FeaturesFile = "features.parquet";

    /// <summary>File name of the report.</summary>
    public const string ReportFile = "report.json";

    /// <summary>
    /// Computes the features of the data in <paramref name="dataFolder"/> into
    /// <c><paramref name="runFolder"/>/features</c>. When that folder already holds output for the
    /// same inputs and parameters (same manifest fingerprint) it is reused unless
    /// <see cref="FeatureOptions.Force"/> is set.
    /// </summary>
    /// <exception cref="MosaicInputException">The data folder is missing a table, has duplicate keys or no calls.</exception>
    public static FeatureResult Run(FeatureOptions options, string dataFolder, string runFolder, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var output = Path.Combine(runFolder, Name);
        var featuresPath = Path.Combine(output, FeaturesFile);
        var reportPath = Path.Combine(output, ReportFile);

        foreach (var table in CanonicalTables.Required)
        {
            var path = DataFolder.TablePath(dataFolder, table);
            if (!File.Exists(path))
            {
                throw new MosaicInputException(path, null, $"canonical table '{table}' is missing from the data folder");
            }
        }

        progress.Step("hashing inputs");
        var inputs = CanonicalTables.Required.Select(t => InputFile.Of(DataFolder.TablePath(dataFolder, t))).ToList();
        var parameters = options.ToParameters();
        var manifestProbe = new Manifest { Stage = Name, Parameters = parameters, Inputs = inputs };
        if (!options.Force && Manifest.ReadFrom(output) is { } previous && previous.Fingerprint == manifestProbe.Fingerprint
            && File.Exists(featuresPath) && File.Exists(reportPath))
        {
            var reused = JsonSerializer.Deserialize<FeatureReport>(File.ReadAllText(reportPath), Manifest.JsonOptions)!;
            return new FeatureResult(output, featuresPath, reused with { ExitReason = FeatureExitReason.Reused });
        }

        Directory.CreateDirectory(output);
        var spill = Path.Combine(output, SpillFolder);
        var engine = options.Engine.TempDirectory is null ? options.Engine with { TempDirectory = spill } : options.Engine;
        var scratch = Path.Combine(output, FeatureSlices.ScratchName);
        // An interrupted run leaves its spill and slices behind (tens of GB at the seed's scale).
        TryDelete(spill);
        TryDelete(scratch);
        var timings = new Dictionary<string, double>();
        var clock = new StageClock();
        FeatureReport report;
        try
        {
            using var session = new DuckDbSession(engine);
            DataFolder.Attach(session, dataFolder);
            Events.CreateView(session);
            CheckUnique(session, dataFolder, CanonicalTables.Subscribers, "subscriber_id");
            CheckUnique(session, dataFolder, CanonicalTables.Cells, "cell_id");
            var (calendar, weeks) = StudyWeeks(session, options, dataFolder);
            var slices = options.Slices ?? FeatureSlices.Choose(session.ScalarLong("SELECT count(*) FROM calls"), options.Engine.MemoryLimit);
            clock.Lap(timings, "inputs");

            var sql = new FeatureSql(calendar, weeks, options.CityCode, options.MachineThreshold);
            var threads = options.Engine.Threads ?? Environment.ProcessorCount;
            var graph = slices == 1
                ? OnePass(session, sql, weeks, threads, featuresPath, progress, timings, clock)
                : FeatureSlices.Run(session, new FeatureSlices.Plan(sql, weeks, slices, threads, scratch, featuresPath, options.Engine.MemoryLimit, Regroup: options.Slices is null),
                    progress, timings, clock);
            report = BuildReport(session, featuresPath, calendar, weeks, options, WholeCounts(session, calendar, weeks, graph), timings);
        }
        finally
        {
            TryDelete(engine.TempDirectory!);
            TryDelete(scratch);
        }

        WriteReport(output, report, parameters, inputs);
        progress.Step("done", 1.0);
        return new FeatureResult(output, featuresPath, report);
    }

    /// <summary>DuckDB's spill folder inside the stage's output, unless the engine options name another.</summary>
    public const string SpillFolder = ".duckdb-tmp";

    /// <summary>The whole data in one pass: every intermediate table at once, the graph of all weeks in one table.</summary>
    private static ContactGraph.Summary OnePass(DuckDbSession session, FeatureSql sql, int weeks, int threads,
        string featuresPath, IProgress<StageProgress>? progress, Dictionary<string, double> timings, StageClock clock)
    {
        var steps = sql.Relational(subjectsView: true).ToList();
        // The graph's scan of the calls needs nothing the steps build: it runs on a second
        // connection while DuckDB works through them, filling the cores their serial parts leave idle.
        using var graphConnection = session.Connection.Duplicate();
        graphConnection.Open();
        var scanning = Task.Run(() => ContactGraph.Compute(ContactGraph.Read(graphConnection, sql, weeks), weeks, threads));
        if (Profile)
        {
            // Profiling: the graph alone first, so every step's CPU seconds are its own.
            Task.WaitAny(scanning);
            clock.Lap(timings, "graph (profiling: before the steps)");
        }

        try
        {
            // Intermediate tables are only aggregated or joined, never read in insertion order:
            // without that order DuckDB builds them in parallel without buffering.
            session.Execute("SET preserve_insertion_order = false");
            for (var i = 0; i < steps.Count; i++)
            {
                progress.Step(steps[i].Step, (double)i / (steps.Count + 2));
                session.Execute(steps[i].Sql);
                clock.Lap(timings, steps[i].Step);
            }
        }
        finally
        {
            // Never leave the scan running on a connection that is about to be disposed.
            Task.WaitAny(scanning);
            session.Execute("RESET preserve_insertion_order");
        }

        progress.Step("clustering coefficients", (double)steps.Count / (steps.Count + 2));
        var computed = scanning.GetAwaiter().GetResult();
        timings["graph scan (alongside the steps above)"] = Math.Round(computed.ScanSeconds, 3);
        timings["graph weeks (alongside the steps above)"] = Math.Round(computed.WeeksSeconds, 3);
        var graph = ContactGraph.Finish(session, computed);
        clock.Lap(timings, "clustering coefficients");

        progress.Step("writing features", (double)(steps.Count + 1) / (steps.Count + 2));
        session.CopyToParquet(FeatureSql.Final(), featuresPath);
        clock.Lap(timings, "writing features");
        return graph;
    }

    /// <summary>Writes <c>report.json</c> and <c>manifest.json</c> of a finished features output.</summary>
    internal static void WriteReport(string output, FeatureReport report, Dictionary<string, string> parameters, IReadOnlyList<InputFile> inputs)
    {
        AtomicFile.WriteAllText(Path.Combine(output, ReportFile), JsonSerializer.Serialize(report, Manifest.JsonOptions) + "\n");
        new Manifest
        {
            Stage = Name,
            Parameters = parameters,
            Inputs = inputs,
            Counts = new Dictionary<string, long>
            {
                ["rows"] = report.Rows,
                ["subjects"] = report.Subjects,
                ["machines_excluded"] = report.MachinesExcluded,
                ["calls_in_study"] = report.CallsInStudy,
            },
            TimingsSeconds = report.TimingsSeconds,
            FinishedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        }.WriteTo(output);
    }

    internal static void CheckUnique(DuckDbSession session, string dataFolder, string table, string key)
    {
        var duplicates = session.ScalarLong($"SELECT count(*) - count(DISTINCT {key}) FROM {table}");
        if (duplicates > 0)
        {
            throw new MosaicInputException(DataFolder.TablePath(dataFolder, table), null,
                $"{duplicates.ToString(CultureInfo.InvariantCulture)} duplicate {key} value(s); keys must be unique");
        }
    }

    private static (StudyCalendar Calendar, int Weeks) StudyWeeks(DuckDbSession session, FeatureOptions options, string dataFolder)
    {
        var range = session.Query("SELECT min(start_time), max(start_time) FROM calls",
            r => r.IsDBNull(0) ? ((DateTime, DateTime)?)null : (r.GetDateTime(0), r.GetDateTime(1))).Single();
        if (range is not (DateTime first, DateTime last))
        {
            throw new MosaicInputException(DataFolder.TablePath(dataFolder, CanonicalTables.Calls), null, "no calls: nothing to compute");
        }

        return StudyWeeks(options, first, last);
    }

    /// <summary>The study calendar and number of weeks for calls from <paramref name="first"/> to <paramref name="last"/>.</summary>
    internal static (StudyCalendar Calendar, int Weeks) StudyWeeks(FeatureOptions options, DateTime first, DateTime last)
    {
        var calendar = new StudyCalendar(options.Start ?? first.Date);
        var weeks = options.Weeks ?? Math.Max(1, calendar.WeekOf(last));
        return (calendar, weeks);
    }

    /// <summary>The report's counts that do not come from the features file: calls, people, graph, centre.</summary>
    internal sealed record Counts(
        long MachinesExcluded, long AttributedWithoutActivity, long CallsInStudy, long CallsOutsideStudy, long GraphNodes,
        IReadOnlyDictionary<string, long> EdgesByWeek, IReadOnlyDictionary<string, long> TrianglesByWeek,
        double? CentreLat, double? CentreLon, bool CentrePopulationWeighted);

    private static Counts WholeCounts(DuckDbSession session, StudyCalendar calendar, int weeks, ContactGraph.Summary graph)
    {
        var sql = new FeatureSql(calendar, weeks, CanonicalTables.DefaultCityCode, FeatureOptions.DefaultMachineThreshold);
        var inStudy = session.ScalarLong($"SELECT count(*) FROM calls WHERE {sql.InStudy("start_time")}");
        var centre = Centre(session);
        return new Counts(
            session.ScalarLong("SELECT count(*) FROM fx_people WHERE is_machine"),
            session.ScalarLong("SELECT count(*) FROM subscribers s ANTI JOIN fx_people p USING (subscriber_id)"),
            inStudy,
            session.ScalarLong("SELECT count(*) FROM calls") - inStudy,
            graph.Nodes, graph.Edges, graph.Triangles, centre.Lat, centre.Lon, centre.Weighted);
    }

    /// <summary>The city centre the distances used (<c>fx_centre</c>).</summary>
    internal static (double? Lat, double? Lon, bool Weighted) Centre(DuckDbSession session) =>
        session.Query("SELECT lat, lon, population_weighted FROM fx_centre",
            r => (r.IsDBNull(0) ? (double?)null : r.GetDouble(0), r.IsDBNull(1) ? (double?)null : r.GetDouble(1), r.GetBoolean(2))).Single();

    /// <summary>The report of a features file, with the counts computed elsewhere (one machine or merged partitions).</summary>
    internal static FeatureReport BuildReport(DuckDbSession session, string featuresPath, StudyCalendar calendar, int weeks,
        FeatureOptions options, Counts counts, Dictionary<string, double> timings)
    {
        var file = $"read_parquet({Sql.Literal(featuresPath)})";
        var nullSql = string.Join(", ", FeatureCatalogue.Names.Select(n => $"count(*) - count({Sql.Identifier(n)})"));
        var nulls = new Dictionary<string, long>();
        session.Query($"SELECT {nullSql} FROM {file}", r =>
        {
            for (var i = 0; i < FeatureCatalogue.Names.Count; i++)
            {
                nulls[FeatureCatalogue.Names[i]] = r.GetInt64(i);
            }

            return 0;
        });
        var byGroup = Groups.Subjects.ToDictionary(g => g, _ => 0L);
        foreach (var (group, n) in session.Query($"SELECT \"group\", count(DISTINCT subscriber_id) FROM {file} GROUP BY ALL ORDER BY 1",
                     r => (r.GetString(0), r.GetInt64(1))))
        {
            byGroup[group] = n;
        }

        var byWeek = session.Query($"SELECT week, count(*) FROM {file} GROUP BY ALL ORDER BY 1",
            r => (r.GetInt32(0).ToString(CultureInfo.InvariantCulture), r.GetInt64(1))).ToDictionary(x => x.Item1, x => x.Item2);
        var byGroupWeek = session.Query($"SELECT \"group\" || '/' || week, count(*) FROM {file} GROUP BY \"group\", week ORDER BY \"group\", week",
            r => (r.GetString(0), r.GetInt64(1))).ToDictionary(x => x.Item1, x => x.Item2);
        return new FeatureReport
        {
            ExitReason = FeatureExitReason.Computed,
            StudyStart = calendar.Start,
            Weeks = weeks,
            Rows = session.ScalarLong($"SELECT count(*) FROM {file}"),
            Subjects = session.ScalarLong($"SELECT count(DISTINCT subscriber_id) FROM {file}"),
            SubjectsByGroup = byGroup,
            RowsByWeek = byWeek,
            RowsByGroupWeek = byGroupWeek,
            MachinesExcluded = counts.MachinesExcluded,
            MachineRule = $"at least {options.MachineThreshold.ToString(CultureInfo.InvariantCulture)} interactions (calls and texts, both directions) in one study week",
            AttributedWithoutActivity = counts.AttributedWithoutActivity,
            CallsInStudy = counts.CallsInStudy,
            CallsOutsideStudy = counts.CallsOutsideStudy,
            NullsByColumn = nulls,
            GraphNodes = counts.GraphNodes,
            GraphEdgesByWeek = counts.EdgesByWeek,
            TrianglesByWeek = counts.TrianglesByWeek,
            CentreLat = counts.CentreLat,
            CentreLon = counts.CentreLon,
            CentrePopulationWeighted = counts.CentrePopulationWeighted,
            TimingsSeconds = timings,
        };
    }

    /// <summary>
    /// <c>MOSAIC_FEATURES_PROFILE=1</c>: the one-pass graph runs before the steps instead of
    /// alongside them, and the timings also hold each step's process CPU seconds
    /// (<c>"cpu: STEP"</c>). For finding what costs most; the features do not change.
    /// </summary>
    internal static bool Profile { get; } = Environment.GetEnvironmentVariable("MOSAIC_FEATURES_PROFILE") == "1";

    internal static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover spill folder is harmless; the next run reuses it.
        }
    }
}
