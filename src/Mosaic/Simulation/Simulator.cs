using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Geography;
using Mosaic.Runs;

namespace Mosaic.Simulation;

/// <summary>The two ways of streaming calls to Parquet.</summary>
internal enum CallWriterKind
{
    /// <summary>Parquet.Net column writers, one row group per block.</summary>
    ParquetNet,

    /// <summary>DuckDB appender into a staging table, copied to Parquet.</summary>
    DuckDbAppender,
}

/// <summary>What a simulation wrote and how long it took.</summary>
/// <param name="OutFolder">The data folder written.</param>
/// <param name="Calls">Rows of <c>calls</c>.</param>
/// <param name="Subscribers">Rows of <c>subscribers</c> (attributed subscribers).</param>
/// <param name="Cells">Rows of <c>cells</c>.</param>
/// <param name="Districts">Rows of <c>districts</c>.</param>
/// <param name="Blocks">Generation blocks (each with its own random stream).</param>
/// <param name="Threads">Generator threads used (outputs do not depend on it).</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="Truth">The planted truth, also written as <c>truth.json</c>.</param>
public sealed record SimulationResult(
    string OutFolder, long Calls, long Subscribers, long Cells, long Districts, int Blocks, int Threads, double Seconds, SimulationTruth Truth)
{
    /// <summary>Calls generated and written per second.</summary>
    public double CallsPerSecond => Seconds > 0 ? Calls / Seconds : double.NaN;
}

/// <summary>
/// The city simulator: writes the canonical tables of a synthetic (or real-polygon) city with
/// planted integration dynamics and refugee segregation, and <c>truth.json</c> describing what
/// was planted. The same options give byte-identical files whatever the number of threads.
/// </summary>
public static class Simulator
{
    /// <summary>Name of the planted-truth file in the output folder.</summary>
    public const string TruthFileName = "truth.json";

    /// <summary>Rows per staging part when streaming calls (bounds memory at large scale).</summary>
    internal static long PartRows { get; set; } = 16_000_000;

    /// <summary>How calls reach Parquet (benchmarks compare both; see docs/performance.md).</summary>
    internal static CallWriterKind Writer { get; set; } =
        Environment.GetEnvironmentVariable("MOSAIC_SIM_WRITER") == "duckdb" ? CallWriterKind.DuckDbAppender : CallWriterKind.ParquetNet;

    /// <summary>Runs the simulation into <paramref name="outFolder"/>.</summary>
    /// <exception cref="MosaicInputException">Invalid options or unreadable geography inputs.</exception>
    public static SimulationResult Run(SimulationOptions options, string outFolder, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        var laps = 0.0;
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalSeconds - laps, 3);
            laps = clock.Elapsed.TotalSeconds;
        }

        var sizes = options.ResolveSizes();
        var parameters = options.Parameters;
        var threads = options.Threads ?? Environment.ProcessorCount;
        Directory.CreateDirectory(outFolder);

        progress.Step("building the city", 0);
        var rng = new Rng(options.Seed, 0xC1, 0);
        var residents = (long)Math.Round(sizes.Subscribers * parameters.ResidentsPerSubscriber);
        var city = options.GeoJsonPath is null
            ? SyntheticCity.Build(sizes.Districts, sizes.Cells, residents, ref rng)
            : PolygonCity.Build(options.GeoJsonPath, options.DistrictTablePath!, sizes.Cells, ref rng);
        var enclaves = City.PlantRefugees(city.Districts, parameters, ref rng);
        var segregated = City.PickSegregated(city.Districts, parameters.SegregatedDistricts, ref rng);
        Lap("city");

        progress.Step("placing people", 0);
        var pop = Population.Build(city, sizes, options.Weeks, parameters, options.Seed);
        var generator = new CallGenerator(city, pop, parameters, new Destinations(city, parameters, segregated), segregated, options.Start, options.Seed);
        Lap("population");

        using var session = new DuckDbSession(new EngineOptions(Threads: threads));
        WriteDistricts(session, city, outFolder);
        WriteCells(session, city, outFolder);
        WriteSubscribers(session, pop, outFolder);
        GeoJson.WriteDistricts(Path.Combine(outFolder, CanonicalTables.DistrictsGeoJson), city.Districts.Select(d => new DistrictShape(d.Id, d.Name, d.Polygon)));
        Lap("tables");

        var (calls, waiting, appending, copying) = GenerateCalls(session, generator, threads, DataFolder.TablePath(outFolder, CanonicalTables.Calls), progress);
        Lap("calls");
        timings["calls_waiting_for_generators"] = Math.Round(waiting, 3);
        timings["calls_appending"] = Math.Round(appending, 3);
        timings["calls_final_copy"] = Math.Round(copying, 3);

        var truth = BuildTruth(options, sizes, pop, city, enclaves, segregated);
        AtomicFile.WriteAllText(Path.Combine(outFolder, TruthFileName), JsonSerializer.Serialize(truth, Manifest.JsonOptions) + "\n");
        Lap("truth");

        var result = new SimulationResult(outFolder, calls, pop.Attributed, city.CellCount, city.Districts.Count, generator.BlockCount, threads, clock.Elapsed.TotalSeconds, truth);
        new Manifest
        {
            Stage = "simulate",
            Parameters = ManifestParameters(options, sizes),
            Inputs = [.. new[] { options.GeoJsonPath, options.DistrictTablePath }.OfType<string>().Select(InputFile.Of)],
            Counts = new Dictionary<string, long>
            {
                ["calls"] = calls,
                ["subscribers"] = pop.Attributed,
                ["cells"] = city.CellCount,
                ["districts"] = city.Districts.Count,
                ["blocks"] = generator.BlockCount,
            },
            TimingsSeconds = timings,
        }.WriteTo(outFolder);
        progress.Step("done", 1);
        return result;
    }

    private static Dictionary<string, string> ManifestParameters(SimulationOptions options, PresetSizes sizes) => new()
    {
        ["preset"] = options.Preset.ToString().ToLowerInvariant(),
        ["seed"] = Manifest.Format(options.Seed),
        ["subscribers"] = Manifest.Format(sizes.Subscribers),
        ["attributed"] = Manifest.Format(sizes.Attributed),
        ["weeks"] = Manifest.Format(options.Weeks),
        ["districts"] = Manifest.Format(sizes.Districts),
        ["cells"] = Manifest.Format(sizes.Cells),
        ["machines"] = Manifest.Format(sizes.Machines),
        ["start"] = options.Start.ToString("s", CultureInfo.InvariantCulture),
        ["geojson"] = options.GeoJsonPath ?? "",
        ["district_table"] = options.DistrictTablePath ?? "",
        ["parameters"] = JsonSerializer.Serialize(options.Parameters, Manifest.JsonOptions).ReplaceLineEndings(" "),
    };

    /// <summary>
    /// Blocks are generated in parallel (at most <paramref name="threads"/> at once, a bounded
    /// window ahead of the writer) and written strictly in block order.
    /// </summary>
    private static (long Rows, double Waiting, double Appending, double Copying) GenerateCalls(
        DuckDbSession session, CallGenerator generator, int threads, string path, IProgress<StageProgress>? progress)
    {
        var waiting = new Stopwatch();
        var appending = new Stopwatch();
        var copying = new Stopwatch();
        using ICallWriter writer = Writer == CallWriterKind.DuckDbAppender ? new DuckDbCallWriter(session, path, PartRows) : new ParquetCallWriter(path);
        var scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, threads).ConcurrentScheduler;
        var window = threads * 2;
        var tasks = new Task<CallBuffer>?[generator.BlockCount];
        var next = 0;
        for (var block = 0; block < generator.BlockCount; block++)
        {
            while (next < generator.BlockCount && next < block + window)
            {
                var index = next;
                tasks[index] = Task.Factory.StartNew(() => generator.Generate(index), CancellationToken.None, TaskCreationOptions.None, scheduler);
                next++;
            }

            waiting.Start();
            var buffer = tasks[block]!.GetAwaiter().GetResult();
            waiting.Stop();
            tasks[block] = null;
            appending.Start();
            writer.Append(buffer);
            appending.Stop();
            progress.Step("generating calls", (block + 1.0) / generator.BlockCount);
        }

        progress.Step("writing calls.parquet", null);
        copying.Start();
        writer.Complete();
        copying.Stop();
        return (writer.Rows, waiting.Elapsed.TotalSeconds, appending.Elapsed.TotalSeconds, copying.Elapsed.TotalSeconds);
    }

    private static void WriteDistricts(DuckDbSession session, City city, string folder)
    {
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Districts));
        using (var appender = session.Connection.CreateAppender(CanonicalTables.Districts))
        {
            foreach (var d in city.Districts)
            {
                appender.CreateRow().AppendValue(d.Id).AppendValue(d.Name).AppendValue(d.Population).AppendValue(d.MonthlyRent).AppendValue(d.RefugeePopulation).EndRow();
            }
        }

        session.CopyToParquet($"SELECT * FROM {CanonicalTables.Districts} ORDER BY district_id", DataFolder.TablePath(folder, CanonicalTables.Districts));
    }

    private static void WriteCells(DuckDbSession session, City city, string folder)
    {
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Cells));
        using (var appender = session.Connection.CreateAppender(CanonicalTables.Cells))
        {
            for (var c = 0; c < city.CellCount; c++)
            {
                appender.CreateRow().AppendValue(c + 1).AppendValue("C" + (c + 1).ToString("D4", CultureInfo.InvariantCulture))
                    .AppendValue(Math.Round(city.CellLat[c], 6)).AppendValue(Math.Round(city.CellLon[c], 6)).AppendValue(city.CellDistrict[c] + 1).EndRow();
            }
        }

        session.CopyToParquet($"SELECT * FROM {CanonicalTables.Cells} ORDER BY cell_id", DataFolder.TablePath(folder, CanonicalTables.Cells));
    }

    private static void WriteSubscribers(DuckDbSession session, Population pop, string folder)
    {
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Subscribers));
        using (var appender = session.Connection.CreateAppender(CanonicalTables.Subscribers))
        {
            for (var i = 0; i < pop.Attributed; i++)
            {
                appender.CreateRow().AppendValue(pop.Id(i)).AppendValue(pop.Birthplace(i)).AppendValue(pop.IsRefugee[i])
                    .AppendValue((int)pop.Age[i]).AppendValue(pop.Female[i] ? "F" : "M").EndRow();
            }
        }

        session.CopyToParquet($"SELECT * FROM {CanonicalTables.Subscribers} ORDER BY subscriber_id", DataFolder.TablePath(folder, CanonicalTables.Subscribers));
        session.Execute($"DROP TABLE {CanonicalTables.Subscribers}");
    }

    private static SimulationTruth BuildTruth(SimulationOptions options, PresetSizes sizes, Population pop, City city, int[] enclaves, int[] segregated)
    {
        var expected = TruthModel.Expected(pop, options.Parameters);
        var refugees = pop.IsRefugee.Count(r => r);
        return new SimulationTruth
        {
            Seed = options.Seed,
            Preset = options.Preset.ToString().ToLowerInvariant(),
            Sizes = sizes,
            Parameters = options.Parameters,
            Start = options.Start.ToString("s", CultureInfo.InvariantCulture),
            Weeks = options.Weeks,
            GroupSizes = new Dictionary<string, long>
            {
                ["local"] = pop.Members[0].Length,
                ["settled"] = pop.Members[1].Length,
                ["new"] = pop.Members[2].Length,
                ["unknown"] = pop.Subscribers - pop.Attributed,
                ["refugee"] = refugees,
                ["host"] = pop.Attributed - refugees,
                ["machines"] = pop.Machines,
            },
            NewByArrivalWeek = Enumerable.Range(2, Math.Max(0, options.Weeks - 1))
                .ToDictionary(w => w.ToString(CultureInfo.InvariantCulture), w => pop.NewByArrival[w].Length),
            Expected = expected,
            Dynamics = TruthModel.Dynamics(expected, options.Weeks),
            SegregatedDistricts = [.. segregated.Select(d => d + 1)],
            EnclaveDistricts = [.. enclaves.Select(d => d + 1)],
            RefugeeShareByDistrict = city.Districts.ToDictionary(
                d => d.Id.ToString(CultureInfo.InvariantCulture),
                d => Math.Round(d.Population > 0 ? d.RefugeePopulation / (double)d.Population : 0, 6)),
            MachineInteractionsPerWeek = options.Parameters.MachineInteractionsPerWeek,
        };
    }
}
