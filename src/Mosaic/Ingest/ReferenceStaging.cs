using Mosaic.Data;

namespace Mosaic.Ingest;

/// <summary>
/// Stages the reference tables (cells, districts, subscribers, bandicoot attributes) the same
/// way as calls: every record typed, with the reason it is rejected or null. Column names are
/// matched case-insensitively, with the aliases operators and bandicoot use.
/// </summary>
internal static class ReferenceStaging
{
    /// <summary>Finds a column by any of its names; null when absent.</summary>
    public static string? Column(CsvFile csv, params string[] names) =>
        csv.Header.FirstOrDefault(h => names.Any(n => string.Equals(h, n, StringComparison.OrdinalIgnoreCase)));

    private static string RequireColumn(CsvFile csv, params string[] names) =>
        Column(csv, names) ?? throw new MosaicInputException(csv.Path, 1,
            $"missing column '{names[0]}'{(names.Length > 1 ? $" (or {string.Join(", ", names.Skip(1))})" : "")} (the header has: {string.Join(", ", csv.Header)})");

    private static string Text(string? column) => column is null ? "NULL::VARCHAR" : $"nullif(trim({Sql.Identifier(column)}), '')";

    /// <summary>
    /// Cells file → <c>ref_cells(file_index, parsed_row, code, lat, lon, district_id, reason)</c>.
    /// Positions may be empty (a cell without coordinates); if present they must be in range.
    /// </summary>
    public static void StageCells(DuckDbSession session, CsvFile csv, int fileIndex)
    {
        var code = RequireColumn(csv, "cell_id", "antenna_id", "bts_id", "site_id", "cell");
        var lat = Column(csv, "lat", "latitude");
        var lon = Column(csv, "lon", "longitude", "lng");
        var district = Column(csv, "district_id");
        csv.Load(session, $"""
            CREATE OR REPLACE TEMP TABLE ref_cells AS
            WITH raw AS (
                SELECT row_number() OVER () AS parsed_row, {Text(code)} AS code,
                       {Text(lat)} AS lat_raw, {Text(lon)} AS lon_raw, {Text(district)} AS district_raw
                FROM {csv.ReadCsvSql($"rejects_{fileIndex}", $"scans_{fileIndex}")}),
            typed AS (
                SELECT *, try_cast(lat_raw AS DOUBLE) AS lat, try_cast(lon_raw AS DOUBLE) AS lon,
                       try_cast(district_raw AS INTEGER) AS district_id FROM raw)
            SELECT {fileIndex} AS file_index, parsed_row, code, lat, lon, district_id,
                   CASE WHEN code IS NULL THEN '{RejectReason.EmptyId}'
                        WHEN (lat_raw IS NULL) <> (lon_raw IS NULL) OR (lat_raw IS NOT NULL AND (lat IS NULL OR abs(lat) > 90))
                             OR (lon_raw IS NOT NULL AND (lon IS NULL OR abs(lon) > 180)) THEN '{RejectReason.BadCoordinates}'
                        WHEN district_raw IS NOT NULL AND district_id IS NULL THEN '{RejectReason.BadValue}'
                        WHEN row_number() OVER (PARTITION BY code ORDER BY parsed_row) > 1 THEN '{RejectReason.Duplicate}'
                   END AS reason
            FROM typed
            """);
    }

    /// <summary>
    /// Districts file → <c>ref_districts(file_index, parsed_row, district_id, name, population,
    /// monthly_rent, refugee_population, reason)</c>.
    /// </summary>
    public static void StageDistricts(DuckDbSession session, CsvFile csv, int fileIndex)
    {
        var id = RequireColumn(csv, "district_id");
        var name = RequireColumn(csv, "name");
        var population = RequireColumn(csv, "population");
        var rent = RequireColumn(csv, "monthly_rent", "rent");
        var refugees = Column(csv, "refugee_population", "refugees");
        csv.Load(session, $"""
            CREATE OR REPLACE TEMP TABLE ref_districts AS
            WITH raw AS (
                SELECT row_number() OVER () AS parsed_row, {Text(id)} AS id_raw, {Text(name)} AS name,
                       {Text(population)} AS population_raw, {Text(rent)} AS rent_raw, {Text(refugees)} AS refugees_raw
                FROM {csv.ReadCsvSql($"rejects_{fileIndex}", $"scans_{fileIndex}")}),
            typed AS (
                SELECT *, try_cast(id_raw AS INTEGER) AS district_id, try_cast(population_raw AS BIGINT) AS population,
                       try_cast(rent_raw AS DOUBLE) AS monthly_rent, try_cast(refugees_raw AS BIGINT) AS refugee_population
                FROM raw)
            SELECT {fileIndex} AS file_index, parsed_row, district_id, name, population, monthly_rent, refugee_population,
                   CASE WHEN district_id IS NULL OR name IS NULL THEN '{RejectReason.EmptyId}'
                        WHEN (population_raw IS NOT NULL AND (population IS NULL OR population < 0))
                             OR (rent_raw IS NOT NULL AND (monthly_rent IS NULL OR NOT isfinite(monthly_rent) OR monthly_rent < 0))
                             OR (refugees_raw IS NOT NULL AND (refugee_population IS NULL OR refugee_population < 0)) THEN '{RejectReason.BadValue}'
                        WHEN row_number() OVER (PARTITION BY district_id ORDER BY parsed_row) > 1 THEN '{RejectReason.Duplicate}'
                   END AS reason
            FROM typed
            """);
    }

    /// <summary>
    /// Subscribers file → <c>ref_subscribers(file_index, parsed_row, raw_id, birthplace,
    /// is_refugee, age, gender, reason)</c>. Gender accepts F/M (any case); is_refugee accepts
    /// true/false/1/0/yes/no; age 0–120; empty values are null.
    /// </summary>
    public static void StageSubscribers(DuckDbSession session, CsvFile csv, int fileIndex)
    {
        var id = RequireColumn(csv, "subscriber_id", "user_id", "id");
        var birthplace = Column(csv, "birthplace");
        var refugee = Column(csv, "is_refugee");
        var age = Column(csv, "age");
        var gender = Column(csv, "gender", "sex");
        csv.Load(session, $"""
            CREATE OR REPLACE TEMP TABLE ref_subscribers AS
            WITH raw AS (
                SELECT row_number() OVER () AS parsed_row, {Text(id)} AS raw_id, {Text(birthplace)} AS birthplace,
                       lower({Text(refugee)}) AS refugee_raw, {Text(age)} AS age_raw, upper({Text(gender)}) AS gender
                FROM {csv.ReadCsvSql($"rejects_{fileIndex}", $"scans_{fileIndex}")}),
            typed AS (
                SELECT *, CASE WHEN refugee_raw IN ('true', '1', 'yes', 't', 'y') THEN true
                               WHEN refugee_raw IN ('false', '0', 'no', 'f', 'n') THEN false END AS is_refugee,
                          try_cast(age_raw AS INTEGER) AS age
                FROM raw)
            SELECT {fileIndex} AS file_index, parsed_row, raw_id, birthplace, is_refugee, age, gender,
                   CASE WHEN raw_id IS NULL THEN '{RejectReason.EmptyId}'
                        WHEN (refugee_raw IS NOT NULL AND is_refugee IS NULL) OR (age_raw IS NOT NULL AND (age IS NULL OR age < 0 OR age > 120))
                             OR (gender IS NOT NULL AND gender NOT IN ('F', 'M')) THEN '{RejectReason.BadValue}'
                        WHEN row_number() OVER (PARTITION BY raw_id ORDER BY parsed_row) > 1 THEN '{RejectReason.Duplicate}'
                   END AS reason
            FROM typed
            """);
    }
}
