using System.Globalization;
using Mosaic.Data;
using Mosaic.Runs;
using Mosaic.ScaleOut;

namespace Mosaic.Features;

/// <summary>
/// The features stage in subscriber slices, one after another in one process, for data whose
/// intermediate tables do not fit in memory at once (the <c>seed</c> preset). Gives the same
/// bytes as the one-pass stage.
/// </summary>
/// <remarks>
/// Steps: (1) one scan of <c>calls</c> writes the attributed subscribers' events to one Parquet
/// folder per slice (slice = subscriber id modulo N, the rule of <see cref="PartitionSpec"/>;
/// inside a scale-out partition, id ÷ partitions modulo N);
/// (2) groups and machine flags of every attributed subscriber from all slices (contacts need
/// them); (3) the contact graph one week at a time: a narrow distinct edge list of node indices
/// per week, read into <see cref="ClusteringKernel"/>; (4) per slice, every per-subject table
/// and its partial features; (5) the partial features merged and sorted, with the residents'
/// local shares (a count over all subjects) recomputed from all rows, as the scale-out merge does.
/// Every per-subject feature needs only the subject's own events of all weeks, so a slice holds
/// whole subjects; only groups, machines and the graph cross slices, and those are global tables.
/// </remarks>
public static class FeatureSlices
{
    /// <summary>Folder, inside the stage's output, of the slices' events and partial features (deleted at the end).</summary>
    public const string ScratchName = ".slices";

    /// <summary>
    /// Memory budgeted per call of a slice: the subject events (up to two per call) and the
    /// per-subject tables built from them, measured at ≈ 0.4 GB per million calls in one pass,
    /// doubled for headroom.
    /// </summary>
    public const long BytesPerCall = 800;

    /// <summary>
    /// Memory budgeted per attributed subscriber's event once the events are known (an event is
    /// one side of a call; one pass measured ≈ 0.4 GB per million calls at 0.6 such events per
    /// call), doubled for headroom. Only the attributed subscribers' events reach the slices, so
    /// with few attributed subscribers (5% at the seed) far fewer slices suffice than
    /// <see cref="BytesPerCall"/> suggests.
    /// </summary>
    public const long BytesPerEvent = 1300;

    /// <summary>
    /// Slices to process once the events are counted: at most <paramref name="buckets"/> (the
    /// folders written, one per id modulo <paramref name="buckets"/>), enough that each slice's
    /// events fit <paramref name="memoryLimit"/> at <see cref="BytesPerEvent"/>.
    /// </summary>
    public static int Regroup(long events, string? memoryLimit, int buckets)
    {
        var budget = Math.Max(1L, MemoryBytes(memoryLimit));
        return (int)Math.Clamp(Math.Ceiling(events * (double)BytesPerEvent / budget), 1, buckets);
    }

    /// <summary>Share of the machine's memory DuckDB gets in a sliced run without a memory limit; the rest is for the contact graph.</summary>
    private const double DefaultMemoryShare = 0.5;

    /// <summary>
    /// Number of slices for <paramref name="calls"/> calls under <paramref name="memoryLimit"/>
    /// (DuckDB's syntax, e.g. <c>16GB</c>; null: half the machine's memory): 1 while a slice of
    /// <see cref="BytesPerCall"/> per call fits, else enough slices that each does.
    /// </summary>
    public static int Choose(long calls, string? memoryLimit)
    {
        var budget = Math.Max(1L, MemoryBytes(memoryLimit));
        var slices = calls * (double)BytesPerCall / budget;
        return (int)Math.Clamp(Math.Ceiling(slices), 1, FeatureOptions.MaxSlices);
    }

    /// <summary>Bytes of a DuckDB memory limit (<c>500MB</c>, <c>16GB</c>, <c>1.5GiB</c>); null or unreadable: the default share of the machine's memory.</summary>
    public static long MemoryBytes(string? memoryLimit) => ParseBytes(memoryLimit) ?? DefaultMemory();

    private static long DefaultMemory() => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * DefaultMemoryShare);

    private static long? ParseBytes(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsDigit(trimmed[split]) || trimmed[split] == '.'))
        {
            split++;
        }

        if (!double.TryParse(trimmed[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        double? unit = trimmed[split..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1024.0,
            "MIB" => 1024.0 * 1024,
            "GIB" => 1024.0 * 1024 * 1024,
            "TIB" => 1024.0 * 1024 * 1024 * 1024,
            _ => null,
        };
        return unit is double u ? (long)(value * u) : null;
    }

    private static readonly string[] SliceTables =
        ["fx_sev", "fx_week", "fx_wcell", "fx_gaps", "fx_contacts", "fx_new", "fx_pareto", "fx_ego", "fx_cells", "fx_home", "fx_work", "fx_home_study", "fx_residents"];

    /// <summary>What one sliced run works on.</summary>
    /// <remarks><see cref="Regroup"/>: when the slice count was not given, the event folders are regrouped into fewer slices by their size.</remarks>
    internal sealed record Plan(FeatureSql Sql, int Weeks, int Slices, int Threads, string Scratch, string FeaturesPath, string? MemoryLimit, bool Regroup)
    {
        /// <summary>No memory limit was given: the sliced run sets DuckDB's to the default share.</summary>
        public bool LimitMemory => MemoryLimit is null;

        /// <summary>
        /// The partition whose subjects these are (a scale-out compute task), or null for the whole
        /// data. Its subscribers all have id ≡ K mod N, so slices are taken over id ÷ N (else
        /// every subject would fall in one slice); the residents' local shares are left empty and
        /// the rows only sorted, for the scale-out merge to fill from all partitions.
        /// </summary>
        public PartitionSpec? Partition { get; init; }

        /// <summary>The statement building <c>fx_people</c> when not the stage's own (a partition reads the exchange's).</summary>
        public string? PeopleSql { get; init; }

        /// <summary>SQL of the slice (in [0, <see cref="Slices"/>)) of the subscriber in <paramref name="column"/>.</summary>
        public string SliceSql(string column) => SliceOf(column, Slices, Partition);
    }

    /// <summary>
    /// SQL of the slice of the subscriber in <paramref name="column"/>: id mod
    /// <paramref name="slices"/>, or (id ÷ N) mod <paramref name="slices"/> inside a partition of N
    /// (whose ids share one residue mod N).
    /// </summary>
    internal static string SliceOf(string column, int slices, PartitionSpec? partition) =>
        PartitionSpec.OwnerSql(partition is null ? column : $"({column}) // {partition.Count.ToString(CultureInfo.InvariantCulture)}", slices);

    /// <summary>
    /// Runs the sliced stage in an open session (data attached, <c>events</c> view created) and
    /// writes the features file; leaves <c>fx_people</c> for the report.
    /// Returns the graph's size per week.
    /// </summary>
    internal static ContactGraph.Summary Run(
        DuckDbSession session, Plan plan, IProgress<StageProgress>? progress, Dictionary<string, double> timings, StageClock clock) =>
        Run(session, plan, s => ContactGraph.Cluster(s, plan.Sql, plan.Weeks, plan.Threads), progress, timings, clock);

    /// <summary>
    /// <see cref="Run(DuckDbSession, Plan, IProgress{StageProgress}?, Dictionary{string, double}, StageClock)"/>
    /// with another clustering step: <paramref name="cluster"/> fills <c>fx_cluster</c> (created
    /// empty) once <c>fx_people</c> exists, and its result is returned.
    /// </summary>
    internal static T Run<T>(
        DuckDbSession session, Plan plan, Func<DuckDbSession, T> cluster, IProgress<StageProgress>? progress, Dictionary<string, double> timings, StageClock clock)
    {
        if (plan.LimitMemory)
        {
            session.Execute($"SET memory_limit = '{(DefaultMemory() >> 20).ToString(CultureInfo.InvariantCulture)}MB'");
        }

        var total = 4.0 + plan.Slices; // progress; refined once the slices are regrouped
        var events = Path.Combine(plan.Scratch, "events");
        var parts = Path.Combine(plan.Scratch, "parts");
        Directory.CreateDirectory(parts);

        progress.Step(FeatureSql.EventsStep + " (into slices)", 0);
        // The events' order inside a slice is irrelevant (every feature aggregates or sorts), and
        // not keeping it lets DuckDB write the slices without buffering.
        session.Execute("SET preserve_insertion_order = false");
        session.Execute($"""
            COPY (SELECT *, {plan.SliceSql("subscriber_id")} AS slice FROM ({plan.Sql.EventsSelect()}))
            TO {Sql.Literal(events)} (FORMAT parquet, PARTITION_BY (slice))
            """);
        session.Execute("RESET preserve_insertion_order");
        clock.Lap(timings, FeatureSql.EventsStep);

        progress.Step(FeatureSql.PeopleStep, 1 / total);
        EventsView(session, plan.Sql, Directory.Exists(events) ? [Path.Combine(events, "*", "*.parquet")] : []);
        session.Execute(plan.PeopleSql ?? plan.Sql.Relational().Single(s => s.Step == FeatureSql.PeopleStep).Sql);
        clock.Lap(timings, FeatureSql.PeopleStep);

        progress.Step("clustering coefficients", 2 / total);
        session.Execute(plan.Sql.Relational().Single(s => s.Step == FeatureSql.GraphStep).Sql);
        var graph = cluster(session);
        clock.Lap(timings, "clustering coefficients");

        var perSubject = plan.Sql.Relational()
            .Where(s => s.Step is not (FeatureSql.EventsStep or FeatureSql.PeopleStep or FeatureSql.GraphStep))
            .ToList();
        var slices = plan.Slices;
        if (plan.Regroup && Directory.Exists(events))
        {
            var count = session.ScalarLong($"SELECT count(*) FROM read_parquet({Sql.Literal(Path.Combine(events, "*", "*.parquet"))})");
            slices = Regroup(count, plan.MemoryLimit, plan.Slices);
            total = 4.0 + slices;
        }

        var partFiles = new List<string>();
        // As in one pass: a slice's tables are only aggregated or joined and its partial table is
        // sorted by the merge, so no statement of a slice needs the insertion order kept (keeping
        // it makes DuckDB buffer every table it builds in order).
        session.Execute("SET preserve_insertion_order = false");
        for (var k = 0; k < slices; k++)
        {
            progress.Step(string.Create(CultureInfo.InvariantCulture, $"slice {k + 1} of {slices}"), (3 + k) / total);
            // Slice k holds the event folders b with b mod slices = k (all of one subscriber's events are in one folder).
            var files = Enumerable.Range(0, plan.Slices).Where(b => b % slices == k)
                .Select(b => Path.Combine(events, "slice=" + b.ToString(CultureInfo.InvariantCulture)))
                .Where(Directory.Exists)
                .Select(f => Path.Combine(f, "*.parquet"))
                .ToList();
            EventsView(session, plan.Sql, files);
            foreach (var (step, text) in perSubject)
            {
                session.Execute(text);
                clock.Add(timings, step);
            }

            if (plan.Partition is not null)
            {
                // A partition's residents are a part of the district's: the scale-out merge counts them all.
                session.Execute("DELETE FROM fx_residents");
            }

            var part = Path.Combine(parts, PartitionSpec.FolderName(k) + ".parquet");
            session.CopyToParquet(FeatureSql.Final(sorted: false), part);
            partFiles.Add(part);
            // Free the slice's tables before the next slice builds its own.
            session.Execute(string.Join(";\n", SliceTables.Select(t => $"DROP TABLE IF EXISTS {t}")));
            clock.Add(timings, "writing slices");
        }

        // The merge's sorted write keeps its order only with the insertion order preserved.
        session.Execute("RESET preserve_insertion_order");
        progress.Step("merging slices", (3 + slices) / total);
        session.Execute($"CREATE OR REPLACE VIEW fx_parts AS SELECT * FROM read_parquet([{string.Join(", ", partFiles.Select(Sql.Literal))}])");
        session.CopyToParquet(plan.Partition is null ? FeatureSql.Merge("fx_parts") : "SELECT * FROM fx_parts ORDER BY subscriber_id, week", plan.FeaturesPath);
        clock.Lap(timings, "writing features");
        return graph;
    }

    /// <summary><c>fx_ev</c> as a view over slice files (globs), or empty when a slice has no events.</summary>
    private static void EventsView(DuckDbSession session, FeatureSql sql, List<string> files) =>
        session.Execute(files.Count == 0
            ? $"CREATE OR REPLACE VIEW fx_ev AS SELECT * FROM ({sql.EventsSelect()}) LIMIT 0"
            : $"CREATE OR REPLACE VIEW fx_ev AS SELECT * FROM read_parquet([{string.Join(", ", files.Select(Sql.Literal))}], hive_partitioning = false)");
}
