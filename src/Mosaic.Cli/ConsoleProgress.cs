using Mosaic.Runs;
using Spectre.Console;

namespace Mosaic.Cli;

/// <summary>
/// Renders <see cref="StageProgress"/>: a live bar on an interactive terminal, plain timestamped
/// lines on standard error otherwise (logs, CI, pipes).
/// </summary>
internal static class ConsoleProgress
{
    public static bool Interactive =>
        !Console.IsErrorRedirected && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null;

    /// <summary>Runs <paramref name="work"/> with a progress sink for a stage called <paramref name="stage"/>.</summary>
    public static T Run<T>(string stage, TextWriter error, Func<IProgress<StageProgress>, T> work)
    {
        if (!Interactive)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            return work(new PlainLines(stage, error, started));
        }

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(stage, maxValue: 1.0);
                result = work(new LiveBar(stage, task));
                task.Value = 1.0;
                task.StopTask();
            });
        return result;
    }

    private sealed class PlainLines(string stage, TextWriter error, System.Diagnostics.Stopwatch clock) : IProgress<StageProgress>
    {
        private string? lastStep;
        private int lastDecile = -1;

        private readonly Lock gate = new();

        public void Report(StageProgress value)
        {
            // Stages may report from worker threads; lines must not interleave.
            lock (gate)
            {
                var decile = value.Fraction is double f ? (int)Math.Floor(f * 10) : -1;
                if (value.Step == lastStep && decile == lastDecile)
                {
                    return;
                }

                lastStep = value.Step;
                lastDecile = decile;
                var percent = value.Fraction is double g ? $" {g:P0}" : "";
                error.WriteLine($"[{clock.Elapsed.TotalSeconds,7:F1}s] {stage}: {value.Step}{percent}");
            }
        }
    }

    private sealed class LiveBar(string stage, ProgressTask task) : IProgress<StageProgress>
    {
        public void Report(StageProgress value)
        {
            task.Description = $"{stage}: {Markup.Escape(value.Step)}";
            if (value.Fraction is double f)
            {
                task.Value = Math.Clamp(f, 0, 1);
            }
        }
    }
}
