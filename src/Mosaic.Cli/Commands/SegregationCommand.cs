using System.CommandLine;
using System.Globalization;
using Mosaic.Data;
using Mosaic.Segregation;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic segregation --data DIR --out RUN [--alpha 0.01]</c>.</summary>
internal static class SegregationCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder of canonical Parquet tables.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder; outputs go to RUN/segregation/.", Required = true };
        var alpha = new Option<double>("--alpha") { Description = "Significance level: a district is segregated when p < alpha.", DefaultValueFactory = _ => SegregationOptions.DefaultAlpha };
        var unknown = new Option<UnknownStatusPolicy>("--unknown-status") { Description = "Count parties of unknown refugee status as hosts (the paper's T) or exclude them.", DefaultValueFactory = _ => UnknownStatusPolicy.Host };
        var texts = new Option<bool>("--include-texts") { Description = "Count texts as well as calls." };
        var populations = new Option<PopulationSource>("--populations") { Description = "Refugee/host populations: districts table, home locations, or auto.", DefaultValueFactory = _ => PopulationSource.Auto };
        var calls = new Option<CallSource>("--calls") { Description = "Call matrices from calls, D4R site traffic, or auto.", DefaultValueFactory = _ => CallSource.Auto };
        var k = new Option<int>("--k") { Description = "Suppress published numbers describing fewer than k subscribers (0 disables).", DefaultValueFactory = _ => SegregationOptions.DefaultMinSubscribers };
        var city = new Option<string>("--city-code") { Description = "Birthplace code of the study city (locals).", DefaultValueFactory = _ => CanonicalTables.DefaultCityCode };
        var threads = new Option<int?>("--threads") { Description = "DuckDB worker threads (default: all cores)." };
        var memory = new Option<string?>("--memory-limit") { Description = "DuckDB memory limit, e.g. 8GB." };
        var partition = new Option<string?>("--partition")
        {
            Description = "K/N: count partition K (0-based) of a folder written by `mosaic partition`; `mosaic merge` combines the N partial results.",
        };
        var exchange = new Option<bool>("--exchange") { Description = "With --partition: the exchange step (statuses and homes other partitions need), run for every K first." };

        var command = new Command("segregation", "Behavioural segregation: district call matrices, chi-square tests per district, segregation indices.")
        {
            data, output, alpha, unknown, texts, populations, calls, k, city, threads, memory, partition, exchange,
        };
        command.SetBody(parse =>
        {
            var options = new SegregationOptions
            {
                Alpha = parse.GetValue(alpha),
                UnknownStatus = parse.GetValue(unknown),
                IncludeTexts = parse.GetValue(texts),
                Populations = parse.GetValue(populations),
                Calls = parse.GetValue(calls),
                MinSubscribers = parse.GetValue(k),
                CityCode = parse.GetValue(city)!,
                Engine = new EngineOptions(parse.GetValue(threads), parse.GetValue(memory)),
            };
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(partition) is { } partitionText)
            {
                var spec = ScaleOut.PartitionSpec.Parse(partitionText);
                var (pdir, run) = (parse.GetValue(data)!, parse.GetValue(output)!);
                var message = parse.GetValue(exchange)
                    ? string.Create(CultureInfo.InvariantCulture, $"segregation exchange {spec}: {ConsoleProgress.Run("segregation exchange", error, progress => SegregationPartitions.Exchange(options, pdir, run, spec, progress))} homes written")
                    : string.Create(CultureInfo.InvariantCulture, $"segregation {spec}: {ConsoleProgress.Run("segregation", error, progress => SegregationPartitions.Compute(options, pdir, run, spec, progress))} owned calls counted");
                parse.InvocationConfiguration.Output.WriteLine($"{message} in {SegregationPartitions.Folder(run, spec.Index)}");
                return CliApp.Success;
            }

            if (parse.GetValue(exchange))
            {
                throw new MosaicInputException("--exchange", null, "--exchange needs --partition K/N");
            }

            var result = ConsoleProgress.Run("segregation", error, progress =>
                SegregationStage.Run(options, parse.GetValue(data)!, parse.GetValue(output)!, progress));
            var outWriter = parse.InvocationConfiguration.Output;
            outWriter.WriteLine($"segregation: {result.OutputFolder}");
            outWriter.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  calls used {result.Counts.GetValueOrDefault("calls_used"):N0} of {result.Counts.GetValueOrDefault("calls_read"):N0} ({result.CallSourceUsed}); populations from {result.PopulationSourceUsed}"));
            foreach (var comparison in new[] { SegregationStage.RtVsTt, SegregationStage.RrVsTt })
            {
                if (result.Counts.TryGetValue($"testable_{comparison}", out var testable) && testable > 0)
                {
                    outWriter.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {comparison}: {result.Counts[$"segregated_{comparison}"]} of {testable} districts segregated (p < {options.Alpha})"));
                }
            }

            if (result.Indices.Dissimilarity.TryGetValue("from_populations", out var di))
            {
                outWriter.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dissimilarity index (populations) {di:F3}"));
            }

            return CliApp.Success;
        });
        return command;
    }
}
