using Mosaic.Cli;
using Mosaic.Tests.Reporting;

namespace Mosaic.Tests.Cli;

public class ReportCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliAppTests.Run(args);

    [Fact]
    public void Help_MatchesSnapshot()
    {
        var (code, output, _) = Run("report", "--help");
        Assert.Equal(0, code);
        // The root command is named after the host process (testhost under the test runner).
        Snapshot.Match("report_help.txt", System.Text.RegularExpressions.Regex.Replace(output, @"(?m)^  \S+ report", "  mosaic report"));
    }

    [Fact]
    public void Report_MissingRunFolder_ExitCode2NamesIt()
    {
        using var dir = new TempFolder();
        var (code, _, error) = Run("report", "--run", dir.File("absent"));
        Assert.Equal(2, code);
        Assert.Contains("run folder not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_FixtureRun_ExitCode0AndSectionTable()
    {
        using var dir = new TempFolder();
        var (run, data) = new ReportFixture { Stages = new HashSet<string> { "segregation" }, WithCalls = false }.Write(dir.Path);
        var (code, output, error) = Run("report", "--run", run, "--data", data);
        Assert.True(code == 0, error);
        Assert.Contains("not run", output, StringComparison.Ordinal);
        Assert.Contains("report.html", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
    }
}
