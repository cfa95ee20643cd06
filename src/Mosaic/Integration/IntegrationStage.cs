using System.Diagnostics;
using System.Globalization;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Runs;

namespace Mosaic.Integration;

/// <summary>What the integration stage did, with its diagnostics.</summary>
/// <param name="OutputFolder">The <c>RUN/integration</c> folder written.</param>
/// <param name="Rows">Rows of the features table read.</param>
/// <param name="Subscribers">Distinct subjects per group, in <see cref="Groups.Subjects"/> order.</param>
/// <param name="Weeks">Study weeks present.</param>
/// <param name="MissingColumns">Catalogue columns absent from the features table (left out of every analysis).</param>
/// <param name="Files">Published files and their row counts.</param>
/// <param name="SuppressedCells">Rows suppressed by the privacy rule, per file.</param>
/// <param name="Directions">convergence_by_feature's direction per (feature, pair), for summaries.</param>
/// <param name="Fits">Logistic-regression models fitted (final models, not counting cross-validation).</param>
/// <param name="TimingsSeconds">Seconds per step.</param>
public sealed record IntegrationResult(
    string OutputFolder,
    long Rows,
    IReadOnlyList<long> Subscribers,
    IReadOnlyList<int> Weeks,
    IReadOnlyList<string> MissingColumns,
    IReadOnlyDictionary<string, long> Files,
    IReadOnlyDictionary<string, long> SuppressedCells,
    IReadOnlyDictionary<(string Feature, string Pair), string> Directions,
    int Fits,
    IReadOnlyDictionary<string, double> TimingsSeconds);

/// <summary>
/// The integration analysis of the migrant study (DESIGN.md, Analyses: Integration): group sizes,
/// mixing, spatial log-ratios, weekly evolution and convergence, and the paper's classification
/// protocol, from <c>RUN/features/features.parquet</c> and the data folder's calls and districts.
/// Writes <c>RUN/integration/</c>; every file atomically, rows in a fixed order, so the same inputs
/// give byte-identical outputs whatever the thread count.
/// </summary>
public static class IntegrationStage
{
    /// <summary>The stage's name in manifests.</summary>
    public const string Name = "integration";

    /// <summary>The features table a run folder must hold.</summary>
    public static string FeaturesPath(string runFolder) => Path.Combine(runFolder, "features", "features.parquet");

    /// <summary>Runs the analysis. Bad input is a <see cref="MosaicInputException"/> naming the file.</summary>
    /// <param name="options">Parameters; validated first.</param>
    /// <param name="dataFolder">Canonical data folder (calls, districts).</param>
    /// <param name="runFolder">Run folder holding <c>features/features.parquet</c>; output goes to its <c>integration/</c>.</param>
    /// <param name="progress">Optional progress sink.</param>
    public static IntegrationResult Run(IntegrationOptions options, string dataFolder, string runFolder, IProgress<StageProgress>? progress = null) =>
        Run(options, dataFolder, runFolder, progress, null);

    /// <summary>Mixing counts summed over partitions, and the original data's inputs for the manifest.</summary>
    internal sealed record Partitioned(IReadOnlyList<Mixing.Count> Mixing, IReadOnlyList<InputFile> Inputs);

    /// <summary>The analysis; with <paramref name="partitioned"/>, mixing comes from the partitions' counts instead of the calls.</summary>
    internal static IntegrationResult Run(IntegrationOptions options, string dataFolder, string runFolder, IProgress<StageProgress>? progress, Partitioned? partitioned)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var featuresPath = FeaturesPath(runFolder);
        if (!File.Exists(featuresPath))
        {
            throw new MosaicInputException(featuresPath, null, "features table not found (run `mosaic features` first)");
        }

        var output = Path.Combine(runFolder, Name);
        Directory.CreateDirectory(output);
        var timings = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            clock.Restart();
        }

        using var session = new DuckDbSession(options.Engine);
        DataFolder.Attach(session, dataFolder);
        progress.Step("reading features");
        var table = FeatureTable.Load(session, featuresPath);
        if (table.Rows == 0)
        {
            throw new MosaicInputException(featuresPath, null, "features table has no rows");
        }

        Lap("read");
        var k = options.MinimumCellSize;
        var files = new Dictionary<string, Csv>();

        progress.Step("group sizes and homes");
        files["groups.csv"] = Spatial.GroupSizes(table, k, out var sizes);
        var districts = session.Query("SELECT district_id FROM districts ORDER BY district_id", r => r.GetInt32(0));
        files["spatial.csv"] = Spatial.HomeShares(table, districts, k);
        Lap("spatial");

        progress.Step("mixing");
        var start = options.Start ?? StudyStart(session);
        var featuresSource = $"read_parquet({Sql.Literal(featuresPath)})";
        files["mixing.csv"] = partitioned is null
            ? Mixing.Compute(session, featuresSource, new StudyCalendar(start), table.WeekNumbers, k)
            : Mixing.Table(partitioned.Mixing, table.WeekNumbers, k);
        Lap("mixing");

        progress.Step("evolution and convergence");
        var trajectories = new Trajectories(table, k);
        files["evolution.csv"] = trajectories.Evolution();
        files["convergence.csv"] = trajectories.Convergence();
        files["convergence_by_feature.csv"] = trajectories.ConvergenceByFeature(options.Alpha, out var directions);
        Lap("evolution");

        progress.Step("classification", 0);
        var classification = Classification.Run(table, options, progress.Fractions("classification"));
        files["classification.csv"] = classification.Classification;
        files["coefficients.csv"] = classification.Coefficients;
        files["models.csv"] = classification.Models;
        files["confusion_three_way.csv"] = classification.Confusion;
        files["misclassified_as_local.csv"] = classification.MisclassifiedAsLocal;
        files["roc.csv"] = classification.Roc;
        Lap("classification");

        progress.Step("writing");
        var rowCounts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var suppressed = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, csv) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            csv.WriteTo(Path.Combine(output, name));
            rowCounts[name] = csv.Rows;
            suppressed[name] = csv.SuppressedRows;
        }

        Lap("write");
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["rows"] = table.Rows,
            ["weeks"] = table.WeekNumbers.Length,
            ["fits"] = classification.Fits,
        };
        for (var g = 0; g < 3; g++)
        {
            counts[$"subscribers_{Groups.Subjects[g]}"] = sizes[g];
        }

        foreach (var (name, n) in suppressed)
        {
            counts[$"suppressed:{name}"] = n;
        }

        var inputs = new List<InputFile> { InputFile.Of(featuresPath) };
        inputs.AddRange(partitioned?.Inputs
            ?? new[] { CanonicalTables.Calls, CanonicalTables.Districts }.Select(t => InputFile.Of(DataFolder.TablePath(dataFolder, t))));
        new Manifest
        {
            Stage = Name,
            Parameters = Parameters(options, start, table),
            Inputs = inputs,
            Counts = counts,
            TimingsSeconds = timings,
            FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        }.WriteTo(output);

        return new IntegrationResult(output, table.Rows, sizes, table.WeekNumbers, table.MissingColumns, rowCounts, suppressed,
            directions, classification.Fits, timings);
    }

    /// <summary>Midnight of the earliest call's date (DESIGN.md's default study start).</summary>
    private static DateTime StudyStart(DuckDbSession session)
    {
        var first = session.Scalar("SELECT CAST(date_trunc('day', min(start_time)) AS TIMESTAMP) FROM calls");
        return first is DateTime d ? d : throw new MosaicInputException(CanonicalTables.FileName(CanonicalTables.Calls), null, "calls table is empty");
    }

    private static SortedDictionary<string, string> Parameters(IntegrationOptions options, DateTime start, FeatureTable table) => new(StringComparer.Ordinal)
    {
        ["k"] = Manifest.Format(options.MinimumCellSize),
        ["seed"] = Manifest.Format(options.Seed),
        ["train_week"] = Manifest.Format(options.TrainWeek),
        ["train_fraction"] = Manifest.Format(options.TrainFraction),
        ["cv_folds"] = Manifest.Format(options.CrossValidationFolds),
        ["cv_max_rows"] = Manifest.Format(options.CrossValidationMaxRows),
        ["lambdas"] = string.Join(',', options.Lambdas.Select(l => Manifest.Format(l))),
        ["max_iterations"] = Manifest.Format(options.MaxIterations),
        ["tolerance"] = Manifest.Format(options.Tolerance),
        ["alpha"] = Manifest.Format(options.Alpha),
        ["start"] = start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        ["classifier"] = "L2 logistic regression, Newton/IRLS; three_way one-vs-rest",
        ["convergence_test"] = "Welch t-test on the change in gap between first and last week",
        ["missing_columns"] = string.Join(',', table.MissingColumns),
    };
}
