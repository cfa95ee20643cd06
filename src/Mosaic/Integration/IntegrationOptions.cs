using Mosaic.Data;

namespace Mosaic.Integration;

/// <summary>
/// Parameters of the integration stage, with the defaults of the paper's protocol. Validated by
/// <see cref="Validate"/> before any work starts.
/// </summary>
public sealed record IntegrationOptions
{
    /// <summary>Privacy threshold: a published cell describing fewer than k subscribers is suppressed (FlowKit's 15).</summary>
    public int MinimumCellSize { get; init; } = 15;

    /// <summary>Seed of the train/test split and of the cross-validation folds.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The week whose subscribers are split into training and held-out halves (the paper's week 2).</summary>
    public int TrainWeek { get; init; } = 2;

    /// <summary>Share of <see cref="TrainWeek"/> subscribers used for training (the paper's 50%).</summary>
    public double TrainFraction { get; init; } = 0.5;

    /// <summary>Folds of the stratified cross-validation that chooses λ on the training set.</summary>
    public int CrossValidationFolds { get; init; } = 5;

    /// <summary>
    /// Candidate values of λ, the L2 penalty on the mean (weighted) log-loss; the objective is
    /// (1/n)·Σ sᵢ·ℓᵢ + (λ/2)·‖w‖², equal to scikit-learn's with C = 1/(n·λ).
    /// </summary>
    public IReadOnlyList<double> Lambdas { get; init; } = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5];

    /// <summary>
    /// Largest number of training rows the λ search uses: above it, cross-validation runs on a
    /// seeded stratified subsample of this size (the final model always uses the whole training set).
    /// With hundreds of thousands of rows the penalty barely matters and the search would dominate the run time.
    /// </summary>
    public int CrossValidationMaxRows { get; init; } = 10_000;

    /// <summary>Newton iterations allowed per logistic-regression fit.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Convergence tolerance on the largest gradient component of the objective.</summary>
    public double Tolerance { get; init; } = 1e-10;

    /// <summary>Significance level of the convergence test (per feature and pair).</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Midnight that starts week 1; null uses midnight of the earliest call's date (DESIGN.md).</summary>
    public DateTime? Start { get; init; }

    /// <summary>DuckDB resources.</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumCellSize, 1, nameof(MinimumCellSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrainWeek, 1, nameof(TrainWeek));
        if (!(TrainFraction > 0 && TrainFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TrainFraction), TrainFraction, "must be in (0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CrossValidationFolds, 2, nameof(CrossValidationFolds));
        ArgumentNullException.ThrowIfNull(Lambdas, nameof(Lambdas));
        if (Lambdas.Count == 0 || Lambdas.Any(l => !(l > 0) || double.IsInfinity(l)))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambdas), "must be a non-empty list of finite positive values");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CrossValidationMaxRows, 2 * CrossValidationFolds, nameof(CrossValidationMaxRows));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIterations, 1, nameof(MaxIterations));
        if (!(Tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "must be positive");
        }

        if (!(Alpha > 0 && Alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be in (0, 1)");
        }

        ArgumentNullException.ThrowIfNull(Engine, nameof(Engine));
    }
}
