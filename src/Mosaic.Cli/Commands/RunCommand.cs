using System.CommandLine;
using Mosaic.Reporting;
using Mosaic.Runs;
using Mosaic.Simulation;
using Spectre.Console;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic run</c>: every stage, reusing the ones already complete, and a closing summary.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Run folder.", Required = true };
        var data = new Option<string?>("--data") { Description = "Canonical data folder from `mosaic ingest` (default: simulate the built-in city into RUN/data)." };
        var preset = new Option<string>("--preset") { Description = "Size of the built-in city: tiny, small, medium, large, seed.", DefaultValueFactory = _ => "medium" };
        preset.AcceptOnlyFromAmong("tiny", "small", "medium", "large", "seed");
        var seed = new Option<long>("--seed") { Description = "Seed of the built-in city.", DefaultValueFactory = _ => 42 };
        var alpha = new Option<double>("--alpha") { Description = "Significance level of the segregation tests.", DefaultValueFactory = _ => 0.01 };
        var k = new Option<int>("--min-cell") { Description = "Privacy threshold k: published cells describing fewer subscribers are suppressed.", DefaultValueFactory = _ => 15 };
        var pdf = new Option<bool>("--pdf") { Description = $"Also print the report to RUN/{PdfExport.PdfFile} with headless Chromium (skipped, with a message, when none is installed)." };
        var partitions = new Option<string?>("--from-partitions")
        {
            Description = "PDIR from `mosaic partition` of --data, whose per-partition steps have all run into RUN/partitions/: merge features, integration and segregation from them, then run the rest (the last job of `mosaic cluster submit`).",
        };
        var command = new Command("run", "Run every stage (simulating the built-in city when no data is given) and write the report.")
        {
            output, data, preset, seed, alpha, k, pdf, partitions,
        };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var options = new StudyRunOptions
            {
                RunFolder = parse.GetValue(output)!,
                DataFolder = parse.GetValue(data),
                Preset = Enum.Parse<SimulationPreset>(parse.GetValue(preset)!, ignoreCase: true),
                Seed = parse.GetValue(seed),
                Alpha = parse.GetValue(alpha),
                MinimumCellSize = parse.GetValue(k),
                Engine = engine(parse),
                PartitionFolder = parse.GetValue(partitions),
            };
            var reports = StudyRun.Run(options, (stage, work) => ConsoleProgress.Run(stage, error, work));
            Render(reports, options.RunFolder, parse.InvocationConfiguration.Output);
            if (parse.GetValue(pdf))
            {
                parse.InvocationConfiguration.Output.WriteLine(PdfExport.Write(Path.Combine(options.RunFolder, ReportStage.ReportFile), ReportCommand.PdfTimeout).Message);
            }

            return CliApp.Success;
        });
        return command;
    }

    private static void Render(IReadOnlyList<StageReport> reports, string runFolder, TextWriter output)
    {
        var table = new Table().AddColumns("stage", "outcome", "seconds", "result");
        foreach (var report in reports)
        {
            table.AddRow(report.Name, report.Outcome == StageOutcome.Ran ? "ran" : "reused",
                report.Outcome == StageOutcome.Ran ? $"{report.Seconds:F1}" : "-", Markup.Escape(report.Summary));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        console.Write(table);
        console.WriteLine($"Total {reports.Sum(r => r.Seconds):F1} s. Outputs in {runFolder}");
    }
}
