namespace Mosaic.Features;

/// <summary>How a run of the features stage ended.</summary>
public enum FeatureExitReason
{
    /// <summary>Features were computed and written.</summary>
    Computed,

    /// <summary>The run folder already held features for the same inputs and parameters; nothing was recomputed.</summary>
    Reused,
}

/// <summary>
/// What the features stage did: written as <c>report.json</c> (no subscriber identifiers, only
/// counts) and returned to callers such as <c>mosaic run</c> and the integration stage.
/// </summary>
public sealed record FeatureReport
{
    /// <summary>How the stage ended.</summary>
    public required FeatureExitReason ExitReason { get; init; }

    /// <summary>Midnight that starts week 1.</summary>
    public required DateTime StudyStart { get; init; }

    /// <summary>Number of study weeks.</summary>
    public required int Weeks { get; init; }

    /// <summary>Rows of <c>features.parquet</c> (active subject-weeks).</summary>
    public required long Rows { get; init; }

    /// <summary>Distinct subjects with at least one row.</summary>
    public required long Subjects { get; init; }

    /// <summary>Subjects per group (local, settled, new).</summary>
    public required IReadOnlyDictionary<string, long> SubjectsByGroup { get; init; }

    /// <summary>Rows per week.</summary>
    public required IReadOnlyDictionary<string, long> RowsByWeek { get; init; }

    /// <summary>Rows per group and week, keyed <c>group/week</c> (e.g. <c>new/2</c>): the denominators of per-group weekly means.</summary>
    public required IReadOnlyDictionary<string, long> RowsByGroupWeek { get; init; }

    /// <summary>Attributed subscribers excluded as machines or shared phones.</summary>
    public required long MachinesExcluded { get; init; }

    /// <summary>Why machines were excluded (the rule and its threshold).</summary>
    public required string MachineRule { get; init; }

    /// <summary>Rows of <c>subscribers</c> never seen in a call or text of the study weeks (no row, not a subject).</summary>
    public required long AttributedWithoutActivity { get; init; }

    /// <summary>Calls (rows of <c>calls</c>) inside the study weeks.</summary>
    public required long CallsInStudy { get; init; }

    /// <summary>Calls outside the study weeks (ignored).</summary>
    public required long CallsOutsideStudy { get; init; }

    /// <summary>Null values per feature column.</summary>
    public required IReadOnlyDictionary<string, long> NullsByColumn { get; init; }

    /// <summary>Nodes of the contact graph (every subscriber in a call of the study, attributed or not).</summary>
    public required long GraphNodes { get; init; }

    /// <summary>Distinct undirected edges of each week's contact graph.</summary>
    public required IReadOnlyDictionary<string, long> GraphEdgesByWeek { get; init; }

    /// <summary>Triangles of each week's contact graph.</summary>
    public required IReadOnlyDictionary<string, long> TrianglesByWeek { get; init; }

    /// <summary>City centre used by <c>home_center_distance_km</c> (latitude, degrees).</summary>
    public double? CentreLat { get; init; }

    /// <summary>City centre longitude, degrees.</summary>
    public double? CentreLon { get; init; }

    /// <summary>True when the centre is the population-weighted centroid of district centroids, false for the mean cell.</summary>
    public required bool CentrePopulationWeighted { get; init; }

    /// <summary>Seconds per step.</summary>
    public required IReadOnlyDictionary<string, double> TimingsSeconds { get; init; }
}

/// <summary>The result of <see cref="FeatureStage.Run"/>.</summary>
/// <param name="OutputFolder">The <c>RUN/features</c> folder.</param>
/// <param name="FeaturesPath">Path of <c>features.parquet</c>.</param>
/// <param name="Report">What was done, as written to <c>report.json</c>.</param>
public sealed record FeatureResult(string OutputFolder, string FeaturesPath, FeatureReport Report);
