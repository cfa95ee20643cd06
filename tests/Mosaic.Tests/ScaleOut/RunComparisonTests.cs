using System.Text;
using Mosaic.Cli;
using Mosaic.ScaleOut;

namespace Mosaic.Tests.ScaleOut;

/// <summary>
/// <see cref="RunComparison"/> on two hand-made run folders shaped like real ones (manifest, provenance tables,
/// report): what differs only in timings, clock times and the run's path is equal; anything else is reported.
/// </summary>
public class RunComparisonTests
{
    private static void WriteRun(string run, string rows, double seconds, string finished, string share = "0.25")
    {
        void Write(string file, string text)
        {
            var path = Path.Combine(run, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        var s = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Write("features/manifest.json", $$"""
            {
              "stage": "integration",
              "parameters": { "out": "{{run}}", "note": "one run" },
              "inputs": [ { "path": "{{run}}/features/features.parquet", "sha256": "ab12" } ],
              "counts": { "rows": {{rows}} },
              "timings_seconds": { "read": {{s}}, "nested": { "x": 1 } },
              "finished_utc": "{{finished}}",
              "fingerprint": "{{finished.GetHashCode()}}"
            }
            """);
        Write("features/features.parquet", "PAR1 same bytes");
        Write("tables/provenance_features.csv", $"section,key,value\ncounts,rows,{rows}\nseconds,read,{s}\n");
        Write("tables/provenance_stages.csv", $"folder,stage,version,finished (UTC),seconds\ndata,simulate,0.1.0,,21.04\nfeatures,features,0.1.0,{finished},{s}\n");
        Write("segregation/call_matrices.csv", $"origin,destination,share\n1,2,{share}\n");
        Write("report.html", $"""
            <p>Run folder <code>{Path.GetFileName(run)}</code>; Mosaic 0.1.0.</p>
            <tr><td>counts</td><td>rows</td><td>{rows}</td></tr>
            <tr><td>seconds</td><td>read</td><td>{s}</td></tr>
            <tr><td>features</td><td>features</td><td>0.1.0</td><td>{finished}</td><td class="num">{s}</td></tr>

            """);
    }

    [Fact]
    public void Compare_OnlyTimingsClockAndPathDiffer_IsIdenticalAndNamesTheNormalisedFiles()
    {
        using var temp = new TempFolder();
        var single = temp.File("single");
        var slurm = temp.File("slurm");
        WriteRun(single, "5", 1.5, "2026-11-23T07:53:26.7931062Z");
        WriteRun(slurm, "5", 9.25, "2026-11-23T08:01:02.1Z");
        temp.Write("slurm/partitions/features/part-0/counts.json", "{}");
        temp.Write("slurm/cluster/logs/run.out", "log");
        temp.Write("slurm/partitioned/partition.json", "{}");

        var result = RunComparison.Compare(single, slurm);

        Assert.Empty(result.Differences);
        Assert.Equal(6, result.Compared);
        Assert.Equal(2, result.ByteIdentical);
        Assert.Equal(["features/manifest.json", "report.html", "tables/provenance_features.csv", "tables/provenance_stages.csv"], result.Normalised);
        Assert.Equal(0, CliApp.Run(["cluster", "compare", single, slurm], TextWriter.Null, TextWriter.Null));
    }

    [Theory]
    [InlineData("6", "0.25")] // a count in the manifest, the provenance table and the report
    [InlineData("5", "0.26")] // a published number
    public void Compare_ADataValueDiffers_IsReported(string rows, string share)
    {
        using var temp = new TempFolder();
        WriteRun(temp.File("a"), "5", 1.5, "2026-11-23T07:53:26Z");
        WriteRun(temp.File("b"), rows, 1.5, "2026-11-23T07:53:26Z", share);

        var result = RunComparison.Compare(temp.File("a"), temp.File("b"));

        var expected = rows == "5"
            ? new[] { "segregation/call_matrices.csv: differs" }
            : ["features/manifest.json: differs", "report.html: differs", "tables/provenance_features.csv: differs"];
        Assert.Equal(expected, result.Differences);
        Assert.Equal(1, CliApp.Run(["cluster", "compare", temp.File("a"), temp.File("b")], TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Compare_FileMissingOutsideTheScaleOutFolders_IsReported()
    {
        using var temp = new TempFolder();
        WriteRun(temp.File("a"), "5", 1.5, "2026-11-23T07:53:26Z");
        WriteRun(temp.File("b"), "5", 1.5, "2026-11-23T07:53:26Z");
        temp.Write("a/mitigation/plan.csv", "x\n");
        temp.Write("b/integration/extra.json", "{}");

        var result = RunComparison.Compare(temp.File("a"), temp.File("b"));

        Assert.Equal([$"mitigation/plan.csv: only in {temp.File("a")}", $"integration/extra.json: only in {temp.File("b")}"], result.Differences);
    }

    [Fact]
    public void Normalise_RelativeRunFolder_ReplacedOnlyWhereItStandsAsAPath()
    {
        var json = """{"summary":"single/report.html (88 figures)","run":"single","note":"a single machine","other":"unsingle/x"}""";

        var normalised = Encoding.UTF8.GetString(RunComparison.Normalise("pipeline.json", Encoding.UTF8.GetBytes(json), "single"));

        Assert.Equal("""{"summary":"{RUN}/report.html (88 figures)","run":"{RUN}","note":"a single machine","other":"unsingle/x"}""", normalised);
    }

    [Fact]
    public void Normalise_BinaryFile_Unchanged()
    {
        var bytes = "PAR1 /tmp/run/ timings_seconds"u8.ToArray();

        Assert.Same(bytes, RunComparison.Normalise("features/features.parquet", bytes, "/tmp/run"));
    }
}
