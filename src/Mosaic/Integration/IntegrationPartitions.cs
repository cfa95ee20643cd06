using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Definitions;
using Mosaic.Features;
using Mosaic.Runs;
using Mosaic.ScaleOut;

namespace Mosaic.Integration;

/// <summary>
/// The integration stage over a partitioned data folder: the only part that reads calls, the
/// mixing counts, runs once per partition (<see cref="Compute"/>, after every partition's
/// features); <see cref="Merge"/> sums them and runs the rest of the stage (group sizes, spatial
/// shares, trajectories, classification: all from the merged <c>features.parquet</c>) as
/// <see cref="IntegrationStage.Run(IntegrationOptions, string, string, IProgress{StageProgress})"/> does.
/// </summary>
/// <remarks>
/// Partition K holds every call with an endpoint in K. Contacts, calls and distinct callers are
/// counted over the calls whose caller K owns, distinct callees over those whose callee it owns:
/// each caller and callee is counted in exactly one partition, so the sums are the one-machine counts.
/// </remarks>
public static class IntegrationPartitions
{
    private const string CountsFile = "mixing.json";

    /// <summary>Folder of one partition's intermediates inside a run.</summary>
    public static string Folder(string runFolder, int index) => PartitionSteps.Folder(runFolder, IntegrationStage.Name, index);

    /// <summary>Whether a run folder holds integration partials.</summary>
    public static bool HasPartials(string runFolder) => Directory.Exists(PartitionSteps.StageFolder(runFolder, IntegrationStage.Name));

    /// <summary>A partition's mixing counts and the study start they used.</summary>
    internal sealed record Partial(DateTime Start, IReadOnlyList<Mixing.Count> Mixing, double Seconds);

    /// <summary>Mixing counts of partition <paramref name="spec"/>; needs every partition's features (their groups).</summary>
    /// <returns>Cells counted.</returns>
    /// <exception cref="MosaicInputException">Some partitions' features are missing (named).</exception>
    public static int Compute(IntegrationOptions options, string partitionFolder, string runFolder, PartitionSpec spec, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        options.Validate();
        var layout = PartitionSteps.CheckLayout(partitionFolder, spec);
        PartitionSteps.RequireAll(runFolder, FeatureStage.Name, spec.Count, FeaturePartitions.ComputeMarker, "features --partition K/N");
        var output = Folder(runFolder, spec.Index);
        Directory.CreateDirectory(output);
        File.Delete(Path.Combine(output, CountsFile));
        var clock = Stopwatch.StartNew();
        var start = options.Start ?? layout.FirstCall?.Date
            ?? throw new MosaicInputException(Path.Combine(partitionFolder, PartitionLayout.FileName), null, "calls table is empty");
        List<Mixing.Count> counts;
        using (var session = new DuckDbSession(PartitionSteps.SpillInto(options.Engine, output)))
        {
            progress.Step("mixing counts");
            DataFolder.Attach(session, PartitionLayout.PartFolder(partitionFolder, spec.Index));
            var features = $"read_parquet([{PartitionSteps.FileList(runFolder, FeatureStage.Name, spec.Count, FeatureStage.FeaturesFile)}])";
            var weeks = session.Query($"SELECT DISTINCT week FROM {features} ORDER BY week", r => Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture)).ToArray();
            counts = Mixing.Counts(session, features, new StudyCalendar(start), weeks, spec);
        }

        AtomicFile.WriteAllText(Path.Combine(output, CountsFile),
            JsonSerializer.Serialize(new Partial(start, counts, Math.Round(clock.Elapsed.TotalSeconds, 3)), Manifest.JsonOptions) + "\n");
        return counts.Count;
    }

    /// <summary>
    /// Writes <c>RUN/integration/</c> from the merged features and the partitions' summed mixing
    /// counts. Needs <c>RUN/features/features.parquet</c> (the features merge) and every partition's counts.
    /// </summary>
    public static IntegrationResult Merge(IntegrationOptions options, string partitionFolder, string runFolder, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var layout = PartitionLayout.Read(partitionFolder);
        PartitionSteps.RequireAll(runFolder, IntegrationStage.Name, layout.Partitions, CountsFile, "integration --partition K/N");
        var partials = Enumerable.Range(0, layout.Partitions)
            .Select(k => JsonSerializer.Deserialize<Partial>(File.ReadAllText(Path.Combine(Folder(runFolder, k), CountsFile)), Manifest.JsonOptions)!)
            .ToList();
        var start = options.Start ?? layout.FirstCall?.Date;
        if (partials.Any(p => p.Start != start))
        {
            throw new MosaicInputException(PartitionSteps.StageFolder(runFolder, IntegrationStage.Name), null,
                "the partitions' `integration --partition K/N` ran with another --start; re-run them alike");
        }

        var mixing = partials.SelectMany(p => p.Mixing)
            .GroupBy(c => (c.Week, c.Caller, c.Callee))
            .Select(g => new Mixing.Count(g.Key.Week, g.Key.Caller, g.Key.Callee,
                g.Sum(c => c.Contacts), g.Sum(c => c.Calls), g.Sum(c => c.Callers), g.Sum(c => c.Callees)))
            .ToList();
        // The single-machine stage's inputs, in its order.
        var inputs = new[] { CanonicalTables.Calls, CanonicalTables.Districts }
            .Select(t => layout.Inputs.First(i => Path.GetFileName(i.Path) == CanonicalTables.FileName(t)))
            .ToList();
        // The districts table is copied into every partition; the start is fixed, so no task reads the whole calls table.
        return IntegrationStage.Run(options with { Start = start }, PartitionLayout.PartFolder(partitionFolder, 0), runFolder, progress,
            new IntegrationStage.Partitioned(mixing, inputs));
    }
}
