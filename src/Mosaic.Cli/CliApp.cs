using System.CommandLine;
using Mosaic.Cli.Commands;

namespace Mosaic.Cli;

/// <summary>
/// The <c>mosaic</c> command: parses, calls the library, renders. Exit codes: 0 success,
/// 1 failure, 2 bad input or usage.
/// </summary>
internal static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "Mosaic: migrant integration, behavioural segregation and its mitigation, from phone metadata (CDRs).");
        foreach (var command in Verbs.All())
        {
            root.Add(command);
        }

        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                error.WriteLine($"mosaic: {problem.Message}");
            }

            error.WriteLine("Run 'mosaic --help' or 'mosaic <command> --help' for usage.");
            return BadInput;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        return parse.Invoke(configuration);
    }
}
