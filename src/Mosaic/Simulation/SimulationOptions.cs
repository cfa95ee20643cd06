using System.Globalization;

namespace Mosaic.Simulation;

/// <summary>Scale presets of the simulated city.</summary>
public enum SimulationPreset
{
    /// <summary>About 1k attributed subscribers among 12k: for tests (about a second).</summary>
    Tiny,

    /// <summary>20k subscribers, 4k attributed.</summary>
    Small,

    /// <summary>200k subscribers, 30k attributed: the built-in city of <c>mosaic run</c>.</summary>
    Medium,

    /// <summary>5M subscribers, 300k attributed.</summary>
    Large,

    /// <summary>The Shanghai seed's scale: 54M subscribers, about 2.7M attributed, about 700M calls in 4 weeks.</summary>
    Seed,
}

/// <summary>Sizes implied by a preset; every field can be overridden through <see cref="SimulationOptions"/>.</summary>
/// <param name="Subscribers">All subscribers (attributed and unattributed, machines excluded).</param>
/// <param name="Attributed">Subscribers with attributes (the study's subjects).</param>
/// <param name="NewShare">Share of attributed subscribers who are new migrants.</param>
/// <param name="Districts">Districts of the synthetic city.</param>
/// <param name="Cells">Cells (antennas) of the city.</param>
/// <param name="Machines">Machine-like numbers (call centres).</param>
public sealed record PresetSizes(long Subscribers, int Attributed, double NewShare, int Districts, int Cells, int Machines)
{
    /// <summary>The sizes of a preset.</summary>
    public static PresetSizes Of(SimulationPreset preset) => preset switch
    {
        SimulationPreset.Tiny => new(12_000, 1_000, 0.10, 12, 300, 2),
        SimulationPreset.Small => new(20_000, 4_000, 0.08, 16, 600, 3),
        SimulationPreset.Medium => new(200_000, 30_000, 0.06, 24, 1_500, 5),
        SimulationPreset.Large => new(5_000_000, 300_000, 0.01, 32, 4_000, 20),
        // The seed: 1.7M locals, 1.0M settled, 22k new among 54M users (Yang et al. 2018).
        SimulationPreset.Seed => new(54_000_000, 2_722_000, 0.0081, 39, 12_000, 60),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "unknown preset"),
    };
}

/// <summary>
/// Options of <see cref="Simulator.Run"/>. Null sizes take the preset's value. Validated by
/// <see cref="Validate"/> before any work starts.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>Scale preset (default <see cref="SimulationPreset.Medium"/>).</summary>
    public SimulationPreset Preset { get; init; } = SimulationPreset.Medium;

    /// <summary>Random seed: the same seed and options give byte-identical outputs.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>All subscribers, overriding the preset; attributed subscribers scale with it unless <see cref="Attributed"/> is set.</summary>
    public long? Subscribers { get; init; }

    /// <summary>Attributed subscribers, overriding the preset.</summary>
    public int? Attributed { get; init; }

    /// <summary>Study weeks (default 4).</summary>
    public int Weeks { get; init; } = 4;

    /// <summary>Districts of the synthetic city, overriding the preset (ignored with <see cref="GeoJsonPath"/>).</summary>
    public int? Districts { get; init; }

    /// <summary>Real district polygons (GeoJSON FeatureCollection); requires <see cref="DistrictTablePath"/>.</summary>
    public string? GeoJsonPath { get; init; }

    /// <summary>CSV with columns <c>name,population,monthly_rent</c>, matched to the polygons by name.</summary>
    public string? DistrictTablePath { get; init; }

    /// <summary>Midnight starting week 1, local wall clock (default Monday 2026-01-05).</summary>
    public DateTime Start { get; init; } = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Generator threads; null uses every core. Outputs do not depend on it.</summary>
    public int? Threads { get; init; }

    /// <summary>Behavioural parameters.</summary>
    public SimulationParameters Parameters { get; init; } = SimulationParameters.Default;

    /// <summary>Sizes after applying overrides to the preset.</summary>
    public PresetSizes ResolveSizes()
    {
        var sizes = PresetSizes.Of(Preset);
        if (Subscribers is long n)
        {
            var attributed = Attributed ?? (int)Math.Max(1, Math.Round(n * (double)sizes.Attributed / sizes.Subscribers));
            var ratio = Math.Sqrt(n / (double)sizes.Subscribers);
            sizes = sizes with
            {
                Subscribers = n,
                Attributed = attributed,
                Cells = (int)Math.Clamp(Math.Round(sizes.Cells * ratio), 50, 20_000),
            };
        }
        else if (Attributed is int a)
        {
            sizes = sizes with { Attributed = a, Subscribers = Math.Max(sizes.Subscribers, a * 2L) };
        }

        return Districts is int d ? sizes with { Districts = d } : sizes;
    }

    /// <summary>Throws <see cref="MosaicInputException"/> for inconsistent options.</summary>
    public void Validate()
    {
        var sizes = ResolveSizes();
        if (Weeks is < 1 or > 52)
        {
            throw new MosaicInputException($"--weeks must be between 1 and 52 (got {Weeks.ToString(CultureInfo.InvariantCulture)})");
        }

        if (sizes.Attributed < 10)
        {
            throw new MosaicInputException("the city needs at least 10 attributed subscribers");
        }

        if (sizes.Subscribers < sizes.Attributed * 2L)
        {
            throw new MosaicInputException("--subscribers must be at least twice the attributed subscribers (most contacts are unattributed)");
        }

        if (sizes.Districts is < 2 or > 2_000)
        {
            throw new MosaicInputException("--districts must be between 2 and 2000");
        }

        if (Threads is < 1)
        {
            throw new MosaicInputException("--threads must be at least 1");
        }

        if ((GeoJsonPath is null) != (DistrictTablePath is null))
        {
            throw new MosaicInputException("--geojson and --district-table must be given together");
        }

        foreach (var path in new[] { GeoJsonPath, DistrictTablePath })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new MosaicInputException(path, null, "file not found");
            }
        }

        Parameters.Validate();
    }
}
