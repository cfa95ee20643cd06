namespace Mosaic.Integration;

/// <summary>Why a logistic-regression fit stopped.</summary>
public enum FitExit
{
    /// <summary>The largest gradient component fell below the tolerance.</summary>
    Converged,

    /// <summary>The iteration limit was reached first: the coefficients are not optimal.</summary>
    IterationLimit,

    /// <summary>
    /// No step along the Newton direction lowered the objective any more (rounding floor);
    /// the gradient at exit is reported so a reader can judge.
    /// </summary>
    Stalled,
}

/// <summary>A fitted binary logistic model on standardised features, with its diagnostics.</summary>
/// <param name="Intercept">b, unpenalised.</param>
/// <param name="Coefficients">β, one per column of the design matrix.</param>
/// <param name="Lambda">The L2 penalty used.</param>
/// <param name="Iterations">Newton iterations taken.</param>
/// <param name="Exit">Why the solver stopped.</param>
/// <param name="Objective">Final value of (1/n)·Σ sᵢℓᵢ + (λ/2)‖β‖².</param>
/// <param name="GradientNorm">Largest absolute gradient component at exit.</param>
internal sealed record LogisticFit(
    double Intercept, double[] Coefficients, double Lambda, int Iterations, FitExit Exit, double Objective, double GradientNorm)
{
    /// <summary>η = b + xᵀβ for every row of <paramref name="x"/>.</summary>
    public double[] DecisionFunction(ColumnMatrix x)
    {
        var eta = new double[x.Rows];
        Array.Fill(eta, Intercept);
        for (var j = 0; j < Coefficients.Length; j++)
        {
            Kernels.Axpy(Coefficients[j], x.ColumnReadOnly(j), eta);
        }

        return eta;
    }
}

/// <summary>
/// L2-regularised binary logistic regression by Newton's method (iteratively reweighted least
/// squares) with a backtracking line search. The objective is
/// F(b, β) = (1/n)·Σᵢ sᵢ·[log(1 + e^{ηᵢ}) − yᵢηᵢ] + (λ/2)·‖β‖², ηᵢ = b + xᵢᵀβ, with n the number of
/// rows and sᵢ the sample (class) weights; the intercept is not penalised. Multiplying F by
/// 1/λ gives scikit-learn's ½‖β‖² + C·Σᵢ sᵢℓᵢ with C = 1/(n·λ), so both have the same minimiser.
/// </summary>
/// <remarks>
/// Newton is the right tool here: at most a few dozen standardised features, so the (p+1)² Hessian
/// is tiny and quadratic convergence reaches a gradient of 1e-10 in a handful of iterations;
/// the cost is the XᵀWX product, computed in row blocks that stay in cache.
/// </remarks>
internal static class LogisticRegression
{
    private const int Block = 1024;

    /// <summary>C of scikit-learn's LogisticRegression equal to <paramref name="lambda"/> for <paramref name="rows"/> training rows.</summary>
    public static double SklearnC(double lambda, int rows) => 1.0 / (rows * lambda);

    public static LogisticFit Fit(
        ColumnMatrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> weights, double lambda,
        int maxIterations, double tolerance, LogisticFit? warmStart = null)
    {
        var n = x.Rows;
        var p = x.Columns;
        if (y.Length != n || weights.Length != n)
        {
            throw new ArgumentException("labels and weights must have one entry per row");
        }

        if (n == 0)
        {
            throw new ArgumentException("cannot fit a model on zero rows", nameof(x));
        }

        var beta = warmStart is null ? new double[p] : (double[])warmStart.Coefficients.Clone();
        var b = warmStart?.Intercept ?? 0.0;
        var eta = new double[n];
        var residual = new double[n];
        var curvature = new double[n];
        var gradient = new double[p + 1];
        var hessian = new double[(p + 1) * (p + 1)];
        var step = new double[p + 1];
        var trialBeta = new double[p];
        var trialEta = new double[n];
        var scratch = new double[p * Block];
        var invN = 1.0 / n;

        ComputeEta(x, beta, b, eta);
        var objective = Objective(eta, y, weights, beta, lambda, invN);
        var iterations = 0;
        var exit = FitExit.IterationLimit;
        double gradientNorm;
        while (true)
        {
            // Residuals and IRLS weights at the current point.
            for (var i = 0; i < n; i++)
            {
                var prob = Sigmoid(eta[i]);
                residual[i] = weights[i] * (prob - y[i]) * invN;
                curvature[i] = weights[i] * prob * (1 - prob) * invN;
            }

            for (var j = 0; j < p; j++)
            {
                gradient[j] = Kernels.Dot(x.ColumnReadOnly(j), residual) + (lambda * beta[j]);
            }

            gradient[p] = Kernels.Sum(residual);
            gradientNorm = gradient.Max(Math.Abs);
            if (gradientNorm <= tolerance)
            {
                exit = FitExit.Converged;
                break;
            }

            if (iterations >= maxIterations)
            {
                exit = FitExit.IterationLimit;
                break;
            }

            Hessian(x, curvature, lambda, hessian, scratch);
            for (var j = 0; j <= p; j++)
            {
                step[j] = -gradient[j];
            }

            CholeskySolve(hessian, p + 1, step);
            iterations++;

            // Backtracking (Armijo) keeps Newton monotone when the data are nearly separable.
            var slope = 0.0;
            for (var j = 0; j <= p; j++)
            {
                slope += gradient[j] * step[j];
            }

            var t = 1.0;
            var accepted = false;
            for (var halving = 0; halving < 50; halving++)
            {
                for (var j = 0; j < p; j++)
                {
                    trialBeta[j] = beta[j] + (t * step[j]);
                }

                var trialB = b + (t * step[p]);
                ComputeEta(x, trialBeta, trialB, trialEta);
                var trial = Objective(trialEta, y, weights, trialBeta, lambda, invN);
                // The relative allowance lets the last, rounding-level Newton steps through, where
                // the decrease (~‖g‖²) is below what a double can resolve in F.
                if (trial <= objective + (1e-4 * t * slope) + (1e-14 * Math.Abs(objective)))
                {
                    Array.Copy(trialBeta, beta, p);
                    b = trialB;
                    Array.Copy(trialEta, eta, n);
                    objective = trial;
                    accepted = true;
                    break;
                }

                t *= 0.5;
            }

            if (!accepted)
            {
                exit = FitExit.Stalled;
                break;
            }
        }

        return new LogisticFit(b, beta, lambda, iterations, exit, objective, gradientNorm);
    }

    /// <summary>Weighted mean log-loss Σ sᵢℓᵢ / Σ sᵢ of a fit on other rows (the cross-validation score).</summary>
    public static double WeightedLogLoss(ReadOnlySpan<double> eta, ReadOnlySpan<double> y, ReadOnlySpan<double> weights)
    {
        double loss = 0, total = 0;
        for (var i = 0; i < eta.Length; i++)
        {
            loss += weights[i] * (Softplus(eta[i]) - (y[i] * eta[i]));
            total += weights[i];
        }

        return total > 0 ? loss / total : double.NaN;
    }

    /// <summary>1/(1 + e^{−η}), without overflow.</summary>
    public static double Sigmoid(double eta) =>
        eta >= 0 ? 1.0 / (1.0 + Math.Exp(-eta)) : Math.Exp(eta) / (1.0 + Math.Exp(eta));

    /// <summary>log(1 + e^η), without overflow or cancellation.</summary>
    public static double Softplus(double eta) =>
        eta > 0 ? eta + Math.Log(1 + Math.Exp(-eta)) : Math.Log(1 + Math.Exp(eta));

    private static void ComputeEta(ColumnMatrix x, double[] beta, double b, double[] eta)
    {
        Array.Fill(eta, b);
        for (var j = 0; j < beta.Length; j++)
        {
            if (beta[j] != 0)
            {
                Kernels.Axpy(beta[j], x.ColumnReadOnly(j), eta);
            }
        }
    }

    private static double Objective(double[] eta, ReadOnlySpan<double> y, ReadOnlySpan<double> weights, double[] beta, double lambda, double invN)
    {
        var loss = 0.0;
        for (var i = 0; i < eta.Length; i++)
        {
            loss += weights[i] * (Softplus(eta[i]) - (y[i] * eta[i]));
        }

        var penalty = 0.0;
        foreach (var v in beta)
        {
            penalty += v * v;
        }

        return (loss * invN) + (0.5 * lambda * penalty);
    }

    /// <summary>
    /// H = XᵀWX + λI (on β) with the intercept as the last row/column, built in row blocks so
    /// the p weighted columns of a block stay in cache while every pair is dotted.
    /// </summary>
    private static void Hessian(ColumnMatrix x, double[] curvature, double lambda, double[] hessian, double[] scratch)
    {
        var n = x.Rows;
        var p = x.Columns;
        var size = p + 1;
        Array.Clear(hessian);
        for (var start = 0; start < n; start += Block)
        {
            var length = Math.Min(Block, n - start);
            var w = curvature.AsSpan(start, length);
            for (var j = 0; j < p; j++)
            {
                Kernels.Multiply(x.ColumnReadOnly(j).Slice(start, length), w, scratch.AsSpan(j * Block, length));
            }

            for (var j = 0; j < p; j++)
            {
                var wxj = scratch.AsSpan(j * Block, length);
                for (var k = j; k < p; k++)
                {
                    hessian[(j * size) + k] += Kernels.Dot(wxj, x.ColumnReadOnly(k).Slice(start, length));
                }

                hessian[(j * size) + p] += Kernels.Sum(wxj);
            }

            hessian[(p * size) + p] += Kernels.Sum(w);
        }

        for (var j = 0; j < p; j++)
        {
            hessian[(j * size) + j] += lambda;
            for (var k = j + 1; k < size; k++)
            {
                hessian[(k * size) + j] = hessian[(j * size) + k];
            }
        }
    }

    /// <summary>Solves A·x = rhs in place for a symmetric positive-definite A (overwritten by its Cholesky factor).</summary>
    internal static void CholeskySolve(double[] a, int size, double[] rhs)
    {
        for (var j = 0; j < size; j++)
        {
            var diagonal = a[(j * size) + j];
            for (var k = 0; k < j; k++)
            {
                diagonal -= a[(j * size) + k] * a[(j * size) + k];
            }

            // A column with no curvature (a constant standardised feature with λ tiny, or an empty
            // class) gets a tiny ridge rather than a NaN: its step is then ~0, which is what it should be.
            diagonal = diagonal > 1e-300 ? Math.Sqrt(diagonal) : 1e-150;
            a[(j * size) + j] = diagonal;
            for (var i = j + 1; i < size; i++)
            {
                var value = a[(i * size) + j];
                for (var k = 0; k < j; k++)
                {
                    value -= a[(i * size) + k] * a[(j * size) + k];
                }

                a[(i * size) + j] = value / diagonal;
            }
        }

        for (var i = 0; i < size; i++)
        {
            var value = rhs[i];
            for (var k = 0; k < i; k++)
            {
                value -= a[(i * size) + k] * rhs[k];
            }

            rhs[i] = value / a[(i * size) + i];
        }

        for (var i = size - 1; i >= 0; i--)
        {
            var value = rhs[i];
            for (var k = i + 1; k < size; k++)
            {
                value -= a[(k * size) + i] * rhs[k];
            }

            rhs[i] = value / a[(i * size) + i];
        }
    }
}
