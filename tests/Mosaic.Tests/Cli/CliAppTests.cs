using Mosaic.Cli;

namespace Mosaic.Tests.Cli;

public class CliAppTests
{
    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Run_UnknownOption_ExitCode2WithUsageHint()
    {
        var (code, _, error) = Run("ingest", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("mosaic --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingRequiredOption_ExitCode2()
    {
        Assert.Equal(2, Run("ingest", "--out", "x").Code);
    }

    [Fact]
    public void Ingest_MissingColumn_ExitCode2NamesFileAndColumnWithoutStackTrace()
    {
        using var dir = new TempFolder();
        var calls = dir.Write("calls.csv", "caller_id,callee_id,duration_s\na,b,1\n");
        var (code, _, error) = Run("ingest", "--calls", calls, "--out", dir.File("data"));
        Assert.Equal(2, code);
        Assert.Contains($"{calls}:1: missing column 'start_time'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_MissingFile_ExitCode2()
    {
        using var dir = new TempFolder();
        var (code, _, error) = Run("ingest", "--calls", dir.File("absent.csv"), "--out", dir.File("data"));
        Assert.Equal(2, code);
        Assert.Contains("file not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_Success_ExitCode0AndSummary()
    {
        using var dir = new TempFolder();
        var calls = dir.Write("calls.csv", "caller_id,callee_id,start_time,duration_s\na,b,2026-01-05 10:00:00,60\n");
        var key = dir.Write("key.txt", "a-key-file-of-enough-length\n");
        var (code, output, error) = Run("ingest", "--calls", calls, "--out", dir.File("data"), "--key-file", key);
        Assert.True(code == 0, error);
        Assert.Contains("calls 1", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.File("data"), "manifest.json")));
    }

    [Fact]
    public void Help_ListsEveryVerbWithDescription()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var command in CliApp.BuildRoot().Subcommands)
        {
            Assert.Contains(command.Name, output, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{command.Name} has no description");
            Assert.All(command.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description), $"{command.Name} {o.Name} has no description"));
        }
    }
}
