using System.CommandLine;

namespace Mosaic.Cli.Commands;

/// <summary>Every verb of <c>mosaic</c>, in the order <c>--help</c> lists them.</summary>
internal static class Verbs
{
    public static IEnumerable<Command> All() =>
    [
        RunCommand.Create(),
        SimulateCommand.Create(),
        IngestCommand.Create(),
        FeaturesCommand.Create(),
        PartitionCommand.Create(),
        MergeCommand.Create(),
        ClusterCommand.Create(),
        SegregationCommand.Create(),
        IndicesCommand.Create(),
        IntegrationCommand.Create(),
        ExportCommand.Create(),
        IndicatorsCommand.Create(),
        MitigateCommand.Create(),
        ReportCommand.Create(),
    ];
}
