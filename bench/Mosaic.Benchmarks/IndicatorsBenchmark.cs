using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Mosaic.Indicators;

namespace Mosaic.Benchmarks;

/// <summary>
/// <c>mosaic indicators</c> over a seeded synthetic population in bandicoot's CSV layout:
/// reading, parsing and computing every indicator (JSON output to a temporary file).
/// </summary>
[MemoryDiagnoser]
public class IndicatorsBenchmark
{
    private string folder = "";
    private string antennas = "";

    [Params(2000)]
    public int Users { get; set; }

    [Params(500)]
    public int RecordsPerUser { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        folder = Path.Combine(Path.GetTempPath(), $"mosaic-bench-indicators-{Users}-{RecordsPerUser}");
        antennas = Path.Combine(folder, "antennas.csv");
        if (!File.Exists(antennas))
        {
            SyntheticUsers.Write(Path.Combine(folder, "records"), antennas, Users, RecordsPerUser, seed: 1);
        }
    }

    [Benchmark(Baseline = true)]
    public IndicatorResult Default() => Run(new IndicatorOptions());

    [Benchmark]
    public IndicatorResult ExtendedBothSplits() =>
        Run(new IndicatorOptions { Summary = IndicatorSummary.Extended, SplitWeek = true, SplitDay = true });

    private IndicatorResult Run(IndicatorOptions options) =>
        IndicatorRun.Run(new IndicatorRequest(Path.Combine(folder, "records"), antennas, Path.Combine(folder, "out", "indicators.json")) { Options = options });

    /// <summary>Single-threaded CPU time of parsing alone and of computing alone (users already in memory).</summary>
    private static void Breakdown(string records, string antennasPath)
    {
        var antennas = BandicootReader.ReadAntennas(antennasPath);
        var files = Directory.EnumerateFiles(records, "*.csv").Order(StringComparer.Ordinal).ToArray();
        for (var round = 0; round < 2; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var contents = files.Select(File.ReadAllBytes).ToArray();
            var io = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var ranges = new Range[16];
            long fields = 0;
            foreach (var content in contents)
            {
                var rest = content.AsSpan();
                while (!rest.IsEmpty)
                {
                    var end = rest.IndexOf((byte)'\n');
                    var line = end < 0 ? rest : rest[..end];
                    fields += BandicootReader.Split(line, (byte)',', ranges);
                    rest = end < 0 ? default : rest[(end + 1)..];
                }
            }

            var split = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var parsed = contents.Select((c, k) => BandicootReader.ParseUser("", c, "u", antennas, RecordFormat.Bandicoot)).Sum(u => u.Records.Length);
            var inMemory = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: reading {files.Length} files ({contents.Sum(c => (long)c.Length) / 1e6:F1} MB): {io:F2} CPU-s; splitting lines and fields alone ({fields} fields): {split:F2} CPU-s; parsing from memory ({parsed} records): {inMemory:F2} CPU-s"));
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var users = files.Select(f => BandicootReader.ReadUser(f, Path.GetFileNameWithoutExtension(f), antennas, RecordFormat.Bandicoot)).ToArray();
            var parse = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var count = users.Sum(u => (long)u.Records.Length);
            foreach (var options in new[] { new IndicatorOptions(), new IndicatorOptions { Summary = IndicatorSummary.Extended, SplitWeek = true, SplitDay = true } })
            {
                var calculator = new IndicatorCalculator(new IndicatorSchema(options));
                var output = new double[calculator.Schema.Keys.Length];
                cpu = Process.GetCurrentProcess().TotalProcessorTime;
                foreach (var user in users)
                {
                    calculator.Compute(user, output);
                }

                var compute = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"round {round} breakdown ({(options.SplitDay ? "extended+splits" : "default")}): parse {parse:F2} CPU-s ({count / parse:F0} records/CPU-s), compute {compute:F2} CPU-s ({count / compute:F0} records/CPU-s)"));
            }
        }
    }

    /// <summary>
    /// Single-threaded CPU time of parsing alone, as <c>indicators</c> does it (each user parsed,
    /// used and dropped, so no user outlives the next): <c>indicators-parse FOLDER [ROUNDS]</c>.
    /// The files are read into memory first, so disk and page cache do not count.
    /// </summary>
    public static void Parse(string[] args)
    {
        var root = args[1];
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var antennas = BandicootReader.ReadAntennas(Path.Combine(root, "antennas.csv"));
        var contents = Directory.EnumerateFiles(Path.Combine(root, "records"), "*.csv").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var cpu = CpuSeconds();
            var allocated = GC.GetTotalAllocatedBytes();
            long records = 0;
            foreach (var content in contents)
            {
                records += BandicootReader.ParseUser("", content, "u", antennas, RecordFormat.Bandicoot).Records.Length;
            }

            var parse = CpuSeconds() - cpu;
            allocated = GC.GetTotalAllocatedBytes() - allocated;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: parse {parse:F3} CPU-s, {records / parse / 1e6:F2} M records/CPU-s, {allocated / contents.Length} bytes allocated per user"));
        }
    }

    /// <summary>
    /// Single-threaded CPU time of each phase, users held in memory:
    /// <c>indicators-profile FOLDER [ROUNDS]</c> on a folder made by <c>indicators-throughput</c>.
    /// Computing and rendering (JSON) are timed per configuration, so a change to one shows alone.
    /// </summary>
    public static void Profile(string[] args)
    {
        var root = args[1];
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var records = Path.Combine(root, "records");
        var antennasPath = Path.Combine(root, "antennas.csv");
        var antennas = BandicootReader.ReadAntennas(antennasPath);
        var files = Directory.EnumerateFiles(records, "*.csv").Order(StringComparer.Ordinal).ToArray();
        var contents = files.Select(File.ReadAllBytes).ToArray();
        (string Name, IndicatorOptions Options)[] configurations =
        [
            ("default", new IndicatorOptions()),
            ("extended+splits", new IndicatorOptions { Summary = IndicatorSummary.Extended, SplitWeek = true, SplitDay = true }),
        ];
        for (var round = 0; round < rounds; round++)
        {
            var cpu = CpuSeconds();
            var users = contents.Select((c, k) => BandicootReader.ParseUser("", c, Path.GetFileNameWithoutExtension(files[k]), antennas, RecordFormat.Bandicoot)).ToArray();
            var parse = CpuSeconds() - cpu;
            var count = users.Sum(u => (long)u.Records.Length);
            var line = string.Create(CultureInfo.InvariantCulture, $"round {round}: parse {parse:F2}");
            foreach (var (name, options) in configurations)
            {
                var request = new IndicatorRequest(records, antennasPath, Path.Combine(root, "profile", "out.json")) { Options = options };
                var schema = new IndicatorSchema(options);
                var calculator = new IndicatorCalculator(schema);
                var rows = new UserRow[users.Length];
                cpu = CpuSeconds();
                for (var i = 0; i < users.Length; i++)
                {
                    var values = new double[schema.Keys.Length];
                    calculator.Compute(users[i], values);
                    rows[i] = new UserRow(users[i].Name, values, UserReport.Of(users[i], calculator.Home >= 0, options.GroupBy, null), users[i].RecordsRead, null);
                }

                var compute = CpuSeconds() - cpu;
                using var writer = new IndicatorWriter(request.OutPath, json: true, new OutputContext(request, schema, antennas.Count, [], []));
                using var renderer = writer.CreateRenderer();
                long bytes = 0;
                cpu = CpuSeconds();
                foreach (var row in rows)
                {
                    var rendered = writer.Render(row, renderer);
                    bytes += rendered.Length;
                    writer.Release(rendered);
                }

                var render = CpuSeconds() - cpu;
                line += string.Create(CultureInfo.InvariantCulture, $"; {name}: compute {compute:F2} ({count / compute / 1e6:F2} M/CPU-s), render {render:F2} ({bytes / 1e6:F0} MB)");
            }

            Console.WriteLine(line + " CPU-s");
        }
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>
    /// Quick throughput run without BenchmarkDotNet's repetitions:
    /// <c>indicators-throughput USERS RECORDS_PER_USER [FOLDER]</c>. Generates the population once
    /// (seed 1), then times one run per configuration with 1 thread and with every core.
    /// </summary>
    public static void Throughput(string[] args)
    {
        var users = int.Parse(args[1], CultureInfo.InvariantCulture);
        var perUser = int.Parse(args[2], CultureInfo.InvariantCulture);
        var root = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), $"mosaic-bench-indicators-{users}-{perUser}");
        var records = Path.Combine(root, "records");
        var antennasPath = Path.Combine(root, "antennas.csv");
        if (!File.Exists(antennasPath))
        {
            var clock = Stopwatch.StartNew();
            SyntheticUsers.Write(records, antennasPath, users, perUser, seed: 1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {users} users x {perUser} records in {clock.Elapsed.TotalSeconds:F1} s -> {root}"));
        }

        Breakdown(records, antennasPath);
        (string Name, IndicatorOptions Options)[] configurations =
        [
            ("default", new IndicatorOptions()),
            ("extended+split-week+split-day", new IndicatorOptions { Summary = IndicatorSummary.Extended, SplitWeek = true, SplitDay = true }),
        ];
        foreach (var (name, options) in configurations)
        {
            foreach (var threads in new[] { 1, Environment.ProcessorCount })
            {
                var request = new IndicatorRequest(records, antennasPath, Path.Combine(root, "out", "indicators.json")) { Options = options with { Threads = threads } };
                IndicatorRun.Run(request with { Users = [Path.GetFileNameWithoutExtension(Directory.EnumerateFiles(records).First())] }); // warm-up (JIT)
                // CPU time as well as wall time: on a shared machine the wall clock measures the queue, CPU seconds the work.
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var result = IndicatorRun.Run(request);
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-30} threads={threads}: {result.RecordsRead} records, {result.Users} users; wall: compute {result.Seconds:F2} s = {result.RecordsPerSecond:F0} records/s, {result.UsersPerSecond:F0} users/s, total with writing {result.TotalSeconds:F2} s; CPU: {cpuSeconds:F2} s = {result.RecordsRead / cpuSeconds:F0} records per CPU-second, {result.Users / cpuSeconds:F0} users per CPU-second (incl. writing)"));
            }
        }
    }
}
