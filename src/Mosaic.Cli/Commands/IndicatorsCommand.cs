using System.CommandLine;
using System.Globalization;
using Mosaic.Indicators;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic indicators</c>: bandicoot-compatible individual indicators.</summary>
internal static class IndicatorsCommand
{
    public static Command Create()
    {
        var records = new Option<string>("--records") { Description = "Folder of per-user record files <user>.csv (bandicoot's layout)", Required = true };
        var antennas = new Option<string>("--antennas") { Description = "Antennas CSV: antenna_id,latitude,longitude", Required = true };
        var attributes = new Option<string?>("--attributes") { Description = "Folder of per-user key,value attribute files (optional)" };
        var recharges = new Option<string?>("--recharges") { Description = "Folder of per-user datetime,amount,retailer_id recharge files (optional)" };
        var users = new Option<string[]>("--user") { Description = "Compute only this user (repeatable); default every file in --records", AllowMultipleArgumentsPerToken = false };
        var groupby = new Option<string>("--groupby") { Description = "week (ISO weeks, reduced to mean and std) or none", DefaultValueFactory = _ => "week" };
        var summary = new Option<string>("--summary") { Description = "default (mean, std) or extended (+ median, skewness, kurtosis, min, max)", DefaultValueFactory = _ => "default" };
        var splitWeek = new Option<bool>("--split-week") { Description = "Also compute on weekdays and weekends" };
        var splitDay = new Option<bool>("--split-day") { Description = "Also compute during the day and the night (19:00-07:00)" };
        var network = new Option<bool>("--network") { Description = "bandicoot's network mode: drop records the correspondent's own file does not reciprocate; report out-of-network shares" };
        var format = new Option<string>("--format") { Description = "Record layout: csv (bandicoot) or orange (';'-separated, no header)", DefaultValueFactory = _ => "csv" };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: every core)" };
        var output = new Option<string>("--out") { Description = "Output file: .json (object keyed by user) or .csv (one row per user)", Required = true };
        var command = new Command("indicators", "bandicoot-compatible individual indicators (same keys and values as bandicoot.utils.all)")
        {
            records, antennas, attributes, recharges, users, groupby, summary, splitWeek, splitDay, network, format, threads, output,
        };
        command.SetBody(parse =>
        {
            var options = new IndicatorOptions
            {
                GroupBy = parse.GetValue(groupby) switch
                {
                    "week" => IndicatorGrouping.Week,
                    "none" => IndicatorGrouping.None,
                    var other => throw new MosaicInputException($"--groupby must be week or none, not '{other}'"),
                },
                Summary = parse.GetValue(summary) switch
                {
                    "default" => IndicatorSummary.Default,
                    "extended" => IndicatorSummary.Extended,
                    var other => throw new MosaicInputException($"--summary must be default or extended, not '{other}'"),
                },
                Format = parse.GetValue(format) switch
                {
                    "csv" => RecordFormat.Bandicoot,
                    "orange" => RecordFormat.Orange,
                    var other => throw new MosaicInputException($"--format must be csv or orange, not '{other}'"),
                },
                SplitWeek = parse.GetValue(splitWeek),
                SplitDay = parse.GetValue(splitDay),
                Network = parse.GetValue(network),
                Threads = parse.GetValue(threads),
            };
            if (options.Threads is <= 0)
            {
                throw new MosaicInputException("--threads must be positive");
            }

            var request = new IndicatorRequest(parse.GetValue(records)!, parse.GetValue(antennas)!, parse.GetValue(output)!)
            {
                AttributesFolder = parse.GetValue(attributes),
                RechargesFolder = parse.GetValue(recharges),
                Users = parse.GetValue(users) ?? [],
                Options = options,
            };
            var error = parse.InvocationConfiguration.Error;
            var result = ConsoleProgress.Run("indicators", error, progress => IndicatorRun.Run(request, progress));
            parse.InvocationConfiguration.Output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Users} users, {result.RecordsRead} records ({result.RecordsIgnored} ignored), {result.Keys} indicator keys per user -> {request.OutPath}"));
            parse.InvocationConfiguration.Output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.RecordsPerSecond:F0} records/s, {result.UsersPerSecond:F0} users/s ({result.Seconds:F2} s computing, {result.TotalSeconds:F2} s total)"));
            return 0;
        });
        return command;
    }
}
