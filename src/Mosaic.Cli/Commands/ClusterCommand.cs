using System.CommandLine;
using System.Globalization;
using Mosaic.ScaleOut;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic cluster submit|status|compare</c>: run the partitioned stages as Slurm job arrays and check the result.</summary>
internal static class ClusterCommand
{
    public static Command Create() => new("cluster", "Run the partitioned stages on a Slurm cluster (job arrays chained by dependencies).")
    {
        Submit(),
        Status(),
        Compare(),
    };

    private static Command Submit()
    {
        var data = new Option<string>("--data") { Description = "Data folder with the canonical Parquet tables (on the shared file system).", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder (shared file system): scripts, logs and markers in RUN/cluster/.", Required = true };
        var count = new Option<int>("--partitions") { Description = "Number of partitions N (tasks per array).", Required = true };
        var sbatchArgs = new Option<string[]>("--sbatch-args")
        {
            Description = "Arguments for every sbatch call, e.g. --sbatch-args=--account=x --sbatch-args=--mem=8G.",
            AllowMultipleArgumentsPerToken = false,
        };
        var attempts = new Option<int>("--max-attempts") { Description = "Attempts per task before it fails (a retry loop in the task script).", DefaultValueFactory = _ => ClusterOptions.DefaultMaxAttempts };
        var mosaic = new Option<string?>("--mosaic") { Description = "Command that runs mosaic on the compute nodes (default: this executable)." };
        var command = new Command("submit", "Write the batch scripts and submit them with sbatch.") { data, output, count, sbatchArgs, attempts, mosaic };
        var threads = CommonOptions.Threads();
        var memory = CommonOptions.MemoryLimit();
        command.Add(threads);
        command.Add(memory);
        command.SetBody(parse =>
        {
            var options = new ClusterOptions
            {
                Partitions = parse.GetValue(count),
                Mosaic = parse.GetValue(mosaic) ?? ThisExecutable(),
                SbatchArgs = parse.GetValue(sbatchArgs) ?? [],
                MaxAttempts = parse.GetValue(attempts),
                Engine = new Data.EngineOptions(parse.GetValue(threads), parse.GetValue(memory)),
            };
            var jobs = SlurmCluster.Submit(parse.GetValue(data)!, parse.GetValue(output)!, options);
            var writer = parse.InvocationConfiguration.Output;
            foreach (var job in jobs)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: submitted {job.Step} as job {job.JobId} ({job.Tasks} task(s))"));
            }

            writer.WriteLine($"cluster: `mosaic cluster status {parse.GetValue(output)}` shows progress");
            return CliApp.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var run = new Argument<string>("RUN") { Description = "Run folder given to `cluster submit`." };
        var command = new Command("status", "Progress of a submitted run: tasks done, failed and retried per step, queue states.") { run };
        command.SetBody(parse =>
        {
            var writer = parse.InvocationConfiguration.Output;
            var steps = SlurmCluster.Status(parse.GetValue(run)!);
            writer.WriteLine("step       job      done/tasks  failed  retried  queue");
            foreach (var s in steps)
            {
                var queue = s.QueueStates.Count == 0 ? "-" : string.Join(",", s.QueueStates.GroupBy(q => q).Select(g => $"{g.Key}:{g.Count()}"));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Step,-10} {s.JobId,-8} {s.Done,4}/{s.Tasks,-6} {s.Failed,6} {s.Retried,8}  {queue}"));
            }

            var complete = steps.All(s => s.Done == s.Tasks);
            writer.WriteLine(complete ? "cluster: complete" : steps.Any(s => s.Failed > 0) ? "cluster: failed (see RUN/cluster/logs/)" : "cluster: running");
            return CliApp.Success;
        });
        return command;
    }

    private static Command Compare()
    {
        var expected = new Argument<string>("EXPECTED") { Description = "Run folder written on one machine (`mosaic run`)." };
        var actual = new Argument<string>("ACTUAL") { Description = "Run folder written through the partitions (`cluster submit` or `run --from-partitions`)." };
        var command = new Command("compare", "Compare two run folders file by file, apart from timings, clock times and the run folder's path (exit code 1 when they differ).") { expected, actual };
        command.SetBody(parse =>
        {
            var writer = parse.InvocationConfiguration.Output;
            var result = RunComparison.Compare(parse.GetValue(expected)!, parse.GetValue(actual)!);
            foreach (var difference in result.Differences)
            {
                writer.WriteLine($"compare: {difference}");
            }

            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"compare: {result.Compared} files compared, {result.ByteIdentical} byte-identical, {result.Normalised.Count} equal apart from run-specific fields, {result.Differences.Count} different"));
            return result.Identical ? CliApp.Success : CliApp.Failure;
        });
        return command;
    }

    /// <summary>The command that started this process: the apphost itself, or <c>dotnet mosaic.dll</c>.</summary>
    private static string ThisExecutable()
    {
        var process = Environment.ProcessPath ?? "mosaic";
        var entry = typeof(ClusterCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? $"{SlurmCluster.Quote(process)} {SlurmCluster.Quote(entry)}"
            : SlurmCluster.Quote(process);
    }
}
