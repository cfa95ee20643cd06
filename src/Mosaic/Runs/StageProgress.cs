namespace Mosaic.Runs;

/// <summary>
/// A progress update from a long stage. Library code reports through
/// <see cref="IProgress{T}"/>; the CLI renders bars on a terminal and plain lines otherwise.
/// </summary>
/// <param name="Step">What is being done now (no subscriber data in it).</param>
/// <param name="Fraction">Completed fraction of the step in [0, 1], when known.</param>
public readonly record struct StageProgress(string Step, double? Fraction = null);

/// <summary>Helpers for optional progress sinks.</summary>
public static class ProgressExtensions
{
    /// <summary>Reports a step if a sink is present.</summary>
    public static void Step(this IProgress<StageProgress>? progress, string step, double? fraction = null) =>
        progress?.Report(new StageProgress(step, fraction));

    /// <summary>
    /// A sink for the fraction of one step that reports synchronously on the caller's thread.
    /// (<see cref="Progress{T}"/> would post to the thread pool, so a late update could reach a
    /// console writer after the command has finished and closed it.)
    /// </summary>
    public static IProgress<double>? Fractions(this IProgress<StageProgress>? progress, string step) =>
        progress is null ? null : new Synchronous<double>(f => progress.Report(new StageProgress(step, f)));

    private sealed class Synchronous<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
