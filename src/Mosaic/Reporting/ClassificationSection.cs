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
        section.Missing("ROC curves are not drawn: classification.csv carries ROC-AUC per test set but not the curve's points; the AUC bars stand in for them.");
        var rows = metrics.Rows.Select(r => (IReadOnlyList<string?>)[
            metrics.Text(r, "task"), metrics.Text(r, "feature_set"), metrics.Text(r, "test_set"), metrics.Suppressed(r) ? null : metrics.Text(r, "n"),
            .. Metrics.Select(m => IntegrationSections.NumOrNull(metrics, r, m) is { } v ? Round(v) : null)]).ToList();
        section.Table("classification_metrics", "Classification metrics per task, feature set and test set (three_way: macro averages)", ["task", "feature set", "test set", "n", .. Metrics], rows, new HashSet<int>(Enumerable.Range(3, 7)));

        Misclassified(context, section);
        Confusion(context, section);
        Coefficients(context, section);
        section.End();
    }

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
