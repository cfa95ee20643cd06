using Mosaic.Data;

namespace Mosaic.Ingest;

/// <summary>Layout of the call files.</summary>
public enum CallFormat
{
    /// <summary>Operator call-level CSV, one row per call (columns renamed with <see cref="ColumnMap"/>).</summary>
    Operator,

    /// <summary>bandicoot's per-user folder: one CSV per user, named after the user.</summary>
    Bandicoot,

    /// <summary>D4R hourly site-to-site traffic, into the <c>site_traffic</c> table.</summary>
    D4r,
}

/// <summary>Everything <see cref="IngestStage"/> needs.</summary>
public sealed record IngestOptions
{
    /// <summary>Call files (operator, d4r) or one folder of per-user files (bandicoot).</summary>
    public required IReadOnlyList<string> CallFiles { get; init; }

    /// <summary>The folder the canonical tables are written to.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Layout of <see cref="CallFiles"/>.</summary>
    public CallFormat Format { get; init; } = CallFormat.Operator;

    /// <summary>Renamed columns and the timestamp format of the call files.</summary>
    public ColumnMap Map { get; init; } = ColumnMap.Identity;

    /// <summary>Field delimiter of the call files (operator format).</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Subscribers CSV: <c>subscriber_id,birthplace,is_refugee,age,gender</c>.</summary>
    public string? SubscribersFile { get; init; }

    /// <summary>Cells CSV: <c>cell_id,lat,lon[,district_id]</c> (aliases: antenna_id/BTS_ID/site_id, latitude, longitude).</summary>
    public string? CellsFile { get; init; }

    /// <summary>Districts CSV: <c>district_id,name,population,monthly_rent[,refugee_population]</c>.</summary>
    public string? DistrictsFile { get; init; }

    /// <summary>District polygons (GeoJSON FeatureCollection); cells get districts by point-in-polygon.</summary>
    public string? GeoJsonFile { get; init; }

    /// <summary>bandicoot attributes folder (one <c>key,value</c> CSV per user).</summary>
    public string? AttributesFolder { get; init; }

    /// <summary>Ingest fails (exit 2, no canonical tables) when more than this share of call rows is rejected.</summary>
    public double MaxRejectRate { get; init; } = 0.01;

    /// <summary>Calls longer than this are rejected as absurd (default one day).</summary>
    public int MaxDurationSeconds { get; init; } = 86_400;

    /// <summary>Pseudonymiser for subscriber ids; null uses a random key unless <see cref="KeepIdentifiers"/>.</summary>
    public Privacy.Pseudonymizer? Pseudonymizer { get; init; }

    /// <summary>Keep ids as given (<c>--no-pseudonymize</c>, for data already pseudonymised): they must be 64-bit integers.</summary>
    public bool KeepIdentifiers { get; init; }

    /// <summary>Keep the raw text of rejected rows, identifiers included, in <c>rejects.parquet</c> (stays in the secure room).</summary>
    public bool KeepRawRejects { get; init; }

    /// <summary>
    /// Read plain operator call files with the fast reader (<see cref="FastCallReader"/>) when it
    /// can; false always uses DuckDB's reader. Both give the same tables, report and rejects.
    /// </summary>
    public bool FastReader { get; init; } = true;

    /// <summary>DuckDB resources.</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>Checks the options before any work starts.</summary>
    public void Validate()
    {
        if (CallFiles.Count == 0)
        {
            throw new MosaicInputException("no call files given (--calls)");
        }

        if (MaxRejectRate is < 0 or > 1 || double.IsNaN(MaxRejectRate))
        {
            throw new MosaicInputException($"--max-reject-rate must be between 0 and 1, not {MaxRejectRate}");
        }

        if (MaxDurationSeconds <= 0)
        {
            throw new MosaicInputException("--max-duration must be positive");
        }

        if (Format == CallFormat.Bandicoot && (CallFiles.Count != 1 || !Directory.Exists(CallFiles[0])))
        {
            throw new MosaicInputException(CallFiles[0], null, "bandicoot format takes one folder of per-user CSV files");
        }

        foreach (var file in Format == CallFormat.Bandicoot ? [] : CallFiles)
        {
            if (!File.Exists(file))
            {
                throw new MosaicInputException(file, null, "file not found");
            }
        }

        foreach (var file in new[] { SubscribersFile, CellsFile, DistrictsFile, GeoJsonFile }.OfType<string>())
        {
            if (!File.Exists(file))
            {
                throw new MosaicInputException(file, null, "file not found");
            }
        }
    }
}
