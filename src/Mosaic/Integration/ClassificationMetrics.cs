namespace Mosaic.Integration;

/// <summary>
/// Classification metrics with scikit-learn's definitions, so numbers compare with the field's
/// tools: precision, recall and F1 are 0 when undefined (<c>zero_division=0</c>), ROC-AUC is
/// the area under the step curve with tied scores handled as sklearn (one threshold per distinct
/// score, i.e. ties count one half in the Mann–Whitney sense), PR-AUC is sklearn's
/// <c>average_precision_score</c>: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, no interpolation.
/// </summary>
internal static class ClassificationMetrics
{
    /// <summary>ROC-AUC (NaN when one class is absent, where sklearn raises) of binary labels.</summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive) => Ranking(scores, positive).RocAuc;

    /// <summary>sklearn's <c>average_precision_score</c>; NaN when there is no positive.</summary>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive) => Ranking(scores, positive).AveragePrecision;

    /// <summary>
    /// ROC-AUC and average precision from one descending sort. Walking the distinct scores from
    /// the top, a tie group with tp positives and fp negatives adds fp·(TP_above + tp/2) to the
    /// Mann–Whitney count (ties count one half: the trapezoid of sklearn's ROC curve) and
    /// (R − R_prev)·P to the average precision.
    /// </summary>
    public static (double RocAuc, double AveragePrecision) Ranking(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        var n = scores.Length;
        var keys = new double[n];
        var labels = new bool[n];
        long positives = 0;
        for (var i = 0; i < n; i++)
        {
            keys[i] = -scores[i];
            labels[i] = positive[i];
            positives += positive[i] ? 1 : 0;
        }

        var negatives = n - positives;
        if (positives == 0)
        {
            return (double.NaN, double.NaN);
        }

        Array.Sort(keys, labels);
        long truePositives = 0, taken = 0;
        double pairs = 0, ap = 0, previousRecall = 0;
        var start = 0;
        while (start < n)
        {
            var end = start;
            long tp = 0;
            while (end < n && keys[end] == keys[start])
            {
                tp += labels[end] ? 1 : 0;
                end++;
            }

            var fp = end - start - tp;
            pairs += fp * (truePositives + (tp / 2.0));
            truePositives += tp;
            taken += end - start;
            var recall = (double)truePositives / positives;
            ap += (recall - previousRecall) * ((double)truePositives / taken);
            previousRecall = recall;
            start = end;
        }

        // pairs counts (positive, negative) pairs ranked the right way round, ties one half.
        var auc = negatives == 0 ? double.NaN : pairs / ((double)positives * negatives);
        return (auc, ap);
    }

    /// <summary>Confusion counts [true class, predicted class] for labels in 0..classes−1.</summary>
    public static long[,] Confusion(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classes)
    {
        var counts = new long[classes, classes];
        for (var i = 0; i < truth.Length; i++)
        {
            counts[truth[i], predicted[i]]++;
        }

        return counts;
    }

    /// <summary>Precision, recall and F1 of class <paramref name="c"/> from a confusion matrix (0 when undefined).</summary>
    public static (double Precision, double Recall, double F1) PerClass(long[,] confusion, int c)
    {
        var classes = confusion.GetLength(0);
        long tp = confusion[c, c], predicted = 0, actual = 0;
        for (var k = 0; k < classes; k++)
        {
            predicted += confusion[k, c];
            actual += confusion[c, k];
        }

        var precision = predicted == 0 ? 0.0 : (double)tp / predicted;
        var recall = actual == 0 ? 0.0 : (double)tp / actual;
        var f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }

    /// <summary>Share of the diagonal.</summary>
    public static double Accuracy(long[,] confusion)
    {
        long correct = 0, total = 0;
        for (var a = 0; a < confusion.GetLength(0); a++)
        {
            for (var b = 0; b < confusion.GetLength(1); b++)
            {
                total += confusion[a, b];
                correct += a == b ? confusion[a, b] : 0;
            }
        }

        return total == 0 ? double.NaN : (double)correct / total;
    }
}
