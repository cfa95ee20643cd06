using Mosaic.ScaleOut;

namespace Mosaic.Tests.ScaleOut;

/// <summary>The job graph `cluster submit` hands to sbatch, checked with a stand-in sbatch that records its arguments.</summary>
public class SlurmSubmitTests
{
    [Fact]
    public void Submit_FeaturesAndSegregationBranches_WaitOnlyForWhatTheyNeed()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in is a shell script
        }

        using var temp = new TempFolder();
        var log = temp.File("sbatch.log");
        var sbatch = temp.Write("sbatch", $"""
            #!/bin/bash
            n=$(( $(cat '{log}' 2>/dev/null | wc -l) + 1 ))
            echo "$n $*" >> '{log}'
            echo "$n"

            """);
        File.SetUnixFileMode(sbatch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(temp.File("data"));

        var jobs = SlurmCluster.Submit(temp.File("data"), temp.File("run"), new ClusterOptions { Partitions = 3, Mosaic = "mosaic", Sbatch = sbatch });

        Assert.Equal(SlurmCluster.Steps, jobs.Select(j => j.Step));
        var dependencies = File.ReadAllLines(log).Select(l => l.Split(' ').FirstOrDefault(a => a.StartsWith("--dependency=", StringComparison.Ordinal)) ?? "-").ToList();
        // partition 1, exchange 2, segregation-exchange 3, features 4, segregation 5, integration 6, run 7
        Assert.Equal(["-", "--dependency=afterok:1", "--dependency=afterok:1", "--dependency=afterok:2", "--dependency=afterok:3", "--dependency=afterok:4", "--dependency=afterok:6:5"], dependencies);
    }
}
