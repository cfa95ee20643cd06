using System.Diagnostics;
using Mosaic.Data;
using Mosaic.Tests.Cli;

namespace Mosaic.Tests.Trust;

/// <summary>
/// Running out of memory (a tiny <c>--memory-limit</c>) or of disk (a 256 KiB tmpfs as
/// <c>--out</c>, mounted when the tests run as root, skipped otherwise) ends with one clear
/// message, exit code 1, and no table under its final name.
/// </summary>
public class ResourceLimitTests
{
    private static string Calls(TempFolder dir, int rows)
    {
        var path = dir.File("calls.csv");
        using var session = new DuckDbSession();
        session.Execute($"""
            COPY (SELECT '+90555' || lpad(CAST(i % 5000 AS VARCHAR), 7, '0') AS caller_id, '+90555' || lpad(CAST((i * 7 + 1) % 5000 AS VARCHAR), 7, '0') AS callee_id,
                         strftime(TIMESTAMP '2026-01-05' + to_seconds(i * 13), '%Y-%m-%d %H:%M:%S') AS start_time, i % 600 AS duration_s,
                         'call' AS kind, 'C' || (i % 300) AS caller_cell, 'C' || (i % 301) AS callee_cell
                  FROM range({rows}) t(i)) TO {Sql.Literal(path)} (HEADER)
            """);
        return path;
    }

    private static void AssertCleanFailure(int code, string error, string output)
    {
        Assert.True(code is 1 or 2, $"exit code {code}: {error}");
        Assert.Contains("mosaic: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        var finals = Directory.Exists(output)
            ? Directory.GetFiles(output).Select(Path.GetFileName).Where(f => !f!.Contains(".tmp-", StringComparison.Ordinal)).ToList()
            : [];
        Assert.DoesNotContain("calls.parquet", finals);
        Assert.DoesNotContain("manifest.json", finals);
    }

    [Fact]
    public void Ingest_TinyMemoryLimit_ClearMessageAndNoTables()
    {
        using var dir = new TempFolder();
        var calls = Calls(dir, 200_000);
        var key = dir.Write("key.txt", IngestContract.Key);
        var output = dir.File("data");
        var (code, _, error) = CliAppTests.Run("ingest", "--calls", calls, "--key-file", key, "--out", output, "--memory-limit", "2MB", "--threads", "1");
        AssertCleanFailure(code, error, output);
        Assert.Contains("memory", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Ingest_OutputFolderFull_ClearMessageAndNoPartialTable()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return; // mounting a small tmpfs needs root; nothing to test otherwise
        }

        using var dir = new TempFolder();
        var calls = Calls(dir, 200_000);
        var key = dir.Write("key.txt", IngestContract.Key);
        var mount = dir.File("full");
        Directory.CreateDirectory(mount);
        if (Mount("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount) != 0)
        {
            return; // not permitted in this container
        }

        try
        {
            var output = Path.Combine(mount, "data");
            var (code, _, error) = CliAppTests.Run("ingest", "--calls", calls, "--key-file", key, "--out", output, "--threads", "1");
            AssertCleanFailure(code, error, output);
            Assert.Equal(1, code);
            Assert.Contains("space", error, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Mount("umount", mount);
        }
    }

    private static int Mount(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
