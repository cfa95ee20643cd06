namespace Mosaic.Mitigation;

/// <summary>
/// The Armijo backtracking search of the Newton methods: α = 1, ½, ¼, … along a projected path,
/// accepting the first trial whose value falls by at least γ times the first-order decrease
/// gᵀ(trial − x) it promises. The full step (usually the accepted one) is evaluated with its
/// gradient at once; a shorter accepted step gets its gradient afterwards.
/// </summary>
internal static class Backtracking
{
    /// <summary>
    /// Searches from α = 1 down to <paramref name="smallest"/> with at most
    /// <paramref name="budget"/> trial evaluations. <paramref name="trialAt"/> writes the trial point
    /// for α into <paramref name="trial"/> and returns its first-order decrease. On acceptance
    /// <paramref name="trial"/> and <paramref name="gTrial"/> hold the point and its gradient.
    /// </summary>
    public static (bool Accepted, double Value, double Alpha, int Evaluations) Search(
        Func<double, double> trialAt,
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] trial,
        double[] gTrial,
        double f,
        double gamma,
        double smallest,
        int budget)
    {
        var evaluations = 0;
        for (var alpha = 1.0; alpha >= smallest && evaluations < budget; alpha /= 2)
        {
            var decrease = trialAt(alpha);
            if (decrease < 0)
            {
                var haveGradient = alpha == 1.0;
                var fTrial = haveGradient ? valueAndGradient(trial, gTrial) : value(trial);
                evaluations++;
                if (fTrial <= f + (gamma * decrease))
                {
                    if (!haveGradient)
                    {
                        fTrial = valueAndGradient(trial, gTrial);
                        evaluations++;
                    }

                    return (true, fTrial, alpha, evaluations);
                }
            }
        }

        return (false, f, 0, evaluations);
    }
}
