using Mosaic.Data;

namespace Mosaic.Features;

/// <summary>
/// Parameters of the weekly features stage, validated by <see cref="Validate"/> before any work.
/// </summary>
/// <remarks>
/// Weeks follow <see cref="Definitions.StudyCalendar"/>: week k covers days 7(k−1) … 7k−1 after
/// <see cref="Start"/> (default: midnight of the earliest call's date), in local wall-clock time.
/// </remarks>
public sealed record FeatureOptions
{
    /// <summary>Default machine threshold: 1,000 interactions in one week, as the D4R data used.</summary>
    public const int DefaultMachineThreshold = 1000;

    /// <summary>
    /// A subscriber with at least this many interactions (calls and texts, both directions) in any
    /// one study week is treated as a machine or shared phone and excluded from the subjects.
    /// </summary>
    public int MachineThreshold { get; init; } = DefaultMachineThreshold;

    /// <summary>Midnight that starts week 1; null for midnight of the earliest call's date.</summary>
    public DateTime? Start { get; init; }

    /// <summary>Number of study weeks; null for every week up to the last call.</summary>
    public int? Weeks { get; init; }

    /// <summary>The study city's birthplace code: subscribers born here are locals.</summary>
    public string CityCode { get; init; } = CanonicalTables.DefaultCityCode;

    /// <summary>DuckDB threads and memory; the clustering kernel uses the same thread count.</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>Largest accepted <see cref="Slices"/>.</summary>
    public const int MaxSlices = 4096;

    /// <summary>
    /// Number of subscriber slices computed one after another in one process (1 = the whole data
    /// in one pass); null chooses from the number of calls and the memory limit
    /// (<see cref="FeatureSlices.Choose"/>). The output does not depend on it.
    /// </summary>
    public int? Slices { get; init; }

    /// <summary>Recompute even when the run folder holds an output with the same inputs and parameters.</summary>
    public bool Force { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending option.</summary>
    public FeatureOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MachineThreshold, 1, nameof(MachineThreshold));
        if (Weeks is int weeks)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(weeks, 1, nameof(Weeks));
        }

        if (Start is DateTime start && start.TimeOfDay != TimeSpan.Zero)
        {
            throw new ArgumentException("the study start must be a midnight", nameof(Start));
        }

        if (Slices is int slices)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(slices, 1, nameof(Slices));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(slices, MaxSlices, nameof(Slices));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(CityCode, nameof(CityCode));
        ArgumentNullException.ThrowIfNull(Engine, nameof(Engine));
        return this;
    }

    /// <summary>Parameters as strings, for the manifest.</summary>
    internal Dictionary<string, string> ToParameters() => new()
    {
        ["machine_threshold"] = Runs.Manifest.Format(MachineThreshold),
        ["start"] = Start is DateTime s ? s.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "earliest",
        ["weeks"] = Weeks is int w ? Runs.Manifest.Format(w) : "all",
        ["city_code"] = CityCode,
    };
}
