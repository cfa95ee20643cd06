using System.CommandLine;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Runs;
using Mosaic.Segregation;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic indices --table F.csv --unit COL --groups A,B[,...] [--total COL] --out F.json</c>.</summary>
internal static class IndicesCommand
{
    public static Command Create()
    {
        var table = new Option<string>("--table") { Description = "CSV with a header: one row per unit (district, tract, ...).", Required = true };
        var unit = new Option<string>("--unit") { Description = "Column naming the unit.", Required = true };
        var groups = new Option<string>("--groups") { Description = "Comma-separated group count columns, e.g. refugees,hosts.", Required = true };
        var total = new Option<string?>("--total") { Description = "Column with the unit total for single-group indices (default: the sum of the groups)." };
        var output = new Option<string>("--out") { Description = "Output JSON file.", Required = true };
        var command = new Command("indices", "Segregation indices (PySAL definitions) of any unit-by-group table, e.g. census counts.")
        {
            table, unit, groups, total, output,
        };
        command.SetBody(parse =>
        {
            var names = parse.GetValue(groups)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var report = GroupTable.FromCsv(parse.GetValue(table)!, parse.GetValue(unit)!, names, parse.GetValue(total)).Compute();
            var path = parse.GetValue(output)!;
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, Manifest.JsonOptions) + "\n");
            parse.InvocationConfiguration.Output.WriteLine($"indices: {report.Units} units, {report.Groups.Count} groups -> {path}");
            return CliApp.Success;
        });
        return command;
    }
}
