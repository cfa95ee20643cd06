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
    /// <summary>
    /// ROC-AUC of <paramref name="scores"/> for binary <paramref name="positive"/> labels, by the
    /// rank-sum with average ranks for ties; NaN when one class is absent (sklearn raises there).
    /// </summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        var n = scores.Length;
        var order = SortedIndices(scores, descending: false);
        long positives = 0;
        foreach (var label in positive)
        {
            positives += label ? 1 : 0;
        }

        long negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        // Sum of the (1-based, tie-averaged) ranks of the positives.
        var rankSum = 0.0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var averageRank = ((i + 1) + (j + 1)) / 2.0;
            for (var k = i; k <= j; k++)
            {
                if (positive[order[k]])
                {
                    rankSum += averageRank;
                }
            }

            i = j + 1;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    /// <summary>sklearn's <c>average_precision_score</c>; NaN when there is no positive.</summary>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        var n = scores.Length;
        var order = SortedIndices(scores, descending: true);
        long positives = 0;
        foreach (var label in positive)
        {
            positives += label ? 1 : 0;
        }

        if (positives == 0)
        {
            return double.NaN;
        }

        long truePositives = 0, taken = 0;
        var previousRecall = 0.0;
        var ap = 0.0;
        var i = 0;
        while (i < n)
        {
            // One threshold per distinct score: take the whole tie group at once.
            var j = i;
            while (j < n && scores[order[j]] == scores[order[i]])
            {
                truePositives += positive[order[j]] ? 1 : 0;
                taken++;
                j++;
            }

            var recall = (double)truePositives / positives;
            var precision = (double)truePositives / taken;
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
            i = j;
        }

        return ap;
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

    private static int[] SortedIndices(ReadOnlySpan<double> scores, bool descending)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = scores.ToArray();
        if (descending)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = -keys[i];
            }
        }

        // Ties keep index order (the key sort is not stable, so break ties explicitly).
        Array.Sort(keys, order);
        var start = 0;
        while (start < order.Length)
        {
            var end = start + 1;
            while (end < order.Length && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start);
            }

            start = end;
        }

        return order;
    }
}
