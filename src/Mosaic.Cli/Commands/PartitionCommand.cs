using System.CommandLine;
using System.Globalization;
using Mosaic.ScaleOut;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic partition --data DIR --out PDIR --partitions N</c>: hash-partition by subscriber.</summary>
internal static class PartitionCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder with the canonical Parquet tables.", Required = true };
        var output = new Option<string>("--out") { Description = "Partition folder: PDIR/part-K/ per partition and PDIR/partition.json.", Required = true };
        var count = new Option<int>("--partitions") { Description = "Number of partitions N.", Required = true };
        var command = new Command("partition", "Hash-partition a data folder by subscriber for per-partition stages (scale-out).") { data, output, count };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var layout = ConsoleProgress.Run("partition", parse.InvocationConfiguration.Error,
                progress => Partitioner.Run(parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(count), engine(parse), progress));
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"partition: {layout.Partitions} partitions of {layout.Calls:N0} calls in {parse.GetValue(output)} (largest stores {layout.CallsStored.Max():N0} calls)"));
            return CliApp.Success;
        });
        return command;
    }
}
