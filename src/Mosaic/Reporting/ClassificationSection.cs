using System.Globalization;

namespace Mosaic.Reporting;

/// <summary>Section 5: classifier metrics per test set, misclassified-as-local per week, three-way confusion, coefficients.</summary>
internal static class ClassificationSection
{
    private static readonly string[] Metrics = ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc"];

    public static void Write(ReportContext context)
    {
        var section = context.Document.Begin("classification", "5. Classification");
        var metrics = IntegrationSections.Open(context, section, "classification.csv", ["task", "feature_set", "test_set", "n", .. Metrics]);
        if (metrics is null)
        {
            section.End();
            return;
        }

        section.Paragraph("L2-regularised logistic regression trained on a random half of week-2 subscribers, tested on the other half of week 2 (week2_holdout) and on weeks 3 and 4. A falling score over later weeks means the groups become harder to tell apart: integration.");
        var tasks = metrics.Rows.Select(r => metrics.Text(r, "task")).Distinct().Order(StringComparer.Ordinal).ToList();
        var testSets = metrics.Rows.Select(r => metrics.Text(r, "test_set")).Distinct().Order(StringComparer.Ordinal).ToList();
        var all = metrics.Rows.Where(r => !metrics.Has("feature_set") || metrics.Text(r, "feature_set") == "all").ToList();
        var figures = new List<Figure>();
        foreach (var metric in new[] { "roc_auc", "f1" }.Where(metrics.Has))
        {
            var id = $"classification_{metric}";
            figures.Add(new Figure(
                id,
                $"{metric} by test set (all features)",
                Charts.Bars(id, $"{metric.ToUpperInvariant().Replace('_', '-')} by test set (all features)", metric, testSets, [.. tasks.Select(t => (t, (IReadOnlyList<double?>)[.. testSets.Select(s => all.FirstOrDefault(r => metrics.Text(r, "task") == t && metrics.Text(r, "test_set") == s) is { } row && !metrics.Suppressed(row) ? metrics.Number(row, metric) : null)]))], width: 560, yMin: 0, yMax: 1),
                $"{metric} of each task's model on each test set."));
        }

        section.Figures([.. figures], small: false);
        RocCurves(context, section, metrics);
        var rows = metrics.Rows.Select(r => (IReadOnlyList<string?>)[
            metrics.Text(r, "task"), metrics.Text(r, "feature_set"), metrics.Text(r, "test_set"), metrics.Suppressed(r) ? null : metrics.Text(r, "n"),
            .. Metrics.Select(m => IntegrationSections.NumOrNull(metrics, r, m) is { } v ? Round(v) : null)]).ToList();
        section.Table("classification_metrics", "Classification metrics per task, feature set and test set (three_way: macro averages)", ["task", "feature set", "test set", "n", .. Metrics], rows, new HashSet<int>(Enumerable.Range(3, 7)));

        Misclassified(context, section);
        Confusion(context, section);
        Coefficients(context, section);
        section.End();
    }

    /// <summary>
    /// ROC curves of the models on all features: one panel per binary task and per three_way
    /// class (one-vs-rest), one line per test set, each labelled with the AUC of classification.csv.
    /// </summary>
    private static void RocCurves(ReportContext context, ReportDocument.SectionWriter section, CsvTable metrics)
    {
        if (!File.Exists(Path.Combine(context.StageFolder("integration"), "roc.csv")))
        {
            section.Missing("integration/roc.csv not found (written by integration stages since issue 9): ROC curves are not drawn; the AUC bars stand in for them.");
            return;
        }

        var roc = context.Load(section, "integration", "roc.csv", "task", "test_set", "fpr", "tpr");
        if (roc is null || !roc.Has("task") || !roc.Has("test_set") || !roc.Has("fpr") || !roc.Has("tpr"))
        {
            return;
        }

        var rows = roc.Rows.Where(r => !roc.Has("feature_set") || roc.Text(r, "feature_set") == "all").ToList();
        var testSets = rows.Select(r => roc.Text(r, "test_set")).Distinct().Order(StringComparer.Ordinal).ToList();
        var figures = new List<Figure>();
        foreach (var curve in rows.GroupBy(r => (Task: roc.Text(r, "task"), Class: roc.Has("class") ? roc.Text(r, "class") : "")).OrderBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => ClassOrder(g.Key.Class)))
        {
            var multiclass = rows.Where(r => roc.Text(r, "task") == curve.Key.Task).Select(r => roc.Has("class") ? roc.Text(r, "class") : "").Distinct().Count() > 1;
            var series = new List<ChartSeries>();
            var notes = new List<string>();
            for (var i = 0; i < testSets.Count; i++)
            {
                var points = curve.Where(r => roc.Text(r, "test_set") == testSets[i] && roc.Number(r, "fpr") is not null && roc.Number(r, "tpr") is not null)
                    .Select(r => new ChartPoint(roc.Number(r, "fpr")!.Value, roc.Number(r, "tpr")!.Value)).ToList();
                if (points.Count < 2)
                {
                    continue;
                }

                var auc = metrics.Rows.FirstOrDefault(r => metrics.Text(r, "task") == curve.Key.Task && metrics.Text(r, "test_set") == testSets[i] && (!metrics.Has("feature_set") || metrics.Text(r, "feature_set") == "all"));
                series.Add(new ChartSeries(testSets[i], points, Palette.Series(i)));
                notes.Add(auc is not null && !multiclass && IntegrationSections.NumOrNull(metrics, auc, "roc_auc") is { } value ? $"AUC {Round(value)}" : "");
            }

            var name = multiclass ? $"{curve.Key.Task}, {curve.Key.Class} vs rest" : curve.Key.Task;
            var id = $"classification_roc_curve_{IntegrationSections.Slug(multiclass ? curve.Key.Task + "_" + curve.Key.Class : curve.Key.Task)}";
            figures.Add(new Figure(id, $"ROC {name}", Charts.Roc(id, $"ROC, {name}", series, notes, width: 400), ""));
        }

        if (figures.Count == 0)
        {
            return;
        }

        section.Heading("ROC curves (all features)");
        section.Paragraph("One line per test set; the legend gives ROC-AUC from classification.csv for the binary tasks (three_way: one curve per class, one-vs-rest on the normalised probabilities; its AUC in the table is the mean of the three curves' areas). "
            + "Points are published only where each step adds none or at least k subscribers of a class (integration/roc.csv), so curves are drawn as chords between those points; the dashed diagonal is chance.");
        section.Figures(figures, small: true);
    }

    private static int ClassOrder(string group) => Array.IndexOf<string>(["local", "settled", "new"], group) is var i and >= 0 ? i : 3;

    private static void Misclassified(ReportContext context, ReportDocument.SectionWriter section)
    {
        var table = context.Load(section, "integration", "misclassified_as_local.csv", "week", "group", "fraction");
        if (table is null || !table.Has("group") || !table.Has("fraction"))
        {
            return;
        }

        var series = IntegrationSections.OrderGroups(table.Rows.Select(r => table.Text(r, "group")))
            .Select(g => new ChartSeries(g, [.. table.Rows.Where(r => table.Text(r, "group") == g && !table.Suppressed(r) && table.Number(r, "week") is not null && table.Number(r, "fraction") is not null)
                .Select(r => new ChartPoint(table.Number(r, "week")!.Value, table.Number(r, "fraction")!.Value))], IntegrationSections.GroupColour(g))).ToList();
        section.Figures(new Figure("classification_misclassified_as_local", "Migrants the week-2 model labels local", Charts.Lines("classification_misclassified_as_local", "Share of migrants labelled local", "study week", "fraction labelled local", series), "The paper's integration signal: a rising share means migrants' behaviour looks more local."));
    }

    private static void Confusion(ReportContext context, ReportDocument.SectionWriter section)
    {
        var table = context.Load(section, "integration", "confusion_three_way.csv");
        if (table is null)
        {
            return;
        }

        var actual = new[] { "true_group", "actual", "true", "group" }.FirstOrDefault(table.Has);
        var predicted = new[] { "predicted_group", "predicted" }.FirstOrDefault(table.Has);
        var count = new[] { "count", "n", "subscribers" }.FirstOrDefault(table.Has);
        if (actual is null || predicted is null || count is null)
        {
            // Unknown layout: show it as written rather than guess.
            section.Table("classification_confusion", "Three-way confusion matrix (as written by the integration stage)", table.Header, [.. table.Rows.Select(r => (IReadOnlyList<string?>)[.. r])]);
            return;
        }

        var testSetColumn = table.Has("test_set") ? "test_set" : null;
        var figures = new List<Figure>();
        foreach (var testSet in table.Rows.Select(r => testSetColumn is null ? "" : table.Text(r, testSetColumn)).Distinct().Order(StringComparer.Ordinal))
        {
            var rows = table.Rows.Where(r => testSetColumn is null || table.Text(r, testSetColumn) == testSet).ToList();
            var truth = IntegrationSections.OrderGroups(rows.Select(r => table.Text(r, actual)));
            var labels = IntegrationSections.OrderGroups(rows.Select(r => table.Text(r, predicted)));
            var values = new double?[truth.Count, labels.Count];
            foreach (var row in rows)
            {
                values[truth.IndexOf(table.Text(row, actual)), labels.IndexOf(table.Text(row, predicted))] = table.Suppressed(row) ? null : table.Number(row, count);
            }

            var max = rows.Select(r => table.Number(r, count) ?? 0).DefaultIfEmpty(1).Max();
            var id = $"classification_confusion_{IntegrationSections.Slug(testSet.Length > 0 ? testSet : "all")}";
            figures.Add(new Figure(id, $"Confusion {testSet}", Charts.Heatmap(id, $"Three-way confusion{(testSet.Length > 0 ? ", " + testSet : "")}", "true group", "predicted group", truth, labels, values, 0, Math.Max(max, 1), "subscribers", cell: 50), ""));
        }

        section.Heading("Three-way confusion matrix");
        section.Figures(figures, small: true);
        section.Table("classification_confusion", "Three-way confusion matrix", table.Header, [.. table.Rows.Select(r => (IReadOnlyList<string?>)[.. r.Select((c, i) => table.Header[i] == count && table.Suppressed(r) ? null : c)])]);
    }

    private static void Coefficients(ReportContext context, ReportDocument.SectionWriter section)
    {
        var table = context.Load(section, "integration", "coefficients.csv", "feature", "coefficient");
        if (table is null || !table.Has("feature"))
        {
            return;
        }

        var value = new[] { "coefficient", "coef", "weight" }.FirstOrDefault(table.Has);
        if (value is null)
        {
            return;
        }

        var keys = new[] { "task", "class" }.Where(table.Has).ToList();
        var rows = table.Rows.Where(r => !table.Has("feature_set") || table.Text(r, "feature_set") == "all").Where(r => table.Number(r, value) is not null).ToList();
        var output = new List<IReadOnlyList<string?>>();
        foreach (var group in rows.GroupBy(r => string.Join(" / ", keys.Select(k => table.Text(r, k)))).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var row in group.OrderByDescending(r => Math.Abs(table.Number(r, value)!.Value)).ThenBy(r => table.Text(r, "feature"), StringComparer.Ordinal).Take(context.Options.TopCoefficients))
            {
                output.Add([group.Key, table.Text(row, "feature"), IntegrationSections.Num(table.Number(row, value)!.Value)]);
            }
        }

        section.Table("classification_coefficients", $"Strongest coefficients (standardised features; top {context.Options.TopCoefficients} by absolute value per {(keys.Count > 0 ? string.Join(" / ", keys) : "model")})", [keys.Count > 0 ? string.Join(" / ", keys) : "model", "feature", "coefficient"], output, new HashSet<int> { 2 });
    }

    private static string Round(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : value;
}
