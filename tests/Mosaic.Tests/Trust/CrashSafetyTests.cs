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

    private static byte[] Comparable(string folder, string relative)
    {
        var path = Path.Combine(folder, relative);
        if (Path.GetFileName(relative) != "manifest.json")
        {
            return File.ReadAllBytes(path);
        }

        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        node.Remove("timings_seconds");
        node.Remove("finished_utc");
        return System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
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
            foreach (var file in FinalFiles(folder))
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
}
