using Mosaic.Definitions;

namespace Mosaic.Integration;

/// <summary>One classification task of the paper.</summary>
/// <param name="Name">Output name.</param>
/// <param name="Groups">Subject groups whose rows take part (indices of <see cref="Groups.Subjects"/>).</param>
/// <param name="Positives">The positive group of each binary model: one for a binary task, one per class (one-vs-rest) for three-way.</param>
/// <param name="Balanced">Whether each binary model weighs its two classes n/(2·n_c) (scikit-learn's 'balanced').</param>
internal sealed record ClassificationTask(string Name, int[] Groups, int[] Positives, bool Balanced)
{
    public bool IsMulticlass => Positives.Length > 1;

    /// <summary>The paper's three tasks.</summary>
    public static IReadOnlyList<ClassificationTask> All { get; } =
    [
        new("settled_vs_local", [FeatureTable.Local, FeatureTable.Settled], [FeatureTable.Settled], Balanced: false),
        new("new_vs_rest", [FeatureTable.Local, FeatureTable.Settled, FeatureTable.New], [FeatureTable.New], Balanced: true),
        new("three_way", [FeatureTable.Local, FeatureTable.Settled, FeatureTable.New], [FeatureTable.Local, FeatureTable.Settled, FeatureTable.New], Balanced: true),
    ];
}

/// <summary>The published tables of the classification analysis.</summary>
internal sealed record ClassificationTables(Csv Classification, Csv Coefficients, Csv Models, Csv Confusion, Csv MisclassifiedAsLocal, Csv Roc, int Fits);

/// <summary>
/// The paper's protocol: train on a seeded random share of the training week's subscribers, test
/// on the rest of that week and on every later week, for each task and each feature set (all
/// features, then each family alone). Binary tasks are one L2 logistic model; the three-way task
/// is one-vs-rest (three binary models, each with balanced class weights and its own λ; the
/// class probabilities are the three sigmoids normalised to sum to one, as scikit-learn's
/// OneVsRestClassifier does, and the prediction is the most probable class).
/// </summary>
internal static class Classification
{
    /// <summary>The test sets: name and rows.</summary>
    internal sealed record TestSet(string Name, int Week, int[] Rows);

    private sealed record Job(ClassificationTask Task, string FeatureSet, int[] Columns);

    private sealed record ModelResult(int Positive, LambdaChoice? Choice, LogisticFit? Fit, int TrainRows);

    private sealed record JobResult(Job Job, Standardizer? Scaler, ModelResult[] Models, List<object?[]> Rows, long[][,]? Confusions, List<object?[]> RocRows);

    public static ClassificationTables Run(FeatureTable table, IntegrationOptions options, IProgress<double>? progress = null)
    {
        var k = options.MinimumCellSize;
        var (training, tests) = Split(table, options);
        var jobs = new List<Job>();
        var all = Enumerable.Range(0, table.Columns.Length).ToArray();
        foreach (var task in ClassificationTask.All)
        {
            jobs.Add(new Job(task, "all", all));
            foreach (var family in Enum.GetValues<FeatureFamily>())
            {
                var columns = all.Where(c => table.Families[c] == family).ToArray();
                if (columns.Length > 0)
                {
                    jobs.Add(new Job(task, FeatureCatalogue.Name(family), columns));
                }
            }
        }

        // The same model can serve two tasks (three_way's new-vs-rest is new_vs_rest's model), so
        // designs (standardised training matrices) and models are keyed and fitted once each.
        var designs = jobs.Select(j => DesignKey(j)).Distinct().ToDictionary(
            key => key,
            key =>
            {
                var job = jobs.First(j => DesignKey(j) == key);
                return new Lazy<Design>(() => BuildDesign(table, job, training, options));
            });
        var modelKeys = jobs.SelectMany(j => j.Task.Positives.Select(p => (Design: DesignKey(j), Positive: p, j.Task.Balanced)))
            .Distinct()
            .OrderByDescending(m => jobs.First(j => DesignKey(j) == m.Design).Columns.Length) // largest first balances the cores
            .ThenBy(m => m.Design, StringComparer.Ordinal).ThenBy(m => m.Positive).ThenBy(m => m.Balanced)
            .ToArray();
        var fitted = new ModelResult[modelKeys.Length];
        var done = 0;
        Parallel.For(0, modelKeys.Length, i =>
        {
            var (design, positive, balanced) = modelKeys[i];
            fitted[i] = FitModel(designs[design].Value, positive, balanced, options);
            progress?.Report((double)Interlocked.Increment(ref done) / modelKeys.Length);
        });

        var byKey = modelKeys.Zip(fitted).ToDictionary(p => p.First, p => p.Second);
        var results = new JobResult[jobs.Count];
        Parallel.For(0, jobs.Count, i =>
        {
            var job = jobs[i];
            var key = DesignKey(job);
            var models = job.Task.Positives.Select(p => byKey[(key, p, job.Task.Balanced)]).ToArray();
            results[i] = Evaluate(table, job, designs[key].Value, models, tests, k);
        });

        var classification = new Csv("task", "feature_set", "test_set", "n", "accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "lambda", "suppressed");
        var coefficients = new Csv("task", "feature_set", "model", "feature", "coefficient", "suppressed");
        var models = new Csv("task", "feature_set", "model", "lambda", "train_rows", "cv_rows", "cv_loss", "iterations", "exit", "gradient_norm");
        var roc = new Csv("task", "feature_set", "test_set", "class", "threshold", "fpr", "tpr");
        var fits = fitted.Count(m => m.Fit is not null);
        foreach (var result in results)
        {
            foreach (var row in result.Rows)
            {
                classification.Add(row);
            }

            foreach (var row in result.RocRows)
            {
                roc.Add(row);
            }

            foreach (var model in result.Models)
            {
                var name = Groups.Subjects[model.Positive];
                if (model.Fit is null)
                {
                    models.Add(result.Job.Task.Name, result.Job.FeatureSet, name, null, model.TrainRows, null, null, null, "not_fitted", null);
                    continue;
                }

                models.Add(result.Job.Task.Name, result.Job.FeatureSet, name, model.Fit.Lambda, model.TrainRows, model.Choice!.Rows,
                    model.Choice.Loss, model.Fit.Iterations, ExitName(model.Fit.Exit), model.Fit.GradientNorm);
                coefficients.Add(result.Job.Task.Name, result.Job.FeatureSet, name, "(intercept)", model.Fit.Intercept, false);
                for (var j = 0; j < result.Job.Columns.Length; j++)
                {
                    coefficients.Add(result.Job.Task.Name, result.Job.FeatureSet, name, table.Columns[result.Job.Columns[j]], model.Fit.Coefficients[j], false);
                }
            }
        }

        var confusion = new Csv("test_set", "true_group", "predicted_group", "count", "suppressed");
        var threeWay = results.Single(r => r.Job.Task.Name == "three_way" && r.Job.FeatureSet == "all");
        if (threeWay.Confusions is not null)
        {
            for (var t = 0; t < tests.Count; t++)
            {
                for (var a = 0; a < 3; a++)
                {
                    for (var b = 0; b < 3; b++)
                    {
                        var count = threeWay.Confusions[t][a, b];
                        confusion.Add(tests[t].Name, Groups.Subjects[a], Groups.Subjects[b], count < k ? null : count, count < k);
                    }
                }
            }
        }

        var settled = results.Single(r => r.Job.Task.Name == "settled_vs_local" && r.Job.FeatureSet == "all");
        var misclassified = MisclassifiedAsLocal(table, settled, training, k);
        return new ClassificationTables(classification, coefficients, models, confusion, misclassified, roc, fits);
    }

    /// <summary>
    /// The split: training-week rows ordered by a seeded hash of the subscriber, the first
    /// round(n·fraction) train; the rest of that week is <c>week{w}_holdout</c>, each later week a test set.
    /// </summary>
    internal static (int[] Training, List<TestSet> Tests) Split(FeatureTable table, IntegrationOptions options)
    {
        var week = options.TrainWeek;
        var rows = Enumerable.Range(0, table.Rows).Where(i => table.Weeks[i] == week)
            .OrderBy(i => Hash(table.Subscribers[i], options.Seed)).ThenBy(i => table.Subscribers[i]).ToArray();
        var trainCount = (int)Math.Round(rows.Length * options.TrainFraction, MidpointRounding.AwayFromZero);
        var training = rows[..trainCount].Order().ToArray();
        var tests = new List<TestSet> { new($"week{week}_holdout", week, rows[trainCount..].Order().ToArray()) };
        foreach (var later in table.WeekNumbers.Where(w => w > week))
        {
            tests.Add(new TestSet($"week{later}", later, Enumerable.Range(0, table.Rows).Where(i => table.Weeks[i] == later).ToArray()));
        }

        return (training, tests);
    }

    /// <summary>SplitMix64 of the subscriber id mixed with the seed: a seeded order independent of row order.</summary>
    internal static ulong Hash(long subscriber, int seed)
    {
        var z = unchecked((ulong)subscriber + (0x9E3779B97F4A7C15UL * (ulong)(uint)seed) + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Training rows of a task, standardised on themselves, with the seeded order of the λ search.</summary>
    private sealed record Design(Standardizer Scaler, ColumnMatrix X, int[] Rows, ulong[] Order, bool Fittable);

    private static string DesignKey(Job job) => job.FeatureSet + "|" + string.Join(',', job.Task.Groups);

    private static Design BuildDesign(FeatureTable table, Job job, int[] training, IntegrationOptions options)
    {
        var rows = training.Where(i => job.Task.Groups.Contains(table.Groups[i])).ToArray();
        var classCounts = job.Task.Groups.Select(g => rows.LongCount(i => table.Groups[i] == g));

        // A model needs every class in every fold, and one trained on fewer than k of a class would describe them.
        var fittable = classCounts.All(c => c >= Math.Max(options.MinimumCellSize, options.CrossValidationFolds));
        var scaler = new Standardizer(table, job.Columns, rows);
        var x = fittable ? scaler.Transform(rows) : new ColumnMatrix(0, job.Columns.Length);
        var order = rows.Select(i => Hash(table.Subscribers[i], unchecked(options.Seed + 1))).ToArray();
        return new Design(scaler, x, rows, order, fittable);
    }

    private static ModelResult FitModel(Design design, int positive, bool balanced, IntegrationOptions options)
    {
        if (!design.Fittable)
        {
            return new ModelResult(positive, null, null, design.Rows.Length);
        }

        var table = design.Scaler.Table;
        var y = design.Rows.Select(i => table.Groups[i] == positive ? 1.0 : 0.0).ToArray();
        var weights = ClassWeights(y, balanced);
        var choice = LambdaSearch.Choose(design.X, y, weights, design.Order, options.Lambdas, options.CrossValidationFolds,
            options.CrossValidationMaxRows, options.MaxIterations, options.Tolerance);
        var fit = LogisticRegression.Fit(design.X, y, weights, choice.Lambda, options.MaxIterations, options.Tolerance);
        return new ModelResult(positive, choice, fit, design.Rows.Length);
    }

    private static JobResult Evaluate(FeatureTable table, Job job, Design design, ModelResult[] models, List<TestSet> tests, int k)
    {
        var task = job.Task;
        var rows = new List<object?[]>();
        if (!design.Fittable)
        {
            foreach (var test in tests)
            {
                rows.Add([task.Name, job.FeatureSet, test.Name, null, null, null, null, null, null, null, null, true]);
            }

            return new JobResult(job, null, models, rows, null, []);
        }

        var scaler = design.Scaler;
        var inTask = new bool[3];
        foreach (var g in task.Groups)
        {
            inTask[g] = true;
        }

        var lambdaText = string.Join(';', models.Select(m => Csv.Format(m.Fit!.Lambda)));
        var confusions = new long[tests.Count][,];
        var rocRows = new List<object?[]>();
        for (var t = 0; t < tests.Count; t++)
        {
            var testRows = tests[t].Rows.Where(i => inTask[table.Groups[i]]).ToArray();
            var truth = testRows.Select(i => (int)table.Groups[i]).ToArray();
            var present = task.Groups.Select(g => truth.LongCount(v => v == g)).ToArray();
            var probabilities = models.Select(m => scaler.DecisionFunction(m.Fit!, testRows).Select(LogisticRegression.Sigmoid).ToArray()).ToArray();
            if (task.IsMulticlass)
            {
                var (row, confusion) = ThreeWayMetrics(testRows.Length, truth, probabilities);
                confusions[t] = confusion;
                var suppressed = present.Any(c => c < k);
                rows.Add([task.Name, job.FeatureSet, tests[t].Name, .. suppressed ? Empty(7) : row, lambdaText, suppressed]);
                if (!suppressed)
                {
                    var normalised = Normalise(probabilities);
                    for (var c = 0; c < task.Positives.Length; c++)
                    {
                        var positive = task.Positives[c];
                        AddRoc(rocRows, task, job.FeatureSet, tests[t].Name, positive, normalised[c], [.. truth.Select(v => v == positive)], k);
                    }
                }
            }
            else
            {
                var positive = task.Positives[0];
                var labels = truth.Select(v => v == positive).ToArray();
                var suppressed = present.Any(c => c < k);
                var metrics = BinaryMetrics(labels, probabilities[0]);
                rows.Add([task.Name, job.FeatureSet, tests[t].Name, .. suppressed ? Empty(7) : metrics, lambdaText, suppressed]);
                if (!suppressed)
                {
                    AddRoc(rocRows, task, job.FeatureSet, tests[t].Name, positive, probabilities[0], labels, k);
                }
            }
        }

        return new JobResult(job, scaler, models, rows, task.IsMulticlass ? confusions : null, rocRows);
    }

    /// <summary>
    /// Rows of <c>roc.csv</c> for one curve: thinned so each step holds none or at least k of each
    /// class, collinear points dropped. Only called for unsuppressed test sets, where both classes
    /// have at least k subscribers, so the thinning always succeeds.
    /// </summary>
    private static void AddRoc(List<object?[]> rows, ClassificationTask task, string featureSet, string testSet, int positive, double[] scores, bool[] labels, int k)
    {
        foreach (var point in ClassificationMetrics.RocCurve(scores, labels, k, k, dropCollinear: true))
        {
            rows.Add([task.Name, featureSet, testSet, Groups.Subjects[positive], double.IsPositiveInfinity(point.Threshold) ? "inf" : point.Threshold, point.Fpr, point.Tpr]);
        }
    }

    /// <summary>One-vs-rest class probabilities: each class's sigmoid over their sum (scikit-learn's OneVsRestClassifier).</summary>
    internal static double[][] Normalise(double[][] sigmoids)
    {
        var classes = sigmoids.Length;
        var n = sigmoids[0].Length;
        var normalised = new double[classes][];
        for (var c = 0; c < classes; c++)
        {
            normalised[c] = new double[n];
        }

        for (var i = 0; i < n; i++)
        {
            var total = 0.0;
            for (var c = 0; c < classes; c++)
            {
                total += sigmoids[c][i];
            }

            for (var c = 0; c < classes; c++)
            {
                normalised[c][i] = sigmoids[c][i] / total;
            }
        }

        return normalised;
    }

    private static object?[] Empty(int count) => new object?[count];

    /// <summary>1 for every row, or scikit-learn's 'balanced' n/(2·n_c) for a binary label.</summary>
    internal static double[] ClassWeights(double[] y, bool balanced)
    {
        var weights = new double[y.Length];
        if (!balanced)
        {
            Array.Fill(weights, 1.0);
            return weights;
        }

        var positives = y.Count(v => v == 1.0);
        var negatives = y.Length - positives;
        var wPositive = y.Length / (2.0 * positives);
        var wNegative = y.Length / (2.0 * negatives);
        for (var i = 0; i < y.Length; i++)
        {
            weights[i] = y[i] == 1.0 ? wPositive : wNegative;
        }

        return weights;
    }

    /// <summary>n, accuracy, precision, recall, F1 (positive class, prediction p &gt; 0.5), ROC-AUC, PR-AUC.</summary>
    internal static object?[] BinaryMetrics(bool[] labels, double[] probability)
    {
        var truth = labels.Select(l => l ? 1 : 0).ToArray();
        var predicted = probability.Select(p => p > 0.5 ? 1 : 0).ToArray();
        var confusion = ClassificationMetrics.Confusion(truth, predicted, 2);
        var (precision, recall, f1) = ClassificationMetrics.PerClass(confusion, 1);
        var (auc, ap) = ClassificationMetrics.Ranking(probability, labels);
        return [labels.Length, ClassificationMetrics.Accuracy(confusion), precision, recall, f1, auc, ap];
    }

    /// <summary>Macro-averaged metrics of the one-vs-rest model and its confusion matrix.</summary>
    internal static (object?[] Row, long[,] Confusion) ThreeWayMetrics(int n, int[] truth, double[][] sigmoids)
    {
        var classes = sigmoids.Length;
        var normalised = Normalise(sigmoids);
        var predicted = new int[n];
        for (var i = 0; i < n; i++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (normalised[c][i] > normalised[best][i])
                {
                    best = c;
                }
            }

            predicted[i] = best;
        }

        var confusion = ClassificationMetrics.Confusion(truth, predicted, classes);
        double precision = 0, recall = 0, f1 = 0, auc = 0, ap = 0;
        for (var c = 0; c < classes; c++)
        {
            var (p, r, f) = ClassificationMetrics.PerClass(confusion, c);
            precision += p / classes;
            recall += r / classes;
            f1 += f / classes;
            var labels = truth.Select(v => v == c).ToArray();
            var (classAuc, classAp) = ClassificationMetrics.Ranking(normalised[c], labels);
            auc += classAuc / classes;
            ap += classAp / classes;
        }

        return ([n, ClassificationMetrics.Accuracy(confusion), precision, recall, f1, auc, ap], confusion);
    }

    /// <summary>
    /// <c>week,group,n,fraction,suppressed</c>: the share of settled and of new migrants that the
    /// settled-vs-local model (all features) labels local, each week; training rows are left out,
    /// and weeks where a group has no subscriber at all (new migrants in week 1) have no row.
    /// </summary>
    private static Csv MisclassifiedAsLocal(FeatureTable table, JobResult settledVsLocal, int[] training, int k)
    {
        var csv = new Csv("week", "group", "n", "fraction", "suppressed");
        var isTraining = new bool[table.Rows];
        foreach (var i in training)
        {
            isTraining[i] = true;
        }

        foreach (var week in table.WeekNumbers)
        {
            foreach (var group in new[] { FeatureTable.Settled, FeatureTable.New })
            {
                var rows = Enumerable.Range(0, table.Rows)
                    .Where(i => table.Weeks[i] == week && table.Groups[i] == group && !isTraining[i]).ToArray();
                var fit = settledVsLocal.Models[0].Fit;
                if (rows.Length == 0)
                {
                    continue; // e.g. new migrants in week 1: absent by definition, nothing to describe
                }

                if (rows.Length < k || fit is null)
                {
                    csv.Add(week, Groups.Subjects[group], null, null, true);
                    continue;
                }

                var eta = settledVsLocal.Scaler!.DecisionFunction(fit, rows);
                csv.Add(week, Groups.Subjects[group], rows.Length, (double)eta.Count(e => LogisticRegression.Sigmoid(e) <= 0.5) / rows.Length, false);
            }
        }

        return csv;
    }

    private static string ExitName(FitExit exit) => exit switch
    {
        FitExit.Converged => "converged",
        FitExit.IterationLimit => "iteration_limit",
        _ => "stalled",
    };
}
