using System.CommandLine;
using System.Globalization;
using Mosaic.Features;
using Mosaic.Integration;
using Mosaic.Segregation;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic merge --data PDIR --out RUN</c>: combine the partitions' partial results.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Partition folder written by `mosaic partition`.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder holding RUN/partitions/; the merged outputs go where one machine writes them.", Required = true };
        var k = new Option<int>("--min-cell") { Description = "Privacy threshold k of the integration merge (segregation keeps the k its partitions ran with).", DefaultValueFactory = _ => 15 };
        var command = new Command("merge", "Merge per-partition results (features; integration and segregation when their partitions ran) into the files a single-machine run writes; refuses an incomplete set.") { data, output, k };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var (pdir, run) = (parse.GetValue(data)!, parse.GetValue(output)!);
            var error = parse.InvocationConfiguration.Error;
            var stages = new[] { FeatureStage.Name, IntegrationStage.Name, SegregationStage.Name }
                .Where(stage => Directory.Exists(ScaleOut.PartitionSteps.StageFolder(run, stage))).ToList();
            if (stages.Count == 0)
            {
                throw new MosaicInputException(Path.Combine(run, "partitions"), null, "no per-partition results to merge (run `features --partition K/N` and the like first)");
            }

            if (stages.Contains(FeatureStage.Name))
            {
                var result = ConsoleProgress.Run("merge", error, progress => FeaturePartitions.Merge(engine(parse), pdir, run, progress));
                parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"merge: wrote {result.FeaturesPath} ({result.Report.Rows} subject-weeks, {result.Report.Subjects} subjects)"));
            }

            if (IntegrationPartitions.HasPartials(run))
            {
                var integration = ConsoleProgress.Run("merge integration", error, progress =>
                    IntegrationPartitions.Merge(new IntegrationOptions { MinimumCellSize = parse.GetValue(k) }, pdir, run, progress));
                parse.InvocationConfiguration.Output.WriteLine($"merge: wrote {integration.OutputFolder}");
            }

            if (SegregationPartitions.HasPartials(run))
            {
                var segregation = ConsoleProgress.Run("merge segregation", error, progress => SegregationPartitions.Merge(engine(parse), pdir, run, progress));
                parse.InvocationConfiguration.Output.WriteLine($"merge: wrote {segregation.OutputFolder}");
            }
            return CliApp.Success;
        });
        return command;
    }
}
