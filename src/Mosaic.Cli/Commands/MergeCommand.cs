using System.CommandLine;
using System.Globalization;
using Mosaic.Features;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic merge --data PDIR --out RUN</c>: combine the partitions' partial results.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Partition folder written by `mosaic partition`.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder holding RUN/partitions/; the merged outputs go where one machine writes them.", Required = true };
        var command = new Command("merge", "Merge per-partition results (features) into the files a single-machine run writes; refuses an incomplete set.") { data, output };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var result = ConsoleProgress.Run("merge", parse.InvocationConfiguration.Error,
                progress => FeaturePartitions.Merge(engine(parse), parse.GetValue(data)!, parse.GetValue(output)!, progress));
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"merge: wrote {result.FeaturesPath} ({result.Report.Rows} subject-weeks, {result.Report.Subjects} subjects)"));
            return CliApp.Success;
        });
        return command;
    }
}
