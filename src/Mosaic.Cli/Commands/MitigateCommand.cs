using System.CommandLine;
using System.Globalization;
using Mosaic.Mitigation;

namespace Mosaic.Cli.Commands;

/// <summary><c>mosaic mitigate</c>: the mobility matrix, the DI baseline, the Pareto front and the rent bill.</summary>
internal static class MitigateCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data folder (its districts table gives population and monthly rent).", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder: reads segregation/, writes mitigation/.", Required = true };
        var cap = new Option<double>("--cap") { Description = "Largest refugee share of any district after the move.", DefaultValueFactory = _ => 0.10 };
        var network = new Option<string>("--network") { Description = "Network to optimise: RT, RR or both.", DefaultValueFactory = _ => "both" };
        network.AcceptOnlyFromAmong("RT", "RR", "both");
        var converge = new Option<bool>("--converge")
        {
            Description = "Continue step 2 by projected Newton until the KKT residual is within tolerance "
                + "(or 200,000 evaluations): no worse than IPOPT at 30-40 districts, where the default is up to 41% above, "
                + "but about 5 times the CPU time (about 14 CPU-s instead of 2.6 at 39 districts).",
        };
        var command = new Command("mitigate", "Relocation plan that makes refugees' call patterns like the hosts' (RUN/mitigation/).")
        {
            data, output, cap, network, converge,
        };
        command.SetBody(parse =>
        {
            var chosen = parse.GetValue(network) switch
            {
                "RT" => new[] { MitigationNetwork.RT },
                "RR" => [MitigationNetwork.RR],
                _ => [MitigationNetwork.RT, MitigationNetwork.RR],
            };
            var options = new MitigationOptions
            {
                DataFolder = parse.GetValue(data)!,
                RunFolder = parse.GetValue(output)!,
                Cap = parse.GetValue(cap),
                Networks = chosen,
            };
            if (parse.GetValue(converge))
            {
                options = options with { Optimizer = options.Optimizer with { ConvergeStep2 = true } };
            }

            var error = parse.InvocationConfiguration.Error;
            var result = ConsoleProgress.Run("mitigate", error, progress => MitigationStage.Run(options, progress));
            var writer = parse.InvocationConfiguration.Output;
            foreach (var s in result.Summaries)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Network}: relocated {s.Relocated:F0} ({s.RelocatedShare:P1}); segregated districts {s.SegregatedBefore} → {s.SegregatedAfter} of {result.Districts}; DI {s.DiBefore:P1} → {s.DiAfter:P1}; {s.Iterations} iterations, {s.ExitReasonStep2}, max violation {s.MaxViolation:G2}"));
            }

            writer.WriteLine($"wrote {result.OutputFolder}");
            return CliApp.Success;
        });
        return command;
    }
}
