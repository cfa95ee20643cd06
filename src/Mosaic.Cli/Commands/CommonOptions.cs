using System.CommandLine;
using Mosaic.Data;

namespace Mosaic.Cli.Commands;

/// <summary>Options several verbs share, defined once so that their names and help never drift.</summary>
internal static class CommonOptions
{
    public static Option<int?> Threads() => new("--threads") { Description = "Worker threads for the data engine (default: all cores)." };

    public static Option<string?> MemoryLimit() => new("--memory-limit") { Description = "Memory the data engine may use, e.g. 8GB (default: 80% of RAM)." };

    public static Option<string?> TempDir() => new("--temp-dir") { Description = "Where the data engine spills when memory is short (default: system temp)." };

    /// <summary>Adds the engine options to a command and returns a reader for them.</summary>
    public static Func<ParseResult, EngineOptions> AddEngine(Command command)
    {
        var threads = Threads();
        var memory = MemoryLimit();
        var temp = TempDir();
        command.Add(threads);
        command.Add(memory);
        command.Add(temp);
        return parse => new EngineOptions(parse.GetValue(threads), parse.GetValue(memory), parse.GetValue(temp));
    }
}
