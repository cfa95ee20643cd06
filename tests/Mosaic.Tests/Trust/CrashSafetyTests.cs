using System.Diagnostics;

namespace Mosaic.Tests.Trust;

/// <summary>
/// A stage run as a separate process (the built <c>mosaic</c> CLI) is killed at moments drawn
/// with a fixed seed across its uninterrupted duration; after each kill, every file under a final
/// name must be identical to the uninterrupted run's (no partial file), and after a re-run to
/// completion every output must be byte-identical to it. Manifests are compared without their
/// timings.
/// </summary>
public class CrashSafetyTests
{
    private const int KillPoints = 4;

    private static string Cli => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Mosaic.Cli.exe" : "Mosaic.Cli");

    private static (int Code, double Seconds) Start(IReadOnlyList<string> args, double? killAfterSeconds)
    {
        var info = new ProcessStartInfo(Cli) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (killAfterSeconds is double delay && !process.WaitForExit(TimeSpan.FromSeconds(delay)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        return (process.ExitCode, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Final-name files of a folder (temporary <c>.name.tmp-*</c> files excluded), relative, in order.</summary>
    private static List<string> FinalFiles(string folder) => !Directory.Exists(folder) ? []
        : Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f))
            .Where(f => !Path.GetFileName(f).Contains(".tmp-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// A file's bytes with what rightly differs between two runs set aside: wall-clock timings
    /// (JSON properties, the report's and tables' <c>seconds</c> rows and stage times), the run
    /// folder's own path, which manifests record, and the fingerprints hashed from that path.
    /// </summary>
    private static byte[] Comparable(string folder, string relative)
    {
        var path = Path.Combine(folder, relative);
        var name = Path.GetFileName(relative);
        var extension = Path.GetExtension(name);
        if (extension is not (".json" or ".csv" or ".html"))
        {
            return File.ReadAllBytes(path);
        }

        var text = File.ReadAllText(path).Replace(folder, "RUN", StringComparison.Ordinal)
            .Replace($"<code>{Path.GetFileName(folder)}</code>", "<code>RUN</code>", StringComparison.Ordinal);
        if (extension == ".json")
        {
            // Fingerprints hash the input paths, which differ from folder to folder by construction.
            var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
            RunOutputs.RemoveTimings(node, "fingerprint");

            // The run's bookkeeping: stage keys hash input paths; which stages finished is what counts.
            text = name == "pipeline.json" ? string.Join(',', node.AsObject().Select(p => p.Key)) : node.ToJsonString();
        }
        else if (name == "report.html")
        {
            text = string.Join('\n', text.Split('\n').Select(RunOutputs.ReportLine).OfType<string>());
        }
        else if (name.StartsWith("provenance_", StringComparison.Ordinal))
        {
            text = string.Join('\n', RunOutputs.ProvenanceTable(name, text.Split('\n')));
        }

        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static void KillAndResume(TempFolder dir, Func<string, string[]> command, int seed)
    {
        var reference = dir.File("reference");
        var (code, seconds) = Start(command(reference), null);
        Assert.Equal(0, code);
        var expected = FinalFiles(reference);
        Assert.NotEmpty(expected);
        var rng = new Random(seed);
        for (var k = 0; k < KillPoints; k++)
        {
            var folder = dir.File($"killed-{k}");
            var delay = seconds * rng.NextDouble();
            Start(command(folder), delay);
            // pipeline.json is the run's own record of which stages finished: it grows by design.
            foreach (var file in FinalFiles(folder).Where(f => f != "pipeline.json"))
            {
                Assert.True(expected.Contains(file), $"kill after {delay:F2}s: unexpected file {file}");
                Assert.True(Comparable(reference, file).AsSpan().SequenceEqual(Comparable(folder, file)), $"kill after {delay:F2}s: {file} is partial or different");
            }

            Assert.Equal(0, Start(command(folder), null).Code);
            Assert.Equal(expected, FinalFiles(folder));
            var differ = expected.Where(f => !Comparable(reference, f).AsSpan().SequenceEqual(Comparable(folder, f))).ToList();
            Assert.True(differ.Count == 0, $"after a kill at {delay:F2}s and a re-run: {string.Join(", ", differ)} differ");
        }
    }

    [Fact]
    public void Simulate_KilledAndRerun_IdenticalOutputsAndNoPartialFile()
    {
        using var dir = new TempFolder();
        KillAndResume(dir, folder => ["simulate", "--preset", "tiny", "--seed", "3", "--threads", "1", "--out", folder], seed: 11);
    }

    [Fact]
    public void Ingest_KilledAndRerun_IdenticalOutputsAndNoPartialFile()
    {
        using var dir = new TempFolder();
        var simulated = dir.File("simulated");
        Assert.Equal(0, Start(["simulate", "--preset", "tiny", "--seed", "3", "--threads", "1", "--out", simulated], null).Code);
        var delivery = dir.File("delivery");
        IngestedCityRun.ExportAsOperatorCsv(simulated, delivery);
        var key = dir.Write("key.txt", IngestContract.Key);
        KillAndResume(dir, folder =>
        [
            "ingest", "--calls", Path.Combine(delivery, "calls.csv"), "--subscribers", Path.Combine(delivery, "subscribers.csv"),
            "--cells", Path.Combine(delivery, "cells.csv"), "--districts", Path.Combine(delivery, "districts.csv"),
            "--key-file", key, "--threads", "1", "--max-reject-rate", "1", "--out", folder,
        ], seed: 12);
    }

    [Fact]
    public void Run_KilledAndRerun_EveryStageResumesToIdenticalOutputs()
    {
        // simulate → features → integration → segregation → mitigation → report, killed at seeded
        // moments across the whole pipeline; the re-run reuses finished stages and redoes the rest.
        using var dir = new TempFolder();
        KillAndResume(dir, folder => ["run", "--preset", "tiny", "--seed", "3", "--threads", "1", "--out", folder], seed: 13);
    }
}
