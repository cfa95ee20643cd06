namespace Mosaic.Data;

/// <summary>
/// The canonical tables every stage reads: one Parquet file per table in a data folder.
/// The DDL here is the single source of truth for their schemas; adapters and the simulator
/// create these tables in DuckDB and <see cref="DataFolder"/> copies them to Parquet.
/// </summary>
/// <remarks>
/// Identifiers are integers inside Mosaic: <c>subscriber_id</c> is a 64-bit keyed pseudonym
/// (see <see cref="Privacy.Pseudonymizer"/>) and <c>cell_id</c> a dense 32-bit key, with the
/// operator's own cell code kept in <c>cells.cell_code</c>. Integer keys make the joins and
/// group-bys over hundreds of millions of calls several times cheaper than strings.
/// Timestamps are local wall-clock time (no zone), as operators record them.
/// </remarks>
public static class CanonicalTables
{
    /// <summary>One row per call or text, as the operator recorded it.</summary>
    public const string Calls = "calls";

    /// <summary>Attributed subscribers (the study's subjects).</summary>
    public const string Subscribers = "subscribers";

    /// <summary>Cells (antennas) with position and district.</summary>
    public const string Cells = "cells";

    /// <summary>Districts with population and rent.</summary>
    public const string Districts = "districts";

    /// <summary>D4R-style hourly site-to-site traffic (optional).</summary>
    public const string SiteTraffic = "site_traffic";

    /// <summary>District polygons file name inside a data folder.</summary>
    public const string DistrictsGeoJson = "districts.geojson";

    /// <summary>The required tables, in dependency order.</summary>
    public static IReadOnlyList<string> Required { get; } = [Districts, Cells, Subscribers, Calls];

    /// <summary>Column definitions (DuckDB types) of every canonical table.</summary>
    public static IReadOnlyDictionary<string, string> Ddl { get; } = new Dictionary<string, string>
    {
        [Calls] = """
            caller_id BIGINT NOT NULL,
            callee_id BIGINT NOT NULL,
            start_time TIMESTAMP NOT NULL,
            duration_s INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            caller_cell INTEGER,
            callee_cell INTEGER
            """,
        [Subscribers] = """
            subscriber_id BIGINT NOT NULL,
            birthplace VARCHAR,
            is_refugee BOOLEAN,
            age INTEGER,
            gender VARCHAR
            """,
        [Cells] = """
            cell_id INTEGER NOT NULL,
            cell_code VARCHAR NOT NULL,
            lat DOUBLE,
            lon DOUBLE,
            district_id INTEGER
            """,
        [Districts] = """
            district_id INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            population BIGINT,
            monthly_rent DOUBLE,
            refugee_population BIGINT
            """,
        [SiteTraffic] = """
            hour_start TIMESTAMP NOT NULL,
            outgoing_cell INTEGER NOT NULL,
            incoming_cell INTEGER NOT NULL,
            number_of_calls BIGINT NOT NULL,
            number_of_refugee_calls BIGINT NOT NULL,
            total_call_duration_s DOUBLE
            """,
    };

    /// <summary>The study city's own birthplace code: subscribers born here are locals.</summary>
    public const string DefaultCityCode = "city";

    /// <summary>Parquet file name of a table.</summary>
    public static string FileName(string table) => table + ".parquet";

    /// <summary><c>CREATE TABLE</c> statement for a canonical table, optionally under another name.</summary>
    public static string CreateStatement(string table, string? asName = null) =>
        $"CREATE OR REPLACE TABLE {asName ?? table} ({Ddl[table]});";
}
