using System.Diagnostics;
using System.Globalization;

namespace Mosaic.Mitigation;

/// <summary>
/// Opt-in progress trace of the optimiser for profiling (no dotnet-trace on the benchmark
/// machine): with the environment variable MOSAIC_TRACE=1 every subproblem round (projected-gradient
/// burst and polish) and the end of every augmented-Lagrangian step are written to standard error
/// with evaluations, objective, and the time spent inside objective evaluations. Off, it costs a
/// flag test per round; it never changes a result.
/// </summary>
internal sealed class MitigationTrace
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Stopwatch inObjective = new();
    private readonly string label;
    private int values;
    private int gradients;

    private MitigationTrace(string label) => this.label = label;

    /// <summary>True when MOSAIC_TRACE=1 was set at start-up.</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("MOSAIC_TRACE") == "1";

    /// <summary>A trace for one step, or null when tracing is off.</summary>
    public static MitigationTrace? Start(string label) => Enabled ? new MitigationTrace(label) : null;

    /// <summary>Wraps the value function so that its calls and time are counted.</summary>
    public Func<double[], double> Count(Func<double[], double> value) => point =>
    {
        values++;
        inObjective.Start();
        var f = value(point);
        inObjective.Stop();
        return f;
    };

    /// <summary>Wraps the value-and-gradient function so that its calls and time are counted.</summary>
    public Func<double[], double[], double> Count(Func<double[], double[], double> valueAndGradient) => (point, gradient) =>
    {
        gradients++;
        inObjective.Start();
        var f = valueAndGradient(point, gradient);
        inObjective.Stop();
        return f;
    };

    /// <summary>Writes one line: the label, the counts so far and <paramref name="message"/>.</summary>
    public void Write(string message)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"[trace {label}] {clock.Elapsed.TotalSeconds:F3} s (objective {inObjective.Elapsed.TotalSeconds:F3} s; {values} values, {gradients} gradients) {message}");
        Console.Error.WriteLine(line);
    }
}
