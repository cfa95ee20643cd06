using System.CommandLine;
using System.Globalization;
using Mosaic.Indicators;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic export</c>: writes a canonical data folder in another tool's input layout.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Canonical data folder (calls, subscribers, cells Parquet)", Required = true };
        var to = new Option<string>("--to") { Description = "Target layout: bandicoot (per-user CSVs + antennas.csv)", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder", Required = true };
        var maxUsers = new Option<int?>("--max-users") { Description = "Export only the first N subscribers (ascending id)" };
        var command = new Command("export", "Write a canonical data folder in another tool's layout (bandicoot)") { data, to, output, maxUsers };
        command.SetBody(parse =>
        {
            if (parse.GetValue(to) != "bandicoot")
            {
                throw new MosaicInputException($"--to must be bandicoot, not '{parse.GetValue(to)}'");
            }

            var result = ConsoleProgress.Run("export", parse.InvocationConfiguration.Error, progress =>
                BandicootExport.Run(parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(maxUsers), progress));
            parse.InvocationConfiguration.Output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Users} user files, {result.Records} records, {result.Antennas} antennas -> {parse.GetValue(output)}"));
            return 0;
        });
        return command;
    }
}
