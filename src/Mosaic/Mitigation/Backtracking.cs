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

    /// <summary>
    /// The face polishes' projected search (L-BFGS, <see cref="FaceQuasiNewton"/> and
    /// <see cref="CompactFaceQuasiNewton"/>): α = 1 first, then safeguarded quadratic interpolation
    /// on the value, accepting the first trial whose value falls by at least γ times the
    /// first-order decrease gᵀ(trial − x) that <paramref name="trialAt"/> returns. Stops below
    /// α = 10⁻¹⁴ or when <paramref name="evaluations"/> reaches <paramref name="maxEvaluations"/>.
    /// On acceptance <paramref name="trial"/> and <paramref name="gTrial"/> hold the point and its
    /// gradient (evaluated afterwards for a shortened step, even past the budget).
    /// </summary>
    public static (bool Accepted, double Value) SearchInterpolated(
        Func<double, double> trialAt,
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        double[] trial,
        double[] gTrial,
        double f,
        double slope,
        double gamma,
        ref int evaluations,
        int maxEvaluations)
    {
        var alpha = 1.0;
        while (true)
        {
            var decreaseBound = trialAt(alpha);
            double fTrial;
            if (decreaseBound < 0)
            {
                // The first trial is accepted almost always: evaluate it with its gradient.
                var haveGradient = alpha == 1.0;
                fTrial = haveGradient ? valueAndGradient(trial, gTrial) : value(trial);
                evaluations++;
                if (fTrial <= f + (gamma * decreaseBound))
                {
                    if (!haveGradient)
                    {
                        fTrial = valueAndGradient(trial, gTrial);
                        evaluations++;
                    }

                    return (true, fTrial);
                }
            }
            else
            {
                fTrial = double.PositiveInfinity;
            }

            if (alpha < 1e-14 || evaluations >= maxEvaluations)
            {
                return (false, f);
            }

            var denominator = 2 * (fTrial - f - (alpha * slope));
            var next = double.IsFinite(fTrial) && denominator > 0 ? -slope * alpha * alpha / denominator : alpha / 2;
            alpha = next >= 0.1 * alpha && next <= 0.9 * alpha ? next : alpha / 2;
        }
    }
}
