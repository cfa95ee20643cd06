namespace Mosaic.Mitigation;

/// <summary>
/// The size-aware stopping rule: a subproblem stops as <see cref="MobilityExitReason.Stagnated"/>
/// when its (scaled, penalised) objective fell by less than a relative tolerance over the last
/// <c>window</c> objective evaluations. On large problems (500 districts) both steps otherwise
/// spend their whole budget moving the objective in the sixth digit. The rule only looks at
/// values and evaluation counts, so it is deterministic.
/// </summary>
internal sealed class StagnationMonitor(int window, double tolerance)
{
    private readonly List<(int Evaluations, double Value)> history = [];

    /// <summary>True when the rule is off (window 0).</summary>
    public bool Disabled => window <= 0;

    /// <summary>
    /// Records the value after <paramref name="evaluations"/> evaluations and says whether the
    /// decrease since the last record at least <c>window</c> evaluations earlier is below
    /// tolerance × |value|.
    /// </summary>
    public bool Stagnated(int evaluations, double value)
    {
        if (Disabled || !double.IsFinite(value))
        {
            return false;
        }

        history.Add((evaluations, value));
        var reference = -1;
        for (var k = history.Count - 1; k >= 0; k--)
        {
            if (history[k].Evaluations <= evaluations - window)
            {
                reference = k;
                break;
            }
        }

        return reference >= 0 && history[reference].Value - value <= tolerance * Math.Abs(value);
    }
}
