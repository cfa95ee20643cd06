using System.CommandLine;
using Mosaic.Reporting;
using Spectre.Console;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic report</c>: one self-contained HTML report of a run, with its figures and tables.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by the stages (features, integration, segregation, mitigation).", Required = true };
        var data = new Option<string?>("--data") { Description = "Data folder (default: the one recorded in the stages' manifests, else RUN/data)." };
        var k = new Option<int>("--k") { Description = "Privacy threshold for the report's own aggregates (coverage).", DefaultValueFactory = _ => ReportOptions.DefaultPrivacyK };
        var title = new Option<string>("--title") { Description = "Title at the top of the report.", DefaultValueFactory = _ => "Mosaic report" };
        var command = new Command("report", "Write RUN/report.html (self-contained, opens offline) with every figure as SVG in RUN/figures and every table as CSV in RUN/tables.")
        {
            run, data, k, title,
        };
        command.SetBody(parse =>
        {
            var options = new ReportOptions { PrivacyK = parse.GetValue(k), Title = parse.GetValue(title)! };
            if (options.PrivacyK < 1)
            {
                throw new MosaicInputException("--k", null, "the privacy threshold must be at least 1");
            }

            var error = parse.InvocationConfiguration.Error;
            var result = ConsoleProgress.Run("report", error, progress => ReportStage.Run(options, parse.GetValue(run)!, parse.GetValue(data), progress));
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output), Interactive = InteractionSupport.No });
            var table = new Table().AddColumns("section", "status", "missing");
            foreach (var section in result.Sections)
            {
                table.AddRow(Markup.Escape(section.Title), section.Status switch { SectionStatus.Complete => "complete", SectionStatus.Partial => "partial", _ => "not run" }, Markup.Escape(string.Join(" ", section.Notes)));
            }

            console.Write(table);
            console.WriteLine($"Wrote {result.ReportPath} with {result.Figures.Count} figures (SVG) and {result.Tables.Count} tables (CSV).");
            return CliApp.Success;
        });
        return command;
    }
}
