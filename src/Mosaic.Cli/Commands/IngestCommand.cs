using System.CommandLine;
using Mosaic.Ingest;
using Mosaic.Privacy;
using Spectre.Console;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic ingest</c>: the user's files into canonical tables, every row accounted for.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var calls = new Option<string[]>("--calls")
        {
            Description = "Call files (operator CSV, D4R site traffic) or one folder of bandicoot per-user files.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var format = new Option<string>("--format") { Description = "Layout of --calls: operator, bandicoot or d4r.", DefaultValueFactory = _ => "operator" };
        format.AcceptOnlyFromAmong("operator", "bandicoot", "d4r");
        var subscribers = new Option<string?>("--subscribers") { Description = "Subscribers CSV: subscriber_id,birthplace,is_refugee,age,gender." };
        var cells = new Option<string?>("--cells", "--antennas") { Description = "Cells CSV: cell_id,lat,lon[,district_id] (aliases antenna_id, BTS_ID, latitude, longitude)." };
        var districts = new Option<string?>("--districts") { Description = "Districts CSV: district_id,name,population,monthly_rent[,refugee_population]." };
        var geojson = new Option<string?>("--geojson") { Description = "District polygons (GeoJSON); cells get their district by point-in-polygon." };
        var output = new Option<string>("--out") { Description = "Output data folder.", Required = true };
        var map = new Option<string?>("--map")
        {
            Description = "Rename columns and set the time format, e.g. \"caller_id=From,callee_id=To,start_time=Datetime,duration_s=Duration(seconds),caller_cell=Cell Tower,time_format=yyyyMMdd HHmm\".",
        };
        var delimiter = new Option<char>("--delimiter") { Description = "Field delimiter of the call files.", DefaultValueFactory = _ => ',' };
        var maxRejectRate = new Option<double>("--max-reject-rate") { Description = "Fail (exit 2, no tables written) above this share of rejected call rows.", DefaultValueFactory = _ => 0.01 };
        var maxDuration = new Option<int>("--max-duration") { Description = "Reject calls longer than this many seconds.", DefaultValueFactory = _ => 86_400 };
        var keyFile = new Option<string?>("--key-file") { Description = $"Pseudonymisation key file (else ${Pseudonymizer.KeyEnvironmentVariable}; else a random key)." };
        var noPseudonymize = new Option<bool>("--no-pseudonymize") { Description = "Keep ids as given (already pseudonymised 64-bit integers)." };
        var generalReader = new Option<bool>("--general-reader") { Description = "Read operator call files with DuckDB's reader even when the fast reader could (slower; the two give the same tables)." };
        var keepRaw = new Option<bool>("--keep-raw-rejects") { Description = "Keep raw identifiers in rejects.parquet (keep it inside the secure environment)." };

        var command = new Command("ingest", "Validate call, subscriber, cell and district files and write the canonical Parquet tables.")
        {
            calls, format, subscribers, cells, districts, geojson, output, map, delimiter, maxRejectRate, maxDuration, keyFile, noPseudonymize, keepRaw, generalReader,
        };
        var engine = CommonOptions.AddEngine(command);
        command.SetBody(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var noKey = parse.GetValue(noPseudonymize);
            using var pseudonymizer = noKey ? null : Pseudonymizer.FromConfiguration(parse.GetValue(keyFile));
            var options = new IngestOptions
            {
                CallFiles = parse.GetValue(calls) ?? [],
                Format = Enum.Parse<CallFormat>(parse.GetValue(format)!, ignoreCase: true),
                SubscribersFile = parse.GetValue(subscribers),
                CellsFile = parse.GetValue(cells),
                DistrictsFile = parse.GetValue(districts),
                GeoJsonFile = parse.GetValue(geojson),
                OutputFolder = parse.GetValue(output)!,
                Map = ColumnMap.Parse(parse.GetValue(map)),
                Delimiter = parse.GetValue(delimiter),
                MaxRejectRate = parse.GetValue(maxRejectRate),
                MaxDurationSeconds = parse.GetValue(maxDuration),
                Pseudonymizer = pseudonymizer,
                KeepIdentifiers = noKey,
                KeepRawRejects = parse.GetValue(keepRaw),
                FastReader = !parse.GetValue(generalReader),
                Engine = engine(parse),
            };
            var report = ConsoleProgress.Run("ingest", error, progress => IngestStage.Run(options, progress));
            Render(report, options.OutputFolder, parse.InvocationConfiguration.Output, error);
            return CliApp.Success;
        });
        return command;
    }

    private static void Render(IngestReport report, string folder, TextWriter output, TextWriter error)
    {
        var table = new Table().AddColumns("file", "table", "read", "accepted", "rejected", "reasons");
        foreach (var file in report.Files)
        {
            table.AddRow(
                Markup.Escape(file.File), file.Table, $"{file.RowsRead:N0}", $"{file.RowsAccepted:N0}", $"{file.RowsRejected:N0}",
                Markup.Escape(string.Join(", ", file.RejectedByReason.Select(r => $"{r.Key} {r.Value:N0}"))));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        console.Write(table);
        console.WriteLine($"Wrote {string.Join(", ", report.TableRows.Select(t => $"{t.Key} {t.Value:N0}"))} to {folder}");
        foreach (var warning in report.Warnings)
        {
            error.WriteLine($"mosaic: warning: {warning}");
        }

        if (report.CellsOutsideDistricts.Count > 0)
        {
            error.WriteLine($"mosaic: warning: {report.CellsOutsideDistricts.Count} cells lie outside every district polygon (listed in ingest_report.json)");
        }
    }
}
