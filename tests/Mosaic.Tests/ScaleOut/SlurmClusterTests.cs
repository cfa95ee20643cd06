using Mosaic.Cli;
using Mosaic.Features;
using Mosaic.ScaleOut;
using Xunit.Abstractions;

namespace Mosaic.Tests.ScaleOut;

/// <summary>
/// The tiny city through a real (local) Slurm with 4 partitions. Skipped, with the reason in the
/// test output, when slurm-wlm is not installed; .ci/run installs it.
/// </summary>
public class SlurmClusterTests(TinyCityRun city, ITestOutputHelper output) : IClassFixture<TinyCityRun>
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(3);

    private static string Mosaic => Path.Combine(AppContext.BaseDirectory, "Mosaic.Cli");

    private string Submit(string run, string mosaic)
    {
        var stdout = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(
            ["cluster", "submit", "--data", city.Data, "--out", run, "--partitions", "4", "--mosaic", mosaic,
             .. TinyCityRun.ClusterEngineArgs, "--max-attempts", "3"], stdout, error);
        Assert.True(code == 0, error.ToString());
        return stdout.ToString();
    }

    private static string Status(string run)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["cluster", "status", run], stdout, TextWriter.Null));
        return stdout.ToString();
    }

    /// <summary>Files that may differ from one machine's only in run-specific fields (docs/scale-out.md, "Checking a cluster run").</summary>
    private static readonly System.Text.RegularExpressions.Regex MayBeNormalised =
        new(@"^([a-z]+/manifest\.json|features/report\.json|pipeline\.json|report\.html|tables/provenance_[a-z]+\.csv)$");

    /// <summary>The whole run folder equals `mosaic run` on one machine, apart from the documented run-specific fields.</summary>
    private void AssertSameAsOneMachine(string run)
    {
        var result = RunComparison.Compare(city.WholeRun, run);
        output.WriteLine($"{result.Compared} files, {result.ByteIdentical} byte-identical, normalised: {string.Join(", ", result.Normalised)}");
        Assert.Empty(result.Differences);
        Assert.All(result.Normalised, f => Assert.Matches(MayBeNormalised, f));
        // The data outputs are equal as written, not only after normalisation.
        Assert.True(result.ByteIdentical > result.Normalised.Count, $"{result.ByteIdentical} byte-identical files");
        Assert.Equal(File.ReadAllBytes(city.OneMachine.FeaturesPath), File.ReadAllBytes(Path.Combine(run, FeatureStage.Name, FeatureStage.FeaturesFile)));
    }

    private static string Logs(string run) =>
        string.Join("\n", Directory.EnumerateFiles(Path.Combine(SlurmCluster.Folder(run), "logs")).Select(f => $"== {f}\n{File.ReadAllText(f)}"));

    [Fact]
    public void Submit_FourPartitions_MergedFeaturesEqualOneMachine()
    {
        using var slurm = LocalSlurm.TryStart(out var reason);
        if (slurm is null)
        {
            output.WriteLine(reason);
            return;
        }

        using var temp = new TempFolder();
        var run = temp.File("run");

        output.WriteLine(Submit(run, SlurmCluster.Quote(Mosaic)));

        Assert.True(LocalSlurm.WaitForEmptyQueue(Budget), "jobs still queued after the time budget:\n" + Status(run));
        var status = Status(run);
        output.WriteLine(status);
        Assert.True(status.Contains("cluster: complete", StringComparison.Ordinal), status + Logs(run));
        Assert.All(SlurmCluster.Status(run), s => Assert.Equal((s.Tasks, 0, 0), (s.Done, s.Failed, s.Retried)));
        Assert.Contains("#SBATCH --array=0-3", File.ReadAllText(Path.Combine(SlurmCluster.Folder(run), "2-exchange.sbatch")), StringComparison.Ordinal);
        AssertSameAsOneMachine(run);
    }

    [Fact]
    public void Submit_TaskKilledOnce_IsRetriedAndTheRunCompletes()
    {
        using var slurm = LocalSlurm.TryStart(out var reason);
        if (slurm is null)
        {
            output.WriteLine(reason);
            return;
        }

        using var temp = new TempFolder();
        var run = temp.File("run");
        var flag = temp.File("killed-once");
        // Stands in for the OOM killer: the first attempt of features task 2 dies by SIGKILL. The
        // command must be matched too: segregation task 2 runs beside it with the same arguments.
        var shim = temp.Write("mosaic-shim.sh", $"""
            #!/bin/bash
            if [[ "$1" == features && " $* " == *" --partition 2/4 "* && " $* " != *" --exchange "* && ! -e {SlurmCluster.Quote(flag)} ]]; then
              touch {SlurmCluster.Quote(flag)}
              kill -9 $$
            fi
            exec {SlurmCluster.Quote(Mosaic)} "$@"

            """);
        output.WriteLine(Submit(run, "/bin/bash " + SlurmCluster.Quote(shim)));

        Assert.True(LocalSlurm.WaitForEmptyQueue(Budget), "jobs still queued after the time budget:\n" + Status(run));
        Assert.True(File.Exists(flag), "the shim never killed a task");
        var features = SlurmCluster.Status(run).Single(s => s.Step == "features");
        Assert.Equal((4, 0, 1), (features.Done, features.Failed, features.Retried));
        Assert.Equal("2", File.ReadAllText(Path.Combine(SlurmCluster.Folder(run), "markers", "features-2.attempts")).Trim());
        Assert.Contains("attempt 1 of 3 failed with exit code 137", File.ReadAllText(Path.Combine(SlurmCluster.Folder(run), "logs", "features-2.out")), StringComparison.Ordinal);
        AssertSameAsOneMachine(run);
    }

    /// <summary>
    /// Opt-in, for the measured checks in docs/performance.md: runs the city in MOSAIC_SLURM_DATA
    /// through the local Slurm into MOSAIC_SLURM_RUN (N = 4) and leaves the run for comparison
    /// with `mosaic run` on one machine. Without the variables it only says how to use it.
    /// </summary>
    [Fact]
    public void Submit_CityFromEnvironment_Completes()
    {
        var data = Environment.GetEnvironmentVariable("MOSAIC_SLURM_DATA");
        var run = Environment.GetEnvironmentVariable("MOSAIC_SLURM_RUN");
        if (data is null || run is null)
        {
            output.WriteLine("set MOSAIC_SLURM_DATA and MOSAIC_SLURM_RUN to run a city through the local Slurm");
            return;
        }

        using var slurm = LocalSlurm.TryStart(out var reason);
        Assert.True(slurm is not null, reason);
        var stdout = new StringWriter();
        var error = new StringWriter();
        Assert.True(CliApp.Run(
            ["cluster", "submit", "--data", data, "--out", run, "--partitions", "4", "--mosaic", SlurmCluster.Quote(Mosaic), "--threads", "1", "--memory-limit", "2GB"],
            stdout, error) == 0, error.ToString());

        Assert.True(LocalSlurm.WaitForEmptyQueue(TimeSpan.FromMinutes(40)), "jobs still queued:\n" + Status(run));
        var status = Status(run);
        output.WriteLine(status);
        Assert.True(status.Contains("cluster: complete", StringComparison.Ordinal), status + Logs(run));
    }
}
