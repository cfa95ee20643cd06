using System.CommandLine;
using System.Globalization;
using Mosaic.Simulation;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic simulate</c>: writes a simulated city's canonical tables and truth.json.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Data folder to write (canonical Parquet tables, districts.geojson, truth.json, manifest.json).", Required = true };
        var preset = new Option<string>("--preset") { Description = "Scale: tiny (1k attributed), small (20k), medium (200k, default), large (5M), seed (54M subscribers).", DefaultValueFactory = _ => "medium" };
        preset.AcceptOnlyFromAmong("tiny", "small", "medium", "large", "seed");
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed and options give byte-identical files.", DefaultValueFactory = _ => 42 };
        var subscribers = new Option<long?>("--subscribers") { Description = "All subscribers (attributed ones scale with it), overriding the preset." };
        var weeks = new Option<int>("--weeks") { Description = "Study weeks.", DefaultValueFactory = _ => 4 };
        var districts = new Option<int?>("--districts") { Description = "Districts of the synthetic city, overriding the preset." };
        var geojson = new Option<string?>("--geojson") { Description = "Real district polygons (GeoJSON FeatureCollection with property name)." };
        var table = new Option<string?>("--district-table") { Description = "CSV name,population,monthly_rent matching --geojson by name." };
        var threads = new Option<int?>("--threads") { Description = "Generator threads (default: all cores); outputs do not depend on it." };
        var command = new Command("simulate", "Simulate a city's call records with planted integration dynamics and refugee segregation.")
        {
            output, preset, seed, subscribers, weeks, districts, geojson, table, threads,
        };
        command.SetBody(parse =>
        {
            var options = new SimulationOptions
            {
                Preset = Enum.Parse<SimulationPreset>(parse.GetValue(preset)!, ignoreCase: true),
                Seed = parse.GetValue(seed),
                Subscribers = parse.GetValue(subscribers),
                Weeks = parse.GetValue(weeks),
                Districts = parse.GetValue(districts),
                GeoJsonPath = parse.GetValue(geojson),
                DistrictTablePath = parse.GetValue(table),
                Threads = parse.GetValue(threads),
            };
            var folder = parse.GetValue(output)!;
            var error = parse.InvocationConfiguration.Error;
            var result = ConsoleProgress.Run("simulate", error, progress => Simulator.Run(options, folder, progress));
            var sizes = result.Truth.GroupSizes;
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulated {result.Calls:N0} calls among {result.Subscribers:N0} attributed subscribers " +
                $"({sizes["local"]:N0} local, {sizes["settled"]:N0} settled, {sizes["new"]:N0} new, {sizes["refugee"]:N0} refugees), " +
                $"{result.Cells:N0} cells, {result.Districts} districts in {result.Seconds:F1} s ({result.CallsPerSecond:N0} calls/s)"));
            o.WriteLine($"wrote {folder}");
            return CliApp.Success;
        });
        return command;
    }
}
