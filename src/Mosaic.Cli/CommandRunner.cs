using System.CommandLine;
using DuckDB.NET.Data;

namespace Mosaic.Cli;

/// <summary>
/// Runs a verb's body and maps what it throws to an exit code and one clear message on standard
/// error: never a stack trace (set MOSAIC_DEBUG=1 to see one), never a subscriber identifier.
/// </summary>
internal static class CommandRunner
{
    public static void SetBody(this Command command, Func<ParseResult, int> body) =>
        command.SetAction(parse => Guard(parse.InvocationConfiguration.Error, () => body(parse)));

    public static int Guard(TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (MosaicInputException e)
        {
            error.WriteLine($"mosaic: {e.Message}");
            Debug(error, e);
            return CliApp.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mosaic: {e.Message}");
            Debug(error, e);
            return IsOutOfSpace(e) ? CliApp.Failure : CliApp.BadInput;
        }
        catch (DuckDBException e)
        {
            // DuckDB messages name files and columns, not row values, for the statements Mosaic runs.
            error.WriteLine($"mosaic: the data engine failed: {FirstLine(e.Message)}");
            Debug(error, e);
            return CliApp.Failure;
        }
        catch (OutOfMemoryException e)
        {
            error.WriteLine("mosaic: out of memory; lower --threads, set --memory-limit, or use a machine with more memory.");
            Debug(error, e);
            return CliApp.Failure;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("mosaic: cancelled");
            return CliApp.Failure;
        }
#pragma warning disable CA1031 // The CLI's last line of defence: report, do not crash with a trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error.WriteLine($"mosaic: internal error ({e.GetType().Name}): {FirstLine(e.Message)}");
            error.WriteLine("This is a bug in Mosaic; please report it. Set MOSAIC_DEBUG=1 for details.");
            Debug(error, e);
            return CliApp.Failure;
        }
    }

    private static bool IsOutOfSpace(Exception e) =>
        e.HResult == 28 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static void Debug(TextWriter error, Exception e)
    {
        if (Environment.GetEnvironmentVariable("MOSAIC_DEBUG") == "1")
        {
            error.WriteLine(e.ToString());
        }
    }
}
