using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Privacy;
using Mosaic.Runs;

namespace Mosaic.Segregation;

/// <summary>One district's homogeneity test.</summary>
/// <param name="Comparison"><c>RT_vs_TT</c> or <c>RR_vs_TT</c>.</param>
/// <param name="DistrictId">The origin district.</param>
/// <param name="Test">The test, or null when a row is empty (nothing to compare).</param>
/// <param name="QValue">Benjamini–Hochberg q over the comparison's testable districts (NaN when untestable).</param>
/// <param name="Segregated">p &lt; alpha; null when untestable.</param>
/// <param name="Suppressed">Fewer than k distinct callers in either network from this district: published values are blank.</param>
public sealed record DistrictTest(string Comparison, int DistrictId, ChiSquareResult? Test, double QValue, bool? Segregated, bool Suppressed);

/// <summary>Refugee and host populations of a district and their outgoing call volumes.</summary>
/// <param name="DistrictId">District.</param>
/// <param name="Refugees">Refugee population (NaN when unknown).</param>
/// <param name="Hosts">Host population (NaN when unknown).</param>
/// <param name="RefugeesFromCalls">Refugees' outgoing calls from the district (the paper's proxy).</param>
/// <param name="HostsFromCalls">Hosts' outgoing calls from the district.</param>
/// <param name="RefugeesSuppressed">The published refugee count or call volume describes 1 to k − 1 subscribers.</param>
/// <param name="HostsSuppressed">The same for hosts.</param>
public sealed record DistrictPopulation(
    int DistrictId, double Refugees, double Hosts, long RefugeesFromCalls, long HostsFromCalls,
    bool RefugeesSuppressed, bool HostsSuppressed);

/// <summary>The indices written to <c>indices.json</c>.</summary>
/// <param name="MinSubscribers">The k used for suppression elsewhere in the stage.</param>
/// <param name="PopulationSource">Where the refugee/host populations came from.</param>
/// <param name="CallSource">Where the call matrices came from.</param>
/// <param name="Dissimilarity">The paper's DI: <c>from_populations</c>, <c>from_calls</c> (all outgoing calls), <c>from_calls_RT</c> and <c>from_calls_RR</c> (each network's volume against TT's).</param>
/// <param name="RefugeeHost">Single- and multigroup indices of refugees and hosts over districts.</param>
/// <param name="LocalSettledNew">The same for locals, settled and new migrants by home district (null without call-level data).</param>
public sealed record SegregationIndexSummary(
    int MinSubscribers, string PopulationSource, string CallSource,
    IReadOnlyDictionary<string, double> Dissimilarity, GroupIndicesReport RefugeeHost, GroupIndicesReport? LocalSettledNew);

/// <summary>What <see cref="SegregationStage.Run"/> did.</summary>
/// <param name="OutputFolder">The <c>segregation</c> folder inside the run.</param>
/// <param name="Matrices">The call matrices (unsuppressed, in memory).</param>
/// <param name="Populations">Per-district populations, ascending id.</param>
/// <param name="Tests">Per-district tests, by comparison then district.</param>
/// <param name="Indices">The indices.</param>
/// <param name="CallSourceUsed">Calls or site traffic.</param>
/// <param name="PopulationSourceUsed">Districts table or home locations.</param>
/// <param name="Counts">Diagnostics: calls read, used and dropped by reason, districts segregated per comparison.</param>
/// <param name="TimingsSeconds">Seconds per step.</param>
public sealed record SegregationResult(
    string OutputFolder, CallMatrices Matrices, IReadOnlyList<DistrictPopulation> Populations,
    IReadOnlyList<DistrictTest> Tests, SegregationIndexSummary Indices, CallSource CallSourceUsed,
    PopulationSource PopulationSourceUsed, IReadOnlyDictionary<string, long> Counts,
    IReadOnlyDictionary<string, double> TimingsSeconds);

/// <summary>
/// The behavioural-segregation stage (Rhoads et al. 2020, section 3): district call matrices,
/// per-district chi-square homogeneity tests with Benjamini–Hochberg q-values and Cramér's V,
/// populations, and segregation indices. Writes <c>RUN/segregation/</c>: <c>call_matrices.csv</c>,
/// <c>populations.csv</c>, <c>district_tests.csv</c>, <c>indices.json</c>, <c>manifest.json</c>.
/// See docs/segregation.md for every definition.
/// </summary>
public static class SegregationStage
{
    /// <summary>The stage's name in manifests and run folders.</summary>
    public const string Name = "segregation";

    /// <summary>RT against TT.</summary>
    public const string RtVsTt = "RT_vs_TT";

    /// <summary>RR against TT, on population densities.</summary>
    public const string RrVsTt = "RR_vs_TT";

    private static readonly string[] ComparedNetworks = ["RT", "RR"];

    /// <summary>Runs the stage on a data folder and writes its outputs under <paramref name="runFolder"/>.</summary>
    public static SegregationResult Run(SegregationOptions options, string dataFolder, string runFolder, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            clock.Restart();
        }

        using var session = new DuckDbSession(options.Engine);
        progress.Step("reading districts");
        DataFolder.Attach(session, dataFolder);
        var districts = ReadDistricts(session);
        var districtIds = districts.Select(d => d.Id).ToArray();
        counts["districts"] = districtIds.Length;
        var hasTraffic = File.Exists(DataFolder.TablePath(dataFolder, CanonicalTables.SiteTraffic));
        var source = ChooseCallSource(options.Calls, hasTraffic, session, dataFolder);

        progress.Step("home locations");
        var kind = KindSql(options);
        CreateStatus(session, options, dataFolder);
        if (source == CallSource.Calls)
        {
            BuildHomes(session, kind);
        }

        Lap("home_locations");

        progress.Step("call matrices");
        var matrices = source == CallSource.Calls
            ? CallMatrixQuery.Run(session, districtIds, UnknownIsHost(options), kind, options.MinSubscribers, options.ExactCallersBelow, counts)
            : MatricesFromTraffic(session, districtIds, counts, dataFolder);
        Lap("call_matrices");

        var homeGroups = source == CallSource.Calls ? HomeGroups(session) : [];
        var start = options.StudyStart
            ?? (session.Scalar("SELECT CAST(CAST(min(start_time) AS DATE) AS TIMESTAMP) FROM calls") is DateTime first ? first : (DateTime?)null);
        var localGroups = source == CallSource.Calls && start is not null ? LocalGroups(session, new StudyCalendar(start.Value), options.CityCode) : null;
        var inputs = CanonicalTables.Required.Append(CanonicalTables.SiteTraffic)
            .Select(t => DataFolder.TablePath(dataFolder, t))
            .Where(File.Exists)
            .Select(InputFile.Of)
            .ToList();
        Lap("hash_inputs");
        return Publish(options, runFolder, new Gathered(districts, matrices, source, homeGroups, localGroups, inputs), counts, timings, clock, progress);
    }

    /// <summary>Attributed subscribers with a home, by home district and status group.</summary>
    /// <param name="District">Home district.</param>
    /// <param name="Group"><c>R</c> or <c>T</c>.</param>
    /// <param name="Count">Subscribers.</param>
    internal sealed record HomeGroupCount(int District, string Group, long Count);

    /// <summary>Attributed subscribers with a home, by home district, birthplace and first active week.</summary>
    /// <param name="District">Home district.</param>
    /// <param name="Local">Born in the study city.</param>
    /// <param name="Week">Study week of the first event (null without one).</param>
    /// <param name="Count">Subscribers.</param>
    internal sealed record LocalGroupCount(int District, bool Local, int? Week, long Count);

    /// <summary>What the published outputs are computed from; all of it sums over partitions.</summary>
    internal sealed record Gathered(
        IReadOnlyList<DistrictRow> Districts, CallMatrices Matrices, CallSource Source,
        IReadOnlyList<HomeGroupCount> HomeGroups, IReadOnlyList<LocalGroupCount>? LocalGroups, IReadOnlyList<InputFile> Inputs);

    /// <summary>
    /// Everything after the counts: populations, tests, indices, privacy suppression (on the
    /// complete counts) and the files. Shared by <see cref="Run"/> and the partitions' merge.
    /// </summary>
    internal static SegregationResult Publish(
        SegregationOptions options, string runFolder, Gathered gathered, Dictionary<string, long> counts,
        Dictionary<string, double> timings, Stopwatch clock, IProgress<StageProgress>? progress)
    {
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            clock.Restart();
        }

        var (districts, matrices, source, homeGroups, localGroups, inputs) = gathered;
        var districtIds = districts.Select(d => d.Id).ToArray();
        progress.Step("populations");
        var (populations, populationSource) = Populations(options, districts, matrices, source, homeGroups);
        Lap("populations");

        progress.Step("tests");
        var tests = Tests(matrices, populations, options);
        foreach (var comparison in new[] { RtVsTt, RrVsTt })
        {
            counts[$"segregated_{comparison}"] = tests.Count(t => t.Comparison == comparison && t.Segregated == true);
            counts[$"testable_{comparison}"] = tests.Count(t => t.Comparison == comparison && t.Test is not null);
        }

        var localSettledNew = localGroups is null ? null : LocalSettledNew(localGroups, options, districtIds);
        var indices = Indices(matrices, populations, populationSource, source, localSettledNew, options);
        Lap("tests_and_indices");

        progress.Step("writing");
        var output = Path.Combine(runFolder, Name);
        Directory.CreateDirectory(output);
        AtomicFile.WriteAllText(Path.Combine(output, "call_matrices.csv"), MatricesCsv(matrices, options.MinSubscribers));
        AtomicFile.WriteAllText(Path.Combine(output, "populations.csv"), PopulationsCsv(populations, suppress: true));

        // The mitigation model needs the exact counts: they stay in internal/, which (like
        // features.parquet) never leaves the secure environment and is never published.
        var internalFolder = Path.Combine(output, InternalFolder);
        Directory.CreateDirectory(internalFolder);
        AtomicFile.WriteAllText(Path.Combine(internalFolder, "call_matrices.csv"), MatricesCsv(matrices, 0));
        AtomicFile.WriteAllText(Path.Combine(internalFolder, "populations.csv"), PopulationsCsv(populations, suppress: false));
        AtomicFile.WriteAllText(Path.Combine(output, "district_tests.csv"), TestsCsv(tests));
        AtomicFile.WriteAllText(Path.Combine(output, "indices.json"), JsonSerializer.Serialize(indices, Manifest.JsonOptions) + "\n");
        Lap("write");

        progress.Step("manifest");
        new Manifest
        {
            Stage = Name,
            Parameters = new Dictionary<string, string>
            {
                ["alpha"] = Manifest.Format(options.Alpha),
                ["unknown_status"] = options.UnknownStatus.ToString().ToLowerInvariant(),
                ["include_texts"] = Manifest.Format(options.IncludeTexts),
                ["populations"] = options.Populations.ToString().ToLowerInvariant(),
                ["populations_used"] = populationSource.ToString().ToLowerInvariant(),
                ["calls"] = options.Calls.ToString().ToLowerInvariant(),
                ["calls_used"] = source.ToString().ToLowerInvariant(),
                ["k"] = Manifest.Format(options.MinSubscribers),
                ["city_code"] = options.CityCode,
                ["study_start"] = options.StudyStart?.ToString("s", CultureInfo.InvariantCulture) ?? "",
            },
            Inputs = inputs,
            Counts = counts,
            TimingsSeconds = timings,
            FinishedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        }.WriteTo(output);
        return new SegregationResult(output, matrices, populations, tests, indices, source, populationSource, counts, timings);
    }

    /// <summary>A row of the districts table.</summary>
    internal sealed record DistrictRow(int Id, long? Population, long? RefugeePopulation);

    internal static List<DistrictRow> ReadDistricts(DuckDbSession session) =>
        session.Query(
            "SELECT district_id, population, refugee_population FROM districts ORDER BY district_id",
            r => new DistrictRow(r.GetInt32(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2)));

    private static CallSource ChooseCallSource(CallSource requested, bool hasTraffic, DuckDbSession session, string dataFolder)
    {
        if (requested == CallSource.SiteTraffic && !hasTraffic)
        {
            throw new MosaicInputException(DataFolder.TablePath(dataFolder, CanonicalTables.SiteTraffic), null, "site traffic requested but the data folder has no site_traffic table");
        }

        if (requested != CallSource.Auto)
        {
            return requested;
        }

        return hasTraffic && session.ScalarLong("SELECT count(*) FROM (SELECT 1 FROM calls LIMIT 1)") == 0 ? CallSource.SiteTraffic : CallSource.Calls;
    }

    /// <summary>Parties of unknown status count as hosts.</summary>
    internal static bool UnknownIsHost(SegregationOptions options) => options.UnknownStatus == UnknownStatusPolicy.Host;

    /// <summary>The filter of counted records: calls, or calls and texts.</summary>
    internal static string KindSql(SegregationOptions options) => options.IncludeTexts ? "TRUE" : "kind = 'call'";

    /// <summary>The <c>status</c> table (subscriber_id, g = R, T or null) of the attributed subscribers; a repeated id is bad input.</summary>
    internal static void CreateStatus(DuckDbSession session, SegregationOptions options, string dataFolder)
    {
        var unknown = options.UnknownStatus == UnknownStatusPolicy.Host ? "'T'" : "NULL::VARCHAR";
        var duplicates = session.ScalarLong("SELECT count(*) - count(DISTINCT subscriber_id) FROM subscribers");
        if (duplicates > 0)
        {
            // A repeated subscriber would count each of their calls more than once.
            throw new MosaicInputException(DataFolder.TablePath(dataFolder, CanonicalTables.Subscribers), null, $"{duplicates} subscriber ids appear more than once");
        }

        session.Execute($"""
            CREATE TEMP TABLE status AS
            SELECT subscriber_id, CASE WHEN is_refugee THEN 'R' WHEN NOT is_refugee THEN 'T' ELSE {unknown} END AS g
            FROM subscribers
            """);
    }

    /// <summary>
    /// Home districts (the shared <see cref="HomeWork"/> definition) of the attributed subscribers
    /// and of every callee whose cell is unknown on some counted call: only those are needed.
    /// One narrow pass counts their events per night cell (other events in one row per
    /// subscriber), so the first event time of the local/settled/new groups needs no second pass.
    /// </summary>
    /// <param name="session">Session with the data folder attached and <c>status</c> created.</param>
    /// <param name="kind">Counted records (<see cref="KindSql"/>).</param>
    /// <param name="owned">A predicate on <c>subscriber_id</c>: only those subscribers' homes (one partition's, whose events it holds in full).</param>
    internal static void BuildHomes(DuckDbSession session, string kind, string owned = "TRUE")
    {
        Events.CreateView(session);
        session.Execute($"""
            CREATE TEMP TABLE needed AS
            SELECT subscriber_id FROM (
                SELECT subscriber_id FROM subscribers
                UNION SELECT callee_id FROM calls WHERE callee_cell IS NULL AND {kind})
            WHERE {owned};
            CREATE TEMP TABLE home_counts AS
            SELECT subscriber_id, CASE WHEN {StudyCalendar.NightSql("start_time")} THEN cell_id END AS cell_id,
                   count(*) AS n, min(start_time) AS first_seen
            FROM {Events.View} WHERE subscriber_id IN (SELECT subscriber_id FROM needed)
            GROUP BY ALL;
            CREATE TEMP TABLE homes AS
            SELECT h.subscriber_id, c.district_id
            FROM ({HomeWork.MostFrequentCountedCellSql("home_counts")}) h JOIN cells c ON c.cell_id = h.cell_id
            WHERE c.district_id IS NOT NULL;
            """);
    }

    /// <summary>
    /// D4R site-to-site traffic: refugee calls become RT and the remaining calls TT (the layout
    /// does not say who was called, nor who called beyond the refugee flag). With no subscriber
    /// identifiers, the number of distinct callers is bounded by the number of calls, which is
    /// what k-suppression then uses.
    /// </summary>
    private static CallMatrices MatricesFromTraffic(DuckDbSession session, int[] districtIds, Dictionary<string, long> counts, string dataFolder)
    {
        var negative = session.ScalarLong("SELECT count(*) FROM site_traffic WHERE number_of_refugee_calls > number_of_calls OR number_of_refugee_calls < 0");
        if (negative > 0)
        {
            throw new MosaicInputException(DataFolder.TablePath(dataFolder, CanonicalTables.SiteTraffic), null, $"{negative} rows have more refugee calls than calls, or a negative count");
        }

        var matrices = new CallMatrices(districtIds, ["RT", "TT"]);
        var rows = session.Query("""
            SELECT oc.district_id, ic.district_id, sum(number_of_refugee_calls)::BIGINT, sum(number_of_calls - number_of_refugee_calls)::BIGINT
            FROM site_traffic s
            LEFT JOIN cells oc ON oc.cell_id = s.outgoing_cell
            LEFT JOIN cells ic ON ic.cell_id = s.incoming_cell
            GROUP BY ALL
            """, r => (O: r.IsDBNull(0) ? (int?)null : r.GetInt32(0), D: r.IsDBNull(1) ? (int?)null : r.GetInt32(1), R: r.GetInt64(2), T: r.GetInt64(3)));
        long read = 0, used = 0, noOrigin = 0, noDestination = 0;
        foreach (var row in rows)
        {
            read += row.R + row.T;
            var origin = row.O is int o ? matrices.IndexOf(o) : -1;
            if (origin < 0)
            {
                noOrigin += row.R + row.T;
                continue;
            }

            matrices.OutgoingCalls["R"][origin] += row.R;
            matrices.OutgoingCalls["T"][origin] += row.T;
            var destination = row.D is int d ? matrices.IndexOf(d) : -1;
            if (destination < 0)
            {
                noDestination += row.R + row.T;
                continue;
            }

            matrices.Calls["RT"][origin, destination] += row.R;
            matrices.Calls["TT"][origin, destination] += row.T;
            used += row.R + row.T;
        }

        // Calls bound distinct callers from above: suppression on them is conservative.
        foreach (var network in matrices.Networks)
        {
            Array.Copy(matrices.Calls[network], matrices.Callers[network], matrices.Calls[network].Length);
            for (var i = 0; i < districtIds.Length; i++)
            {
                matrices.OriginCallers[network][i] = Enumerable.Range(0, districtIds.Length).Sum(j => matrices.Calls[network][i, j]);
            }
        }

        foreach (var group in new[] { "R", "T" })
        {
            Array.Copy(matrices.OutgoingCalls[group], matrices.OutgoingCallers[group], districtIds.Length);
        }

        counts["calls_read"] = read;
        counts["calls_used"] = used;
        counts["calls_without_origin"] = noOrigin;
        counts["calls_without_destination"] = noDestination;
        return matrices;
    }

    private static (List<DistrictPopulation> Rows, PopulationSource Source) Populations(
        SegregationOptions options, IReadOnlyList<DistrictRow> districts, CallMatrices matrices, CallSource calls, IReadOnlyList<HomeGroupCount> homeGroups)
    {
        var complete = districts.Count > 0 && districts.All(d => d.Population is long p && d.RefugeePopulation is long r && r >= 0 && p >= r);
        var source = options.Populations switch
        {
            PopulationSource.Auto => complete || calls == CallSource.SiteTraffic ? PopulationSource.Districts : PopulationSource.HomeLocations,
            _ => options.Populations,
        };
        var k = options.MinSubscribers;
        var n = districts.Count;
        var refugees = new double[n];
        var hosts = new double[n];
        var refugeesHidden = new bool[n];
        var hostsHidden = new bool[n];
        if (source == PopulationSource.Districts)
        {
            for (var i = 0; i < n; i++)
            {
                var d = districts[i];
                refugees[i] = d.RefugeePopulation is long r ? r : double.NaN;
                hosts[i] = d.Population is long p && d.RefugeePopulation is long r2 ? p - r2 : double.NaN;
            }
        }
        else
        {
            if (calls == CallSource.SiteTraffic)
            {
                throw new MosaicInputException("home-location populations need call-level data; this folder has site traffic only (use the districts table)");
            }

            foreach (var (district, group, count) in homeGroups)
            {
                var i = matrices.IndexOf(district);
                if (i >= 0)
                {
                    (group == "R" ? refugees : hosts)[i] = count;
                }
            }

            for (var i = 0; i < n; i++)
            {
                refugeesHidden[i] = Hidden(refugees[i], k);
                hostsHidden[i] = Hidden(hosts[i], k);
            }
        }

        // Group totals (and so each column's sum) can be derived from other outputs, e.g.
        // mitigation's relocated / relocated_share: complementary suppression (Privacy/SmallCells).
        var subscribers = new double[n, 2];
        var hidden = new bool[n, 2];
        for (var i = 0; i < n; i++)
        {
            subscribers[i, 0] = Fewest(refugees[i], matrices.OutgoingCallers["R"][i]);
            subscribers[i, 1] = Fewest(hosts[i], matrices.OutgoingCallers["T"][i]);
            hidden[i, 0] = refugeesHidden[i] || Hidden(matrices.OutgoingCallers["R"][i], k);
            hidden[i, 1] = hostsHidden[i] || Hidden(matrices.OutgoingCallers["T"][i], k);
        }

        SmallCells.Complement(subscribers, hidden, k, rows: true, columns: true);
        var result = new List<DistrictPopulation>(n);
        for (var i = 0; i < n; i++)
        {
            result.Add(new DistrictPopulation(
                districts[i].Id, refugees[i], hosts[i], matrices.OutgoingCalls["R"][i], matrices.OutgoingCalls["T"][i],
                hidden[i, 0], hidden[i, 1]));
        }

        return (result, source);
    }

    /// <summary>Subfolder of unsuppressed inputs for later stages: internal, never published.</summary>
    public const string InternalFolder = "internal";

    /// <summary>A count of 1 … k − 1 subscribers is suppressed; 0 describes nobody and is published.</summary>
    private static bool Hidden(double subscribers, int k) => SmallCells.IsSmall(subscribers, k);

    /// <summary>The fewest subscribers a published cell describes: the smaller known, positive count.</summary>
    private static double Fewest(double population, double callers) =>
        double.IsNaN(population) || population <= 0 ? callers : callers <= 0 ? population : Math.Min(population, callers);

    private static List<DistrictTest> Tests(CallMatrices matrices, List<DistrictPopulation> populations, SegregationOptions options)
    {
        var n = matrices.Districts.Count;
        var results = new List<DistrictTest>();
        var comparisons = new List<string> { RtVsTt };
        if (matrices.Networks.Contains("RR"))
        {
            comparisons.Add(RrVsTt);
        }

        foreach (var comparison in comparisons)
        {
            var network = comparison == RtVsTt ? "RT" : "RR";
            var tests = new ChiSquareResult?[n];
            for (var i = 0; i < n; i++)
            {
                var first = matrices.Row(network, i);
                var second = matrices.Row("TT", i);
                if (comparison == RrVsTt)
                {
                    (first, second) = Densities(first, second, populations);
                }

                tests[i] = first.Sum() > 0 && second.Sum() > 0 ? ChiSquareTest.Homogeneity(first, second) : null;
            }

            var q = BenjaminiHochberg.QValues(tests.Select(t => t?.PValue ?? double.NaN).ToArray());
            for (var i = 0; i < n; i++)
            {
                var callers = Math.Min(matrices.OriginCallers[network][i], matrices.OriginCallers["TT"][i]);
                var suppressed = options.MinSubscribers > 0 && callers < options.MinSubscribers && tests[i] is not null;
                results.Add(new DistrictTest(comparison, matrices.Districts[i], tests[i], q[i], tests[i] is { } t ? t.PValue < options.Alpha : null, suppressed));
            }
        }

        return results;
    }

    /// <summary>
    /// Section 3.3's densities: o_ij^RR / R_j and o_ij^TT / T_j, each row rescaled to its original
    /// total. Destinations whose refugee or host population is zero or unknown have no density
    /// and are left out (their calls are then spread over the others by the rescaling).
    /// </summary>
    internal static (double[] Refugee, double[] Host) Densities(double[] rr, double[] tt, IReadOnlyList<DistrictPopulation> populations)
    {
        var a = new double[rr.Length];
        var b = new double[tt.Length];
        for (var j = 0; j < rr.Length; j++)
        {
            var r = populations[j].Refugees;
            var t = populations[j].Hosts;
            if (r > 0 && t > 0)
            {
                a[j] = rr[j] / r;
                b[j] = tt[j] / t;
            }
        }

        return (Rescale(a, rr.Sum()), Rescale(b, tt.Sum()));

        static double[] Rescale(double[] values, double total)
        {
            var sum = values.Sum();
            return sum > 0 ? values.Select(v => v * total / sum).ToArray() : values;
        }
    }

    /// <summary>Home-location populations: attributed subscribers of known status by home district.</summary>
    internal static List<HomeGroupCount> HomeGroups(DuckDbSession session) =>
        session.Query(
            "SELECT h.district_id, s.g, count(*) FROM status s JOIN homes h USING (subscriber_id) WHERE s.g IS NOT NULL GROUP BY ALL ORDER BY ALL",
            r => new HomeGroupCount(r.GetInt32(0), r.GetString(1), r.GetInt64(2)));

    /// <summary>Attributed subscribers with a home by district, birthplace and first week (<c>subscribers</c>, <c>homes</c>, <c>home_counts</c>).</summary>
    internal static List<LocalGroupCount> LocalGroups(DuckDbSession session, StudyCalendar calendar, string cityCode) =>
        session.Query($"""
            SELECT h.district_id, coalesce(s.birthplace = {Sql.Literal(cityCode)}, false) AS is_local,
                   {calendar.WeekSql("f.first_time")} AS first_week, count(*) AS n
            FROM subscribers s
            JOIN homes h USING (subscriber_id)
            LEFT JOIN (SELECT subscriber_id, min(first_seen) AS first_time FROM home_counts
                       WHERE subscriber_id IN (SELECT subscriber_id FROM subscribers) GROUP BY 1) f USING (subscriber_id)
            GROUP BY ALL ORDER BY ALL
            """, r => new LocalGroupCount(r.GetInt32(0), r.GetBoolean(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetInt64(3)));

    /// <summary>Attributed subscribers by home district and group (local, settled, new), with the shared definitions.</summary>
    private static GroupIndicesReport LocalSettledNew(IReadOnlyList<LocalGroupCount> rows, SegregationOptions options, int[] districtIds)
    {
        var groups = Groups.Subjects;
        var table = districtIds.Select(_ => new double[groups.Count]).ToArray();
        var index = districtIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        foreach (var row in rows)
        {
            if (!index.TryGetValue(row.District, out var i))
            {
                continue;
            }

            var group = Groups.Classify(row.Local ? options.CityCode : null, options.CityCode, row.Week);
            table[i][IndexOfGroup(groups, group)] += row.Count;
        }

        return new GroupTable(groups, table).Compute();

        static int IndexOfGroup(IReadOnlyList<string> groups, string group)
        {
            for (var k = 0; k < groups.Count; k++)
            {
                if (groups[k] == group)
                {
                    return k;
                }
            }

            throw new InvalidOperationException($"unexpected group {group}");
        }
    }

    private static SegregationIndexSummary Indices(
        CallMatrices matrices, List<DistrictPopulation> populations, PopulationSource populationSource,
        CallSource callSource, GroupIndicesReport? localSettledNew, SegregationOptions options)
    {
        var refugees = populations.Select(p => double.IsNaN(p.Refugees) ? 0 : p.Refugees).ToArray();
        var hosts = populations.Select(p => double.IsNaN(p.Hosts) ? 0 : p.Hosts).ToArray();
        var dissimilarity = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["from_populations"] = SegregationIndices.Dissimilarity(refugees, hosts),
            ["from_calls"] = SegregationIndices.Dissimilarity(
                populations.Select(p => (double)p.RefugeesFromCalls).ToArray(), populations.Select(p => (double)p.HostsFromCalls).ToArray()),
        };
        var tt = matrices.RowSums("TT");
        foreach (var network in ComparedNetworks.Where(matrices.Networks.Contains))
        {
            dissimilarity[$"from_calls_{network}"] = SegregationIndices.Dissimilarity(matrices.RowSums(network), tt);
        }

        var refugeeHost = new GroupTable(
            [Groups.Refugee, Groups.Host],
            refugees.Zip(hosts, (r, h) => (IReadOnlyList<double>)[r, h]).ToArray()).Compute();
        return new SegregationIndexSummary(
            options.MinSubscribers, populationSource.ToString().ToLowerInvariant(), callSource.ToString().ToLowerInvariant(),
            dissimilarity, refugeeHost, localSettledNew);
    }

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Flag(bool value) => value ? "true" : "false";

    private static string MatricesCsv(CallMatrices matrices, int k)
    {
        var text = new StringBuilder("network,origin_district,dest_district,calls,suppressed\n");
        foreach (var network in matrices.Networks)
        {
            var calls = matrices.Calls[network];
            var n = matrices.Districts.Count;
            var callers = new double[n, n];
            var hiddenCells = new bool[n, n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    callers[i, j] = matrices.Callers[network][i, j];
                    hiddenCells[i, j] = Hidden(callers[i, j], k);
                }
            }

            // Row sums are published as call volumes per district (populations.csv): complement.
            SmallCells.Complement(callers, hiddenCells, k, rows: true, columns: true);
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    if (calls[i, j] == 0)
                    {
                        continue;
                    }

                    var hidden = hiddenCells[i, j];
                    text.Append(CultureInfo.InvariantCulture, $"{network},{matrices.Districts[i]},{matrices.Districts[j]},{(hidden ? "" : calls[i, j].ToString(CultureInfo.InvariantCulture))},{Flag(hidden)}\n");
                }
            }
        }

        return text.ToString();
    }

    private static string PopulationsCsv(List<DistrictPopulation> populations, bool suppress)
    {
        populations = suppress ? populations : populations.Select(p => p with { RefugeesSuppressed = false, HostsSuppressed = false }).ToList();
        var text = new StringBuilder("district_id,refugees,hosts,refugees_from_calls,hosts_from_calls,suppressed\n");
        foreach (var p in populations)
        {
            text.Append(CultureInfo.InvariantCulture, $"{p.DistrictId},{(p.RefugeesSuppressed ? "" : Number(p.Refugees))},{(p.HostsSuppressed ? "" : Number(p.Hosts))},");
            text.Append(CultureInfo.InvariantCulture, $"{(p.RefugeesSuppressed ? "" : p.RefugeesFromCalls.ToString(CultureInfo.InvariantCulture))},{(p.HostsSuppressed ? "" : p.HostsFromCalls.ToString(CultureInfo.InvariantCulture))},{Flag(p.RefugeesSuppressed || p.HostsSuppressed)}\n");
        }

        return text.ToString();
    }

    private static string TestsCsv(List<DistrictTest> tests)
    {
        var text = new StringBuilder("comparison,district_id,chi2,dof,p_value,q_value,cramers_v,segregated,suppressed\n");
        foreach (var t in tests)
        {
            text.Append(CultureInfo.InvariantCulture, $"{t.Comparison},{t.DistrictId},");
            if (t.Test is { } r && !t.Suppressed)
            {
                text.Append(CultureInfo.InvariantCulture, $"{Number(r.Statistic)},{r.DegreesOfFreedom},{Number(r.PValue)},{Number(t.QValue)},{Number(r.CramersV)},{Flag(t.Segregated == true)},false\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $",,,,,,{Flag(t.Suppressed)}\n");
            }
        }

        return text.ToString();
    }
}
