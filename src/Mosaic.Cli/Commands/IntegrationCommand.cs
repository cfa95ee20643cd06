using System.CommandLine;
using System.Globalization;
using Mosaic.Features;
using Mosaic.Integration;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic integration --data DIR --out RUN</c>: the migrant-integration analysis.</summary>
internal static class IntegrationCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder with the canonical tables (calls, districts, ...).", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder: reads RUN/features/features.parquet, writes RUN/integration/.", Required = true };
        var k = new Option<int>("--min-cell") { Description = "Privacy threshold k: cells describing fewer subscribers are suppressed.", DefaultValueFactory = _ => 15 };
        var seed = new Option<int>("--seed") { Description = "Seed of the train/test split and the cross-validation folds.", DefaultValueFactory = _ => 42 };
        var start = new Option<string?>("--start") { Description = "Midnight that starts week 1 (yyyy-MM-dd); default: the earliest call's date." };
        var partition = new Option<string?>("--partition")
        {
            Description = "K/N: the mixing counts of partition K (0-based) of a folder written by `mosaic partition`, after every partition's features; `mosaic merge` does the rest.",
        };
        var command = new Command("integration", "Mixing, home locations, weekly evolution and convergence, and the migrant classifier (paper 1).")
        {
            data, output, k, seed, start, partition,
        };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var dataFolder = parse.GetValue(data)!;
            var runFolder = parse.GetValue(output)!;
            DateTime? startDate = null;
            if (parse.GetValue(start) is { } text)
            {
                startDate = DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                    ? parsed
                    : throw new MosaicInputException($"--start: '{text}' is not a date of the form yyyy-MM-dd");
            }

            if (parse.GetValue(partition) is { } partitionText)
            {
                var spec = ScaleOut.PartitionSpec.Parse(partitionText);
                var cells = ConsoleProgress.Run("integration", parse.InvocationConfiguration.Error, progress =>
                    IntegrationPartitions.Compute(new IntegrationOptions { Start = startDate, Engine = engine(parse) }, dataFolder, runFolder, spec, progress));
                parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"integration {spec}: {cells} mixing cells counted in {IntegrationPartitions.Folder(runFolder, spec.Index)}"));
                return CliApp.Success;
            }

            if (!File.Exists(IntegrationStage.FeaturesPath(runFolder)))
            {
                // The analysis needs the weekly features: compute them first, with the same calendar.
                ConsoleProgress.Run(FeatureStage.Name, parse.InvocationConfiguration.Error, progress =>
                    FeatureStage.Run(new FeatureOptions { Start = startDate }, dataFolder, runFolder, progress));
            }

            var options = new IntegrationOptions { MinimumCellSize = parse.GetValue(k), Seed = parse.GetValue(seed), Start = startDate, Engine = engine(parse) };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new MosaicInputException($"invalid option: {e.Message}");
            }

            var result = ConsoleProgress.Run("integration", parse.InvocationConfiguration.Error,
                progress => IntegrationStage.Run(options, dataFolder, runFolder, progress));
            var outWriter = parse.InvocationConfiguration.Output;
            outWriter.WriteLine($"integration: {result.Rows} subscriber-weeks, weeks {string.Join(',', result.Weeks)}; " +
                $"groups local {Size(result.Subscribers[0], options)}, settled {Size(result.Subscribers[1], options)}, new {Size(result.Subscribers[2], options)}");
            foreach (var (file, rows) in result.Files)
            {
                outWriter.WriteLine($"  {file,-30} {rows,6} rows, {result.SuppressedCells[file],5} suppressed (k = {options.MinimumCellSize})");
            }

            if (result.MissingColumns.Count > 0)
            {
                outWriter.WriteLine($"  note: features table lacks {string.Join(", ", result.MissingColumns)}");
            }

            outWriter.WriteLine($"  written to {result.OutputFolder}");
            return CliApp.Success;
        });
        return command;
    }

    private static string Size(long n, IntegrationOptions options) =>
        n < options.MinimumCellSize ? $"<{options.MinimumCellSize}" : n.ToString(CultureInfo.InvariantCulture);
}
