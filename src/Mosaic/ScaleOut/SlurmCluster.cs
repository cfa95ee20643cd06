using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.ScaleOut;

/// <summary>Parameters of <c>mosaic cluster submit</c>.</summary>
public sealed record ClusterOptions
{
    /// <summary>Number of partitions N (array tasks per per-partition step).</summary>
    public required int Partitions { get; init; }

    /// <summary>The command that runs mosaic on the compute nodes, as shell words (e.g. <c>/opt/mosaic/mosaic</c>).</summary>
    public required string Mosaic { get; init; }

    /// <summary>Extra arguments given to every <c>sbatch</c> (account, partition, time, memory).</summary>
    public IReadOnlyList<string> SbatchArgs { get; init; } = [];

    /// <summary>Attempts per task before it is marked failed (1 = no retry).</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Engine options passed to every task (threads, memory limit).</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>Default attempts per task.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The <c>sbatch</c> executable (a path, or a name looked up on PATH).</summary>
    public string Sbatch { get; init; } = "sbatch";
}

/// <summary>One submitted step: its Slurm job id and number of tasks.</summary>
public sealed record ClusterJob(string Step, string JobId, int Tasks);

/// <summary>Progress of one step as the marker files and the queue tell it.</summary>
public sealed record ClusterStepStatus(string Step, string JobId, int Tasks, int Done, int Failed, int Retried, IReadOnlyList<string> QueueStates);

/// <summary>
/// Scale-out on Slurm: <see cref="Submit"/> writes one batch script per step into
/// <c>RUN/cluster/</c> (partition → the exchange arrays → the per-partition arrays of features,
/// segregation and integration → <c>mosaic run --from-partitions</c>, which merges and runs the
/// rest), each with <c>--dependency=afterok</c> on the jobs it needs (<see cref="DependsOn"/>: the
/// features and segregation branches run side by side), and submits them with <c>sbatch</c>. Every task runs inside
/// <c>task.sh</c>, which retries a failed attempt up to <see cref="ClusterOptions.MaxAttempts"/>
/// times (not after exit code 2, bad input, which a retry cannot fix) and leaves marker files
/// that <see cref="Status"/> reads; <c>squeue</c> adds the queue state when it is on the PATH.
/// </summary>
public static class SlurmCluster
{
    /// <summary>The steps in submission order.</summary>
    public static IReadOnlyList<string> Steps { get; } = ["partition", "exchange", "segregation-exchange", "features", "segregation", "integration", "run"];

    /// <summary>The steps that are job arrays, one task per partition.</summary>
    private static readonly HashSet<string> ArraySteps = new(StringComparer.Ordinal) { "exchange", "segregation-exchange", "features", "segregation", "integration" };

    /// <summary>
    /// What each step waits for (every task of those jobs, <c>afterok</c>): the features and the
    /// segregation branches run side by side after the partition step; the last job waits for both.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> DependsOn { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["exchange"] = ["partition"],
        ["segregation-exchange"] = ["partition"],
        ["features"] = ["exchange"],
        ["segregation"] = ["segregation-exchange"],
        ["integration"] = ["features"],
        ["run"] = ["integration", "segregation"],
    };

    private const string JobsFile = "jobs.json";

    /// <summary>Folder of the scripts, logs and markers inside a run.</summary>
    public static string Folder(string runFolder) => Path.Combine(runFolder, "cluster");

    /// <summary>The partitioned data folder a cluster run writes.</summary>
    public static string PartitionFolder(string runFolder) => Path.Combine(runFolder, "partitioned");

    /// <summary>Writes the scripts and submits them; returns the jobs in order.</summary>
    /// <exception cref="MosaicInputException">Bad options, or <c>sbatch</c> refused a script (its message is included).</exception>
    public static IReadOnlyList<ClusterJob> Submit(string dataFolder, string runFolder, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Partitions < 1 || options.Partitions > PartitionSpec.MaxCount)
        {
            throw new MosaicInputException("--partitions", null, $"must be between 1 and {PartitionSpec.MaxCount.ToString(CultureInfo.InvariantCulture)}");
        }

        if (options.MaxAttempts < 1)
        {
            throw new MosaicInputException("--max-attempts", null, "must be at least 1");
        }

        var data = Path.GetFullPath(dataFolder);
        if (!Directory.Exists(data))
        {
            throw new MosaicInputException(data, null, "data folder not found");
        }

        var run = Path.GetFullPath(runFolder);
        var folder = Folder(run);
        foreach (var sub in new[] { "logs", "markers" })
        {
            var path = Path.Combine(folder, sub);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            Directory.CreateDirectory(path);
        }

        var task = Path.Combine(folder, "task.sh");
        File.WriteAllText(task, TaskScript);
        // Slurm runs on Linux; the scripts are only written, never run, elsewhere.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(task, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }
        var n = options.Partitions.ToString(CultureInfo.InvariantCulture);
        var pdir = Quote(PartitionFolder(run));
        var engine = EngineArgs(options.Engine);
        var perPartition = $"--data {pdir} --out {Quote(run)} --partition \"$SLURM_ARRAY_TASK_ID/{n}\"{engine}";
        var commands = new Dictionary<string, string>
        {
            ["partition"] = $"partition --data {Quote(data)} --out {pdir} --partitions {n}{engine}",
            ["exchange"] = $"features --exchange {perPartition}",
            ["segregation-exchange"] = $"segregation --exchange {perPartition}",
            ["features"] = $"features {perPartition}",
            ["segregation"] = $"segregation {perPartition}",
            ["integration"] = $"integration {perPartition}",
            // The merges, then integration's models, segregation's tests and indices, mitigation and the report.
            ["run"] = $"run --data {Quote(data)} --out {Quote(run)} --from-partitions {pdir}{engine}",
        };
        var jobs = new List<ClusterJob>();
        foreach (var step in Steps)
        {
            var array = ArraySteps.Contains(step);
            var script = Path.Combine(folder, $"{jobs.Count + 1}-{step}.sbatch");
            var name = array ? $"{step}-$SLURM_ARRAY_TASK_ID" : step;
            File.WriteAllText(script, $"""
                #!/bin/bash
                #SBATCH --job-name=mosaic-{step}
                #SBATCH --output={Path.Combine(folder, "logs", array ? $"{step}-%a.out" : $"{step}.out")}
                {(array ? $"#SBATCH --array=0-{(options.Partitions - 1).ToString(CultureInfo.InvariantCulture)}\n" : "")}# Written by `mosaic cluster submit`; task.sh retries a failed attempt up to {options.MaxAttempts.ToString(CultureInfo.InvariantCulture)} times.
                exec {Quote(task)} "{name}" {options.MaxAttempts.ToString(CultureInfo.InvariantCulture)} {options.Mosaic} {commands[step]}

                """);
            var args = new List<string> { "--parsable" };
            if (DependsOn.TryGetValue(step, out var before))
            {
                args.Add("--dependency=afterok:" + string.Join(':', before.Select(b => jobs.Single(j => j.Step == b).JobId)));
            }

            args.AddRange(options.SbatchArgs);
            args.Add(script);
            var id = Sbatch(options.Sbatch, args);
            jobs.Add(new ClusterJob(step, id, array ? options.Partitions : 1));
        }

        AtomicFile.WriteAllText(Path.Combine(folder, JobsFile), JsonSerializer.Serialize(jobs, Manifest.JsonOptions) + "\n");
        return jobs;
    }

    /// <summary>Progress per step from the marker files, with the queue states when <c>squeue</c> answers.</summary>
    /// <exception cref="MosaicInputException">The run folder was not submitted with <see cref="Submit"/>.</exception>
    public static IReadOnlyList<ClusterStepStatus> Status(string runFolder, string squeue = "squeue")
    {
        var folder = Folder(runFolder);
        var path = Path.Combine(folder, JobsFile);
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "no cluster submission in this run folder (run `mosaic cluster submit` first)");
        }

        var jobs = JsonSerializer.Deserialize<List<ClusterJob>>(File.ReadAllText(path), Manifest.JsonOptions)!;
        var queue = QueueStates(squeue, jobs.Select(j => j.JobId));
        var markers = Path.Combine(folder, "markers");
        var result = new List<ClusterStepStatus>();
        foreach (var job in jobs)
        {
            var names = !ArraySteps.Contains(job.Step)
                ? [job.Step]
                : Enumerable.Range(0, job.Tasks).Select(k => $"{job.Step}-{k.ToString(CultureInfo.InvariantCulture)}").ToList();
            var retried = names.Count(t => File.Exists(Path.Combine(markers, t + ".attempts"))
                && int.TryParse(File.ReadAllText(Path.Combine(markers, t + ".attempts")).Trim(), CultureInfo.InvariantCulture, out var a) && a > 1);
            result.Add(new ClusterStepStatus(job.Step, job.JobId, job.Tasks,
                names.Count(t => File.Exists(Path.Combine(markers, t + ".done"))),
                names.Count(t => File.Exists(Path.Combine(markers, t + ".failed"))),
                retried,
                queue.GetValueOrDefault(job.JobId, [])));
        }

        return result;
    }

    /// <summary>
    /// The retry wrapper: runs the step's command up to MAX times, recording the attempt number,
    /// then a <c>.done</c> or <c>.failed</c> marker. Exit code 2 is bad input and is not retried.
    /// </summary>
    private const string TaskScript = """
        #!/bin/bash
        # usage: task.sh NAME MAX_ATTEMPTS COMMAND...  (written by `mosaic cluster submit`)
        set -u
        name=$1; max=$2; shift 2
        markers="$(cd "$(dirname "$0")" && pwd)/markers"
        mkdir -p "$markers"
        rm -f "$markers/$name.done" "$markers/$name.failed"
        attempt=1
        while true; do
          echo "$attempt" > "$markers/$name.attempts"
          "$@"
          code=$?
          if [ "$code" -eq 0 ]; then touch "$markers/$name.done"; exit 0; fi
          echo "mosaic task $name: attempt $attempt of $max failed with exit code $code" >&2
          if [ "$code" -eq 2 ] || [ "$attempt" -ge "$max" ]; then break; fi
          attempt=$((attempt + 1))
        done
        touch "$markers/$name.failed"
        exit "$code"

        """;

    private static string EngineArgs(EngineOptions engine)
    {
        var text = new StringBuilder();
        if (engine.Threads is int threads)
        {
            text.Append(CultureInfo.InvariantCulture, $" --threads {threads}");
        }

        if (engine.MemoryLimit is { } memory)
        {
            text.Append(CultureInfo.InvariantCulture, $" --memory-limit {Quote(memory)}");
        }

        return text.ToString();
    }

    /// <summary>Single-quotes a word for bash.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string Sbatch(string sbatch, List<string> args)
    {
        int code;
        string output, error;
        try
        {
            (code, output, error) = Execute(sbatch, args);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new MosaicInputException(sbatch, null, $"cannot run sbatch ({e.Message}); is Slurm installed on this machine?");
        }

        if (code != 0)
        {
            throw new MosaicInputException(args[^1], null, $"sbatch refused the script (exit code {code.ToString(CultureInfo.InvariantCulture)}): {error.Trim()}");
        }

        // --parsable prints "jobid" or "jobid;cluster".
        return output.Trim().Split(';')[0];
    }

    private static Dictionary<string, List<string>> QueueStates(string squeue, IEnumerable<string> ids)
    {
        var states = new Dictionary<string, List<string>>();
        try
        {
            var (code, output, _) = Execute(squeue, ["-h", "-r", "-j", string.Join(',', ids), "-o", "%F %T"]);
            if (code != 0)
            {
                return states;
            }

            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2)
                {
                    if (!states.TryGetValue(parts[0], out var list))
                    {
                        states[parts[0]] = list = [];
                    }

                    list.Add(parts[1]);
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No squeue here (e.g. status read on a login node without Slurm): markers still answer.
        }

        return states;
    }

    private static (int Code, string Output, string Error) Execute(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
