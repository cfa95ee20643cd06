using System.CommandLine;

namespace Mosaic.Cli.Commands;

/// <summary>Every verb of <c>mosaic</c>, in the order <c>--help</c> lists them.</summary>
internal static class Verbs
{
    public static IEnumerable<Command> All() =>
    [
        IngestCommand.Create(),
        ReportCommand.Create(),
    ];
}
