using System.CommandLine;
using Mosaic.Reporting;
using Spectre.Console;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic report</c>: one self-contained HTML report of a run, with its figures and tables.</summary>
internal static class ReportCommand
{
    /// <summary>How long the browser may take to print the report.</summary>
    public static readonly TimeSpan PdfTimeout = TimeSpan.FromMinutes(3);

    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by the stages (features, integration, segregation, mitigation).", Required = true };
        var data = new Option<string?>("--data") { Description = "Data folder (default: the one recorded in the stages' manifests, else RUN/data)." };
        var k = new Option<int>("--k") { Description = "Privacy threshold for the report's own aggregates (coverage).", DefaultValueFactory = _ => ReportOptions.DefaultPrivacyK };
        var title = new Option<string>("--title") { Description = "Title at the top of the report.", DefaultValueFactory = _ => "Mosaic report" };
        var noPng = new Option<bool>("--no-png") { Description = "Write figures as SVG only (skip the PNG copies)." };
        var pdf = new Option<bool>("--pdf") { Description = $"Also print the report to RUN/{PdfExport.PdfFile} with headless Chromium (skipped, with a message, when none is installed)." };
        var command = new Command("report", "Write RUN/report.html (self-contained, opens offline) with every figure as SVG and PNG in RUN/figures and every table as CSV in RUN/tables.")
        {
            run, data, k, title, noPng, pdf,
        };
        command.SetBody(parse =>
        {
            var options = new ReportOptions { PrivacyK = parse.GetValue(k), Title = parse.GetValue(title)!, Png = !parse.GetValue(noPng) };
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
            console.WriteLine($"Wrote {result.ReportPath} with {result.Figures.Count} figures ({(result.PngWritten ? "SVG and PNG" : "SVG")}) and {result.Tables.Count} tables (CSV).");
            if (parse.GetValue(pdf))
            {
                console.WriteLine(PdfExport.Write(result.ReportPath, PdfTimeout).Message);
            }
            return CliApp.Success;
        });
        return command;
    }
}
