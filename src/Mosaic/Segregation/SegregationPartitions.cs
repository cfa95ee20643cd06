using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Runs;
using Mosaic.ScaleOut;

namespace Mosaic.Segregation;

/// <summary>
/// The segregation stage over a partitioned data folder (<see cref="Partitioner"/>):
/// <see cref="Exchange"/> and <see cref="Compute"/> once per partition, then one
/// <see cref="Merge"/> that writes exactly the files <see cref="SegregationStage.Run"/> writes.
/// Intermediates live under <c>RUN/partitions/segregation/part-K/</c>.
/// </summary>
/// <remarks>
/// A call counts in its caller's partition, so every partition sees a disjoint set of callers:
/// calls, distinct callers and the hash-sampled distinct callers all add up over partitions.
/// Other partitions' subscribers enter only as callees: their status and, when the callee's cell
/// is unknown, their home district, which the exchange publishes (each partition holds the
/// complete events of its own subscribers). Small-cell suppression and every test and index run
/// in the merge, on the complete counts.
/// </remarks>
public static class SegregationPartitions
{
    private const string ExchangeMarker = "exchange.json";
    private const string ComputeMarker = "counts.json";
    private const string StatusFile = "status.parquet";
    private const string HomesFile = "homes.parquet";
    private const string LevelsFile = "levels.parquet";

    /// <summary>Folder of one partition's intermediates inside a run.</summary>
    public static string Folder(string runFolder, int index) => PartitionSteps.Folder(runFolder, SegregationStage.Name, index);

    /// <summary>The stage's options as the partitions ran them (every step must agree; the merge uses them).</summary>
    internal sealed record Settings(
        double Alpha, UnknownStatusPolicy UnknownStatus, bool IncludeTexts, PopulationSource Populations, CallSource Calls,
        int MinSubscribers, string CityCode, DateTime? StudyStart, long ExactCallersBelow)
    {
        public static Settings Of(SegregationOptions o) =>
            new(o.Alpha, o.UnknownStatus, o.IncludeTexts, o.Populations, o.Calls, o.MinSubscribers, o.CityCode, o.StudyStart, o.ExactCallersBelow);

        public SegregationOptions ToOptions(EngineOptions engine) => new()
        {
            Alpha = Alpha,
            UnknownStatus = UnknownStatus,
            IncludeTexts = IncludeTexts,
            Populations = Populations,
            MinSubscribers = MinSubscribers,
            CityCode = CityCode,
            StudyStart = StudyStart,
            ExactCallersBelow = ExactCallersBelow,
            Calls = Calls,
            Engine = engine,
        };
    }

    /// <summary>What one partition's exchange leaves for the merge: its subscribers' home counts.</summary>
    /// <param name="Options">The options; every step must agree.</param>
    /// <param name="HomeGroups">Home-location populations of the partition's subscribers.</param>
    /// <param name="LocalGroups">Local / settled / new inputs of the partition's subscribers (null without a study start).</param>
    internal sealed record ExchangeResult(Settings Options, IReadOnlyList<SegregationStage.HomeGroupCount> HomeGroups, IReadOnlyList<SegregationStage.LocalGroupCount>? LocalGroups);

    /// <summary>What one partition's compute step counted besides the matrices.</summary>
    /// <param name="Options">The options that shape the counts.</param>
    /// <param name="CalleeCellUnknown">Owned counted calls whose callee cell is unknown.</param>
    /// <param name="Seconds">Duration.</param>
    internal sealed record ComputeResult(Settings Options, long CalleeCellUnknown, double Seconds);

    /// <summary>
    /// Exchange step of partition <paramref name="spec"/>: the status of its attributed
    /// subscribers, the home districts other partitions' calls may need, and its subscribers'
    /// home-location counts.
    /// </summary>
    /// <returns>Subscribers with a home district written.</returns>
    public static long Exchange(SegregationOptions options, string partitionFolder, string runFolder, PartitionSpec spec, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        var layout = Check(options, partitionFolder, spec);
        var output = Folder(runFolder, spec.Index);
        Directory.CreateDirectory(output);
        File.Delete(Path.Combine(output, ExchangeMarker));
        ExchangeResult result;
        long homes;
        using (var session = Open(options, partitionFolder, spec, output))
        {
            progress.Step("home locations");
            SegregationStage.CreateStatus(session, options, PartitionLayout.PartFolder(partitionFolder, spec.Index));
            SegregationStage.BuildHomes(session, SegregationStage.KindSql(options), spec.Owns("subscriber_id"));
            session.CopyToParquet("SELECT * FROM status ORDER BY subscriber_id", Path.Combine(output, StatusFile));
            session.CopyToParquet("SELECT * FROM homes ORDER BY subscriber_id", Path.Combine(output, HomesFile));
            homes = session.ScalarLong("SELECT count(*) FROM homes");
            var start = StudyStart(options, layout);
            result = new ExchangeResult(
                Settings.Of(options), SegregationStage.HomeGroups(session),
                start is null ? null : SegregationStage.LocalGroups(session, new StudyCalendar(start.Value), options.CityCode));
        }

        AtomicFile.WriteAllText(Path.Combine(output, ExchangeMarker), JsonSerializer.Serialize(result, Manifest.JsonOptions) + "\n");
        return homes;
    }

    /// <summary>
    /// Partition <paramref name="spec"/>'s share of the call matrices, over the calls it owns
    /// (its callers'). Needs every partition's exchange.
    /// </summary>
    /// <returns>Owned counted calls.</returns>
    /// <exception cref="MosaicInputException">Some partitions' exchange is missing (named), or ran with other options.</exception>
    public static long Compute(SegregationOptions options, string partitionFolder, string runFolder, PartitionSpec spec, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        var layout = Check(options, partitionFolder, spec);
        ReadAll<ExchangeResult>(runFolder, spec.Count, ExchangeMarker, "segregation --exchange --partition K/N", r => r.Options, Settings.Of(options));
        var output = Folder(runFolder, spec.Index);
        File.Delete(Path.Combine(output, ComputeMarker));
        var clock = Stopwatch.StartNew();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long used;
        using (var session = Open(options, partitionFolder, spec, output))
        {
            progress.Step("status and homes of counterparts");
            var kind = SegregationStage.KindSql(options);
            var owned = $"(SELECT * FROM calls WHERE {spec.Owns("caller_id")})";
            var status = PartitionSteps.FileList(runFolder, SegregationStage.Name, spec.Count, StatusFile);
            var homes = PartitionSteps.FileList(runFolder, SegregationStage.Name, spec.Count, HomesFile);
            // Only the parties of owned calls, from every partition's exchange.
            session.Execute($"""
                CREATE TEMP TABLE status AS
                SELECT * FROM read_parquet([{status}])
                WHERE subscriber_id IN (SELECT caller_id FROM {owned} c WHERE {kind} UNION SELECT callee_id FROM {owned} c WHERE {kind});
                CREATE TEMP TABLE homes AS
                SELECT * FROM read_parquet([{homes}])
                WHERE subscriber_id IN (SELECT callee_id FROM {owned} c WHERE callee_cell IS NULL AND {kind});
                """);
            progress.Step("call matrices");
            var districts = SegregationStage.ReadDistricts(session).Select(d => d.Id).ToArray();
            var mask = CallMatrixQuery.SampleMask(layout.Calls, options.ExactCallersBelow);
            CallMatrixQuery.WritePartial(session, districts, SegregationStage.UnknownIsHost(options), kind, owned, mask, Path.Combine(output, LevelsFile), counts);
            used = session.ScalarLong($"SELECT count(*) FROM {owned} c WHERE {kind}");
        }

        var result = new ComputeResult(Settings.Of(options), counts["calls_callee_cell_unknown"], Math.Round(clock.Elapsed.TotalSeconds, 3));
        AtomicFile.WriteAllText(Path.Combine(output, ComputeMarker), JsonSerializer.Serialize(result, Manifest.JsonOptions) + "\n");
        return used;
    }

    /// <summary>
    /// Merges the partitions into <c>RUN/segregation/</c>: the matrices' counts summed (callers
    /// exact below k, as one machine counts them), home counts summed, then the same tests,
    /// indices and privacy suppression as <see cref="SegregationStage.Run"/>, on the complete counts.
    /// Refuses an incomplete set and names the missing partitions.
    /// </summary>
    /// <param name="engine">DuckDB resources.</param>
    /// <param name="partitionFolder">The partitioned data folder.</param>
    /// <param name="runFolder">The run folder holding the partials.</param>
    /// <param name="progress">Optional progress sink.</param>
    /// <param name="expected">When given, the options every partition must have run with (else they need only agree).</param>
    public static SegregationResult Merge(EngineOptions engine, string partitionFolder, string runFolder, IProgress<StageProgress>? progress = null, SegregationOptions? expected = null)
    {
        var layout = PartitionLayout.Read(partitionFolder);
        var n = layout.Partitions;
        var exchanged = ReadAll<ExchangeResult>(runFolder, n, ExchangeMarker, "segregation --exchange --partition K/N", r => r.Options,
            expected is null ? null : Settings.Of(expected));
        var options = exchanged[0].Options.ToOptions(engine ?? EngineOptions.Default);
        var computed = ReadAll<ComputeResult>(runFolder, n, ComputeMarker, "segregation --partition K/N", r => r.Options, exchanged[0].Options);
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["partitions_sum"] = Math.Round(computed.Sum(c => c.Seconds), 3),
            ["partitions_max"] = Math.Round(computed.Max(c => c.Seconds), 3),
        };
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        SegregationStage.Gathered gathered;
        using (var session = new DuckDbSession(options.Engine))
        {
            progress.Step("merging call matrices");
            DataFolder.Attach(session, PartitionLayout.PartFolder(partitionFolder, 0));
            var districts = SegregationStage.ReadDistricts(session);
            var ids = districts.Select(d => d.Id).ToArray();
            counts["districts"] = ids.Length;
            counts["calls_callee_cell_unknown"] = computed.Sum(c => c.CalleeCellUnknown);
            var mask = CallMatrixQuery.SampleMask(layout.Calls, options.ExactCallersBelow);
            var levels = Enumerable.Range(0, n).Select(k => Path.Combine(Folder(runFolder, k), LevelsFile));
            var matrices = CallMatrixQuery.Merge(session, ids, levels, mask, options.MinSubscribers, counts);
            var homeGroups = exchanged.SelectMany(e => e.HomeGroups)
                .GroupBy(h => (h.District, h.Group))
                .Select(g => new SegregationStage.HomeGroupCount(g.Key.District, g.Key.Group, g.Sum(h => h.Count)))
                .ToList();
            var localGroups = exchanged[0].LocalGroups is null ? null : exchanged.SelectMany(e => e.LocalGroups!).ToList();
            gathered = new SegregationStage.Gathered(districts, matrices, CallSource.Calls, homeGroups, localGroups, layout.Inputs);
        }

        timings["merge"] = Math.Round(clock.Elapsed.TotalSeconds, 3);
        clock.Restart();
        return SegregationStage.Publish(options, runFolder, gathered, counts, timings, clock, progress);
    }

    /// <summary>Whether a run folder holds segregation partials (the merge has something to do).</summary>
    public static bool HasPartials(string runFolder) => Directory.Exists(PartitionSteps.StageFolder(runFolder, SegregationStage.Name));

    private static PartitionLayout Check(SegregationOptions options, string partitionFolder, PartitionSpec spec)
    {
        options.Validate();
        if (options.Calls == CallSource.SiteTraffic)
        {
            throw new MosaicInputException("--calls", null, "site traffic is aggregated already: run segregation on the data folder, without --partition");
        }

        return PartitionSteps.CheckLayout(partitionFolder, spec);
    }

    private static DateTime? StudyStart(SegregationOptions options, PartitionLayout layout) =>
        options.StudyStart ?? layout.FirstCall?.Date;

    private static DuckDbSession Open(SegregationOptions options, string partitionFolder, PartitionSpec spec, string output)
    {
        var engine = PartitionSteps.SpillInto(options.Engine, output);
        var session = new DuckDbSession(engine);
        DataFolder.Attach(session, PartitionLayout.PartFolder(partitionFolder, spec.Index));
        return session;
    }

    /// <summary>Every partition's marker of a step; all must carry <paramref name="expected"/> options (or, when null, the same ones).</summary>
    private static List<T> ReadAll<T>(string runFolder, int count, string marker, string step, Func<T, Settings> settings, Settings? expected)
    {
        PartitionSteps.RequireAll(runFolder, SegregationStage.Name, count, marker, step);
        var results = Enumerable.Range(0, count)
            .Select(k => JsonSerializer.Deserialize<T>(File.ReadAllText(Path.Combine(Folder(runFolder, k), marker)), Manifest.JsonOptions)!)
            .ToList();
        expected ??= settings(results[0]);
        if (results.Any(r => settings(r) != expected))
        {
            throw new MosaicInputException(PartitionSteps.StageFolder(runFolder, SegregationStage.Name), null,
                $"the partitions' `{step}` ran with other options (--alpha, --k, --unknown-status, --include-texts, --populations, --city-code); re-run every step with the same options");
        }

        return results;
    }
}
