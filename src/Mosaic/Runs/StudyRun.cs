using System.Globalization;
using Mosaic.Data;
using Mosaic.Features;
using Mosaic.Integration;
using Mosaic.Mitigation;
using Mosaic.Reporting;
using Mosaic.Segregation;
using Mosaic.Simulation;

namespace Mosaic.Runs;

/// <summary>Options of <c>mosaic run</c>.</summary>
public sealed record StudyRunOptions
{
    /// <summary>The run folder.</summary>
    public required string RunFolder { get; init; }

    /// <summary>A canonical data folder (from <c>mosaic ingest</c>); null simulates the built-in city into <c>RUN/data</c>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Preset of the built-in city.</summary>
    public SimulationPreset Preset { get; init; } = SimulationPreset.Medium;

    /// <summary>Seed of the built-in city.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Significance level of the segregation tests.</summary>
    public double Alpha { get; init; } = SegregationOptions.DefaultAlpha;

    /// <summary>Cap on any district's refugee share after relocation.</summary>
    public double Cap { get; init; } = 0.10;

    /// <summary>Privacy threshold k.</summary>
    public int MinimumCellSize { get; init; } = 15;

    /// <summary>DuckDB resources.</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>
    /// A partitioned copy of <see cref="DataFolder"/> (<c>mosaic partition</c>) whose per-partition
    /// steps have all run into the run folder: features, integration and segregation are then
    /// merged from <c>RUN/partitions/</c> instead of computed on one machine (scale-out's last job).
    /// </summary>
    public string? PartitionFolder { get; init; }
}

/// <summary>
/// <c>mosaic run</c>: the whole study — data (simulated when none is given), features,
/// integration, segregation, mitigation, report — as one <see cref="Pipeline"/>.
/// </summary>
public static class StudyRun
{
    /// <summary>The stages of a study run, in order.</summary>
    public static IReadOnlyList<PipelineStage> Stages(StudyRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = options.RunFolder;
        var data = options.DataFolder ?? Path.Combine(run, "data");
        var stages = new List<PipelineStage>();
        if (options.PartitionFolder is not null && options.DataFolder is null)
        {
            throw new MosaicInputException("--partitions", null, "a partitioned run needs --data, the folder that was partitioned");
        }

        if (options.DataFolder is null)
        {
            var simulation = new SimulationOptions { Preset = options.Preset, Seed = options.Seed };
            stages.Add(new PipelineStage("simulate", data, $"{simulation.Preset} {simulation.Seed}", progress =>
            {
                var result = Simulator.Run(simulation, data, progress);
                return $"{result.Subscribers:N0} subscribers, {result.Calls:N0} calls, {result.Districts} districts";
            }));
        }
        else
        {
            // A given data folder is an input: its manifest fingerprint keys everything downstream.
            stages.Add(new PipelineStage("data", data, DataKey(data), _ => "canonical tables given"));
        }

        stages.Add(new PipelineStage(FeatureStage.Name, Path.Combine(run, FeatureStage.Name), Format(options.Engine), progress =>
        {
            var result = options.PartitionFolder is { } pdir
                ? FeaturePartitions.Merge(options.Engine, pdir, run, progress)
                : FeatureStage.Run(new FeatureOptions { Engine = options.Engine }, data, run, progress);
            return $"{result.Report.Rows:N0} subscriber-weeks over {result.Report.Weeks} weeks";
        }));
        stages.Add(new PipelineStage(IntegrationStage.Name, Path.Combine(run, IntegrationStage.Name), Format(options.MinimumCellSize), progress =>
        {
            var integration = new IntegrationOptions { MinimumCellSize = options.MinimumCellSize };
            var result = options.PartitionFolder is { } pdir
                ? IntegrationPartitions.Merge(integration, pdir, run, progress)
                : IntegrationStage.Run(integration, data, run, progress);
            var towards = result.Directions.Count(d => d.Value == "towards");
            return $"{result.Subscribers.Sum():N0} subjects; {towards} of {result.Directions.Count} feature gaps closing";
        }));
        stages.Add(new PipelineStage(SegregationStage.Name, Path.Combine(run, SegregationStage.Name), $"{Format(options.Alpha)} {Format(options.MinimumCellSize)}", progress =>
        {
            var segregation = new SegregationOptions { Alpha = options.Alpha, MinSubscribers = options.MinimumCellSize, Engine = options.Engine };
            var result = options.PartitionFolder is { } pdir
                ? SegregationPartitions.Merge(options.Engine, pdir, run, progress, segregation)
                : SegregationStage.Run(segregation, data, run, progress);
            var tested = result.Tests.Where(t => t.Comparison == "RT_vs_TT" && t.Segregated is not null).ToList();
            return $"{tested.Count(t => t.Segregated == true)} of {tested.Count} districts segregated (RT vs TT, alpha {options.Alpha})";
        }));
        stages.Add(new PipelineStage(MitigationStage.FolderName, Path.Combine(run, MitigationStage.FolderName), $"{Format(options.Cap)} {Format(options.Alpha)}", progress =>
        {
            var result = MitigationStage.Run(new MitigationOptions { DataFolder = data, RunFolder = run, Cap = options.Cap, Alpha = options.Alpha }, progress);
            return string.Join("; ", result.Summaries.Select(s =>
                string.Create(CultureInfo.InvariantCulture, $"{s.Network}: {s.Relocated:N0} moved, segregated {s.SegregatedBefore}→{s.SegregatedAfter}")));
        }));
        stages.Add(new PipelineStage("report", Path.Combine(run, "figures"), Format(options.MinimumCellSize), progress =>
        {
            var result = ReportStage.Run(new ReportOptions { PrivacyK = options.MinimumCellSize }, run, data, progress);
            return $"{result.ReportPath} ({result.Figures.Count} figures)";
        }));
        return stages;
    }

    /// <summary>Runs every stage (reusing completed ones).</summary>
    public static IReadOnlyList<StageReport> Run(StudyRunOptions options, Func<string, Func<IProgress<StageProgress>?, string>, string>? progressFor = null) =>
        Pipeline.Run(options.RunFolder, Stages(options), progressFor);

    private static string DataKey(string folder) =>
        Manifest.ReadFrom(folder)?.Fingerprint
        ?? throw new MosaicInputException(folder, null, "not a Mosaic data folder (no manifest.json): run `mosaic ingest` or `mosaic simulate` first");

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
