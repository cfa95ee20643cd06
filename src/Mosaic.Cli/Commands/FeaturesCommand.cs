using System.CommandLine;
using System.Globalization;
using Mosaic.Data;
using Mosaic.Features;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic features --data DIR --out RUN</c>: weekly features per subject.</summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder with the canonical Parquet tables.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder; features go to RUN/features/.", Required = true };
        var machine = new Option<int>("--machine-threshold")
        {
            Description = "Exclude subscribers with at least this many interactions in one week (machines, shared phones).",
            DefaultValueFactory = _ => FeatureOptions.DefaultMachineThreshold,
        };
        var start = new Option<string?>("--start") { Description = "Date (yyyy-MM-dd) whose midnight starts week 1; default: the earliest call's date." };
        var weeks = new Option<int?>("--weeks") { Description = "Number of study weeks; default: every week up to the last call." };
        var city = new Option<string>("--city-code")
        {
            Description = "Birthplace code of the study city (locals).",
            DefaultValueFactory = _ => CanonicalTables.DefaultCityCode,
        };
        var threads = new Option<int?>("--threads") { Description = "Worker threads; default: every core." };
        var memory = new Option<string?>("--memory-limit") { Description = "DuckDB memory limit, e.g. 16GB; default: 80% of RAM." };
        var slices = new Option<int?>("--slices")
        {
            Description = "Compute in N subscriber slices one after another (bounded memory; same output); default: chosen from the number of calls and --memory-limit.",
        };
        var force = new Option<bool>("--force") { Description = "Recompute even if the run folder holds features for the same inputs." };
        var partition = new Option<string?>("--partition")
        {
            Description = "K/N: work on partition K (0-based) of a folder written by `mosaic partition`; `mosaic merge` combines the N partial results.",
        };
        var exchange = new Option<bool>("--exchange") { Description = "With --partition: the exchange step (groups and edges other partitions need), run for every K before the features." };

        var command = new Command("features", "Weekly features per subscriber (call behaviour, ego network, demographics of friends, geography).")
        {
            data, output, machine, start, weeks, city, threads, memory, slices, force, partition, exchange,
        };
        command.SetBody(parse =>
        {
            DateTime? startDate = null;
            if (parse.GetValue(start) is { } text)
            {
                if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    throw new MosaicInputException("--start", null, $"'{text}' is not a date in the form yyyy-MM-dd");
                }

                startDate = parsed;
            }

            FeatureOptions options;
            try
            {
                options = new FeatureOptions
                {
                    MachineThreshold = parse.GetValue(machine),
                    Start = startDate,
                    Weeks = parse.GetValue(weeks),
                    CityCode = parse.GetValue(city)!,
                    Engine = new EngineOptions(parse.GetValue(threads), parse.GetValue(memory)),
                    Slices = parse.GetValue(slices),
                    Force = parse.GetValue(force),
                }.Validate();
            }
            catch (ArgumentException e)
            {
                throw new MosaicInputException("command line", null, e.Message);
            }

            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(partition) is { } partitionText)
            {
                return RunPartition(parse, options, ScaleOut.PartitionSpec.Parse(partitionText), parse.GetValue(exchange), parse.GetValue(data)!, parse.GetValue(output)!);
            }

            if (parse.GetValue(exchange))
            {
                throw new MosaicInputException("--exchange", null, "--exchange needs --partition K/N");
            }

            var result = ConsoleProgress.Run("features", error,
                progress => FeatureStage.Run(options, parse.GetValue(data)!, parse.GetValue(output)!, progress));
            var report = result.Report;
            var outText = parse.InvocationConfiguration.Output;
            outText.WriteLine(report.ExitReason == FeatureExitReason.Reused
                ? $"features: reused {result.FeaturesPath} (inputs and parameters unchanged; --force recomputes)"
                : $"features: wrote {result.FeaturesPath}");
            outText.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {report.Rows} subject-weeks, {report.Subjects} subjects ({string.Join(", ", report.SubjectsByGroup.Select(g => $"{g.Key} {g.Value}"))}), {report.Weeks} weeks from {report.StudyStart:yyyy-MM-dd}"));
            outText.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {report.MachinesExcluded} subscribers excluded as machines ({report.MachineRule})"));
            return CliApp.Success;
        });
        return command;
    }

    private static int RunPartition(ParseResult parse, FeatureOptions options, ScaleOut.PartitionSpec spec, bool exchange, string data, string run)
    {
        var error = parse.InvocationConfiguration.Error;
        var outText = parse.InvocationConfiguration.Output;
        if (exchange)
        {
            var study = ConsoleProgress.Run("features exchange", error, progress => FeaturePartitions.Exchange(options, data, run, spec, progress));
            outText.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"features exchange {spec}: wrote {FeaturePartitions.Folder(run, spec.Index)} ({study.Weeks} weeks from {study.Start:yyyy-MM-dd})"));
        }
        else
        {
            var counts = ConsoleProgress.Run("features", error, progress => FeaturePartitions.Compute(options.Engine, data, run, spec, progress, options.Slices));
            outText.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"features {spec}: wrote {FeaturePartitions.Folder(run, spec.Index)} ({counts.CallsInStudy} owned calls in the study, {counts.Seconds:F1} s)"));
        }

        return CliApp.Success;
    }
}
