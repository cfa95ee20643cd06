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
}
