namespace Mosaic.Mitigation;

/// <summary>How one minimisation ended.</summary>
public enum MobilityExitReason
{
    /// <summary>The projected-gradient norm fell below the tolerance and the constraints hold.</summary>
    Converged,

    /// <summary>The iteration limit was reached first: the result is feasible but may not be optimal.</summary>
    IterationLimit,

    /// <summary>The line search could not decrease the objective any further (numerical floor).</summary>
    Stalled,

    /// <summary>
    /// The objective fell by less than <see cref="MobilityOptions.StagnationTolerance"/> (relative)
    /// over the last <see cref="MobilityOptions.StagnationWindow"/> evaluations: feasible, not proven optimal.
    /// </summary>
    Stagnated,
}

/// <summary>Outcome of one <see cref="SpectralProjectedGradient"/> run.</summary>
internal readonly record struct SpgOutcome(int Iterations, double Value, double ProjectedGradientNorm, MobilityExitReason Reason);

/// <summary>
/// The spectral projected gradient method (Birgin, Martínez and Raydan 2000, algorithm SPG2):
/// Barzilai–Borwein step lengths, a nonmonotone Armijo line search against the largest of the
/// last few objective values, safeguarded quadratic backtracking. The feasible set is given by
/// its exact projection.
/// </summary>
internal static class SpectralProjectedGradient
{
    private const double Gamma = 1e-4;
    private const double StepMin = 1e-30;
    private const double StepMax = 1e30;
    private const int CheckEvery = 5;

    /// <summary>Minimises from <paramref name="x"/> (projected first), overwriting it with the result.</summary>
    public static SpgOutcome Minimize(
        Func<double[], double> value,
        Func<double[], double[], double> valueAndGradient,
        Action<double[]> project,
        double[] x,
        double tolerance,
        int maxIterations,
        int memory)
    {
        var size = x.Length;
        var g = new double[size];
        var trial = new double[size];
        var gTrial = new double[size];
        var direction = new double[size];
        project(x);
        var f = valueAndGradient(x, g);
        var history = new double[Math.Max(1, memory)];
        Array.Fill(history, double.NegativeInfinity);
        history[0] = f;

        var pgNorm = ProjectedGradientNorm(x, g, trial, project);
        var step = pgNorm > 0 ? Math.Clamp(1 / pgNorm, StepMin, StepMax) : 1;
        var iteration = 0;
        var stalls = 0;
        while (true)
        {
            if (pgNorm <= tolerance)
            {
                return new SpgOutcome(iteration, f, pgNorm, MobilityExitReason.Converged);
            }

            if (iteration >= maxIterations)
            {
                return new SpgOutcome(iteration, f, pgNorm, MobilityExitReason.IterationLimit);
            }

            iteration++;
            for (var k = 0; k < size; k++)
            {
                direction[k] = x[k] - (step * g[k]);
            }

            project(direction);
            double slope = 0;
            for (var k = 0; k < size; k++)
            {
                direction[k] -= x[k];
                slope += direction[k] * g[k];
            }

            var reference = history.Max();
            var alpha = 1.0;
            double fTrial;

            // The full step is accepted almost always after a Barzilai–Borwein step, so its
            // gradient is computed with its value (one forward pass instead of two); backtracked
            // trials use the value alone.
            var haveGradient = true;
            while (true)
            {
                for (var k = 0; k < size; k++)
                {
                    trial[k] = x[k] + (alpha * direction[k]);
                }

                if (alpha == 1.0)
                {
                    fTrial = valueAndGradient(trial, gTrial);
                }
                else
                {
                    fTrial = value(trial);
                    haveGradient = false;
                }

                if (fTrial <= reference + (Gamma * alpha * slope) || alpha < 1e-12)
                {
                    break;
                }

                // Safeguarded quadratic interpolation along the segment.
                var denominator = 2 * (fTrial - f - (alpha * slope));
                var next = denominator > 0 ? -slope * alpha * alpha / denominator : alpha / 2;
                alpha = next >= 0.1 * alpha && next <= 0.9 * alpha ? next : alpha / 2;
            }

            if (!(fTrial <= reference + (Gamma * alpha * slope)) || slope >= 0)
            {
                // No admissible decrease along the projected direction: a numerical floor.

                if (++stalls >= 3)
                {
                    return new SpgOutcome(iteration, f, pgNorm, MobilityExitReason.Stalled);
                }

                step = Math.Clamp(step / 10, StepMin, StepMax);
                continue;
            }

            stalls = 0;

            if (!haveGradient)
            {
                fTrial = valueAndGradient(trial, gTrial);
            }

            double ss = 0, sy = 0;
            for (var k = 0; k < size; k++)
            {
                var s = trial[k] - x[k];
                var y = gTrial[k] - g[k];
                ss += s * s;
                sy += s * y;
            }

            // Barzilai–Borwein: sᵀs/sᵀy; negative curvature along s allows the longest step.
            step = sy <= 0 ? StepMax : Math.Clamp(ss / sy, StepMin, StepMax);
            Array.Copy(trial, x, size);
            Array.Copy(gTrial, g, size);
            f = fTrial;
            history[iteration % history.Length] = f;

            // The stationarity test costs a full projection, as much as the step itself; checking
            // every few iterations (and before the limit) delays a stop by at most CheckEvery − 1
            // iterations and keeps the run deterministic.
            if (iteration % CheckEvery == 0 || iteration >= maxIterations)
            {
                pgNorm = ProjectedGradientNorm(x, g, trial, project);
            }
        }
    }

    /// <summary>‖P(x − g) − x‖_∞, the first-order stationarity measure on the feasible set.</summary>
    private static double ProjectedGradientNorm(double[] x, double[] g, double[] scratch, Action<double[]> project)
    {
        for (var k = 0; k < x.Length; k++)
        {
            scratch[k] = x[k] - g[k];
        }

        project(scratch);
        double norm = 0;
        for (var k = 0; k < x.Length; k++)
        {
            norm = Math.Max(norm, Math.Abs(scratch[k] - x[k]));
        }

        return norm;
    }
}
