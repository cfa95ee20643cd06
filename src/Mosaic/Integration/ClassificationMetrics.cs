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
        var (keys, labels, positives) = ByDescendingScore(scores, positive);
        var negatives = n - positives;
        if (positives == 0)
        {
            return (double.NaN, double.NaN);
        }

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

    /// <summary>
    /// The ROC curve as scikit-learn's <c>roc_curve(drop_intermediate=False)</c> draws it (one
    /// point per distinct score, from (0, 0) at threshold +∞ to (1, 1)), thinned so that every
    /// step between consecutive points adds either no positive or at least
    /// <paramref name="minimumPositives"/> of them, and either no negative or at least
    /// <paramref name="minimumNegatives"/>: a published point then never tells apart fewer
    /// subscribers than that. With both minimums 1 the curve is sklearn's, and its trapezoid area
    /// is <see cref="RocAuc"/>; thinning replaces each merged stretch of the staircase by its
    /// chord, which moves the area by at most Σ ΔFPR·ΔTPR / 2 over the merged steps.
    /// <paramref name="dropCollinear"/> then also drops points that lie on the straight line
    /// between their neighbours (runs of vertical, horizontal or equally sloped steps), which
    /// changes neither the drawn curve nor its area. Empty when either class is absent.
    /// </summary>
    public static IReadOnlyList<RocPoint> RocCurve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive, int minimumPositives = 1, int minimumNegatives = 1, bool dropCollinear = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumPositives, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumNegatives, 1);
        var n = scores.Length;
        var (keys, labels, positives) = ByDescendingScore(scores, positive);
        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return [];
        }

        bool Admissible(long dTp, long dFp) => (dTp == 0 || dTp >= minimumPositives) && (dFp == 0 || dFp >= minimumNegatives);

        var kept = new List<(double Threshold, long Tp, long Fp)> { (double.PositiveInfinity, 0, 0) };
        long tp = 0, fp = 0;
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end < n && keys[end] == keys[start])
            {
                tp += labels[end] ? 1 : 0;
                fp += labels[end] ? 0 : 1;
                end++;
            }

            var last = kept[^1];
            if (Admissible(tp - last.Tp, fp - last.Fp))
            {
                kept.Add((-keys[start], tp, fp));
            }

            start = end;
        }

        // The curve must end at (1, 1): merge an inadmissible remainder into the steps before it.
        var lowest = -keys[n - 1];
        while (kept[^1].Tp != positives || kept[^1].Fp != negatives)
        {
            if (kept.Count > 1 && !Admissible(positives - kept[^1].Tp, negatives - kept[^1].Fp))
            {
                kept.RemoveAt(kept.Count - 1);
                continue;
            }

            kept.Add((lowest, positives, negatives));
        }

        if (dropCollinear)
        {
            var straight = new List<(double Threshold, long Tp, long Fp)> { kept[0] };
            for (var i = 1; i < kept.Count; i++)
            {
                // Integer cross product of the step into the last kept point and the step out of it.
                if (straight.Count >= 2 && i < kept.Count &&
                    ((straight[^1].Tp - straight[^2].Tp) * (kept[i].Fp - straight[^1].Fp)) == ((kept[i].Tp - straight[^1].Tp) * (straight[^1].Fp - straight[^2].Fp)))
                {
                    straight[^1] = kept[i];
                }
                else
                {
                    straight.Add(kept[i]);
                }
            }

            kept = straight;
        }

        return [.. kept.Select(p => new RocPoint(p.Threshold, (double)p.Fp / negatives, (double)p.Tp / positives))];
    }

    /// <summary>The trapezoid area under a curve of points sorted by rising FPR.</summary>
    public static double TrapezoidArea(IReadOnlyList<RocPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
        {
            area += (curve[i].Fpr - curve[i - 1].Fpr) * (curve[i].Tpr + curve[i - 1].Tpr) / 2;
        }

        return curve.Count == 0 ? double.NaN : area;
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

    /// <summary>Negated scores sorted ascending (highest score first) with their labels, and the number of positives.</summary>
    private static (double[] Keys, bool[] Labels, long Positives) ByDescendingScore(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        var keys = new double[scores.Length];
        var labels = new bool[scores.Length];
        long positives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            keys[i] = -scores[i];
            labels[i] = positive[i];
            positives += positive[i] ? 1 : 0;
        }

        Array.Sort(keys, labels);
        return (keys, labels, positives);
    }
}

/// <summary>One point of a ROC curve: scores at or above <paramref name="Threshold"/> are called positive.</summary>
/// <param name="Threshold">The score threshold (+∞ for the first point, as scikit-learn).</param>
/// <param name="Fpr">False positive rate.</param>
/// <param name="Tpr">True positive rate.</param>
internal readonly record struct RocPoint(double Threshold, double Fpr, double Tpr);
