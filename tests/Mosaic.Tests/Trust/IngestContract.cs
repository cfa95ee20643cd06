using System.Text.Json;
using Mosaic.Tests.Cli;

namespace Mosaic.Tests.Trust;

/// <summary>
/// The rule every bad input must obey, checked on the real CLI entry point: exit code 0 or 2,
/// one clear message and never a stack trace, every input file reconciled in ingest_report.json
/// (rows_read = rows_accepted + rows_rejected), and no canonical table under its final name
/// unless the ingest succeeded.
/// </summary>
internal static class IngestContract
{
    public const string Key = "trust-test-key-0123456789abcdef";

    /// <summary>The corpus folder copied beside the test binaries.</summary>
    public static string Corpus { get; } = Path.Combine(AppContext.BaseDirectory, "TestData", "bad-input");

    /// <summary>
    /// Runs <c>mosaic ingest</c> in-process with the corpus's good files except in <paramref name="role"/>,
    /// accepting any reject rate so that exit code 2 means the input could not be read at all.
    /// </summary>
    public static (int Code, string Error, string Out) Ingest(TempFolder dir, string role, string file, bool withReferences = true)
    {
        var key = dir.File("key.txt");
        if (!File.Exists(key))
        {
            File.WriteAllText(key, Key);
        }

        string Pick(string r, string good) => r == role ? file : Path.Combine(Corpus, good);
        var output = dir.File("data");
        var args = new List<string> { "ingest", "--calls", Pick("calls", "calls-good.csv"), "--out", output, "--key-file", key, "--threads", "1", "--max-reject-rate", "1" };
        if (withReferences || role != "calls")
        {
            args.AddRange(["--cells", Pick("cells", "cells-good.csv"), "--districts", Pick("districts", "districts-good.csv"),
                "--geojson", Pick("geojson", "geojson-good.geojson")]);
        }

        if (role == "subscribers")
        {
            args.AddRange(["--subscribers", file]);
        }

        var (code, _, error) = CliAppTests.Run([.. args]);
        return (code, error, output);
    }

    /// <summary>Runs <c>mosaic ingest</c> in-process on several call files at once, with the good cells file and any reject rate.</summary>
    public static (int Code, string Error) IngestCalls(string keyFile, string output, IEnumerable<string> calls)
    {
        var (code, _, error) = CliAppTests.Run(["ingest", "--calls", .. calls, "--cells", Path.Combine(Corpus, "cells-good.csv"),
            "--out", output, "--key-file", keyFile, "--threads", "1", "--max-reject-rate", "1"]);
        return (code, error);
    }

    /// <summary>The lines of standard error that are messages (progress lines dropped).</summary>
    public static string Messages(string error) =>
        string.Join(" | ", error.Split('\n').Where(l => l.StartsWith("mosaic: ", StringComparison.Ordinal)));

    /// <summary>Rejected rows per reason of one input file, as <c>reason=n;reason=n</c> in reason order.</summary>
    public static string Rejects(string output, string file)
    {
        using var report = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "ingest_report.json")));
        var entry = report.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("file").GetString() == file);
        return string.Join(';', entry.GetProperty("rejected_by_reason").EnumerateObject()
            .OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => $"{r.Name}={r.Value.GetInt64()}"));
    }

    /// <summary>Asserts the contract.</summary>
    public static void Check(string label, int code, string error, string output)
    {
        Assert.True(code is 0 or 2, $"{label}: exit code {code}: {Messages(error)}");
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        if (code == 2)
        {
            Assert.True(Messages(error).Length > 0, $"{label}: exit 2 without a message");
        }

        var reportPath = Path.Combine(output, "ingest_report.json");
        Assert.True(code == 2 || File.Exists(reportPath), $"{label}: exit 0 without {reportPath}");
        var callsTable = Path.Combine(output, "calls.parquet");
        if (!File.Exists(reportPath))
        {
            Assert.False(File.Exists(callsTable), $"{label}: calls.parquet without a report");
            return;
        }

        using var report = JsonDocument.Parse(File.ReadAllBytes(reportPath));
        long accepted = 0;
        foreach (var entry in report.RootElement.GetProperty("files").EnumerateArray())
        {
            var read = entry.GetProperty("rows_read").GetInt64();
            var ok = entry.GetProperty("rows_accepted").GetInt64();
            var rejected = entry.GetProperty("rows_rejected").GetInt64();
            var byReason = entry.GetProperty("rejected_by_reason").EnumerateObject().Sum(r => r.Value.GetInt64());
            Assert.True(read == ok + rejected && byReason == rejected,
                $"{label}: {entry.GetProperty("file").GetString()} read {read} != accepted {ok} + rejected {rejected} (by reason {byReason})");
            if (entry.GetProperty("table").GetString() == "calls")
            {
                accepted += ok;
            }
        }

        var failed = report.RootElement.GetProperty("failed").GetBoolean();
        Assert.Equal(code == 2, failed || !File.Exists(callsTable));
        if (code == 0)
        {
            Assert.True(accepted == report.RootElement.GetProperty("table_rows").GetProperty("calls").GetInt64(), $"{label}: {report.RootElement.GetProperty("table_rows").GetProperty("calls").GetInt64()} calls written, {accepted} accepted: {File.ReadAllText(reportPath)}");
        }
    }
}
