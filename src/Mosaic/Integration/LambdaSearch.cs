namespace Mosaic.Integration;

/// <summary>The chosen penalty and how it was chosen.</summary>
/// <param name="Lambda">The λ with the lowest mean held-out loss (ties go to the larger λ).</param>
/// <param name="Loss">Its mean held-out weighted log-loss over the folds.</param>
/// <param name="Rows">Training rows the search used (a stratified subsample when the set is larger than the cap).</param>
/// <param name="LossByLambda">Mean held-out loss of every candidate, in the order given.</param>
internal sealed record LambdaChoice(double Lambda, double Loss, int Rows, double[] LossByLambda);

/// <summary>
/// Chooses λ by stratified k-fold cross-validation on the (standardised) training set, scoring
/// each candidate by the held-out weighted log-loss Σ sᵢℓᵢ / Σ sᵢ with the training class weights.
/// Folds are seeded: within each class, rows in order of a seeded hash are dealt to folds in turn.
/// Along the path from the largest to the smallest λ each fit starts from the previous solution.
/// </summary>
internal static class LambdaSearch
{
    private static readonly double[] Labels = [0.0, 1.0];

    public static LambdaChoice Choose(
        ColumnMatrix x, double[] y, double[] weights, ulong[] order, IReadOnlyList<double> lambdas,
        int folds, int maxRows, int maxIterations, double tolerance)
    {
        // Rows by class, each in seeded-hash order.
        var byClass = Labels
            .Select(label => Enumerable.Range(0, x.Rows).Where(i => y[i] == label).OrderBy(i => order[i]).ThenBy(i => i).ToArray())
            .ToArray();
        if (x.Rows > maxRows)
        {
            // Stratified subsample: each class keeps its share, rounded, at least one fold's worth.
            byClass = byClass
                .Select(rows => rows.Take(Math.Max(Math.Min(rows.Length, folds), (int)Math.Round((double)maxRows * rows.Length / x.Rows))).ToArray())
                .ToArray();
        }

        var fold = new Dictionary<int, int>();
        foreach (var rows in byClass)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                fold[rows[i]] = i % folds;
            }
        }

        var used = fold.Keys.Order().ToArray();
        var sorted = lambdas.Select((l, i) => (Lambda: l, Index: i)).OrderByDescending(c => c.Lambda).ToArray();
        var loss = new double[lambdas.Count];
        for (var f = 0; f < folds; f++)
        {
            var train = used.Where(i => fold[i] != f).ToArray();
            var valid = used.Where(i => fold[i] == f).ToArray();
            var xTrain = x.SelectRows(train);
            var xValid = x.SelectRows(valid);
            var yTrain = train.Select(i => y[i]).ToArray();
            var wTrain = train.Select(i => weights[i]).ToArray();
            var yValid = valid.Select(i => y[i]).ToArray();
            var wValid = valid.Select(i => weights[i]).ToArray();
            LogisticFit? previous = null;
            foreach (var (lambda, index) in sorted)
            {
                var fit = LogisticRegression.Fit(xTrain, yTrain, wTrain, lambda, maxIterations, tolerance, previous);
                previous = fit;
                loss[index] += LogisticRegression.WeightedLogLoss(fit.DecisionFunction(xValid), yValid, wValid) / folds;
            }
        }

        var best = sorted[0];
        foreach (var candidate in sorted)
        {
            if (loss[candidate.Index] < loss[best.Index])
            {
                best = candidate;
            }
        }

        return new LambdaChoice(best.Lambda, loss[best.Index], used.Length, loss);
    }
}
