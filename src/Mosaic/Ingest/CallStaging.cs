using Mosaic.Data;

namespace Mosaic.Ingest;

/// <summary>
/// Loads call files into the <c>staged</c> table: every parsed record with its typed fields and
/// the reason it is rejected (null when accepted). One vectorised SQL pass per file; nothing is
/// fixed, only classified. Columns: <c>file_index, parsed_row, caller, callee, ts, dur, kind,
/// caller_code, callee_code, reason</c>.
/// </summary>
internal static class CallStaging
{
    /// <summary>Orders rows across files in one integer: file index × stride + row (rows per file below 2^34).</summary>
    private const long RowKeyStride = 1L << 34;

    private const string IsoFormats = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M']";

    public static void CreateTable(DuckDbSession session) => session.Execute("""
        CREATE OR REPLACE TEMP TABLE staged (
            file_index INTEGER, parsed_row BIGINT, caller VARCHAR, callee VARCHAR, ts TIMESTAMP,
            dur DOUBLE, kind VARCHAR, caller_code VARCHAR, callee_code VARCHAR, own_side VARCHAR, reason VARCHAR)
        """);

    /// <summary>Fails (exit code 2) when an operator file lacks a required column; true when it has coordinates instead of cells.</summary>
    public static bool RequireOperatorColumns(CsvFile csv, ColumnMap map)
    {
        var hasCoordinates = csv.Has(map.Source("caller_lat")) || csv.Has(map.Source("callee_lat"));
        csv.Require(new[] { "caller_id", "callee_id", "start_time", "duration_s" }.Select(map.Source),
            "rename columns with --map, e.g. --map caller_id=From,callee_id=To");
        if (hasCoordinates)
        {
            csv.Require(new[] { "caller_lat", "caller_lon" }.Where(c => csv.Has(map.Source("caller_lat"))).Concat(
                new[] { "callee_lat", "callee_lon" }.Where(c => csv.Has(map.Source("callee_lat")))).Select(map.Source));
        }

        return hasCoordinates;
    }

    /// <summary>Stages one operator call file.</summary>
    public static void StageOperatorFile(DuckDbSession session, CsvFile csv, int fileIndex, ColumnMap map, bool knownCells)
    {
        var src = (string canonical) => csv.Has(map.Source(canonical)) ? Sql.Identifier(map.Source(canonical)) : "NULL::VARCHAR";
        var hasCoordinates = RequireOperatorColumns(csv, map);

        var kind = csv.Has(map.Source("kind")) ? $"lower(trim({src("kind")}))" : "'call'";
        var time = map.TimeFormat is null
            ? $"try_strptime(trim({src("start_time")}), {IsoFormats})"
            : $"try_strptime(trim({src("start_time")}), {Sql.Literal(map.TimeFormat)})";
        string Cell(string side) => hasCoordinates
            ? $"CASE WHEN {side}_lat IS NOT NULL AND {side}_lon IS NOT NULL THEN printf('%.6f,%.6f', {side}_lat, {side}_lon) END"
            : $"{side}_cell_raw";
        string Coordinate(string name) => $"try_cast(trim({src(name)}) AS DOUBLE)";
        var coordinatesBad = hasCoordinates ? """
            (((caller_lat_raw IS NULL) <> (caller_lon_raw IS NULL)) OR ((callee_lat_raw IS NULL) <> (callee_lon_raw IS NULL))
             OR (caller_lat_raw IS NOT NULL AND caller_lat IS NULL) OR (caller_lon_raw IS NOT NULL AND caller_lon IS NULL)
             OR (callee_lat_raw IS NOT NULL AND callee_lat IS NULL) OR (callee_lon_raw IS NOT NULL AND callee_lon IS NULL)
             OR abs(caller_lat) > 90 OR abs(callee_lat) > 90 OR abs(caller_lon) > 180 OR abs(callee_lon) > 180)
            """ : "false";
        var unknownCell = knownCells
            ? "(caller_code IS NOT NULL AND caller_code NOT IN (SELECT code FROM known_cells)) OR (callee_code IS NOT NULL AND callee_code NOT IN (SELECT code FROM known_cells))"
            : "false";

        csv.Load(session, $"""
            INSERT INTO staged
            WITH raw AS (
                SELECT row_number() OVER () AS parsed_row,
                       nullif(trim({src("caller_id")}), '') AS caller,
                       nullif(trim({src("callee_id")}), '') AS callee,
                       {time} AS ts,
                       nullif(trim({src("duration_s")}), '') AS dur_raw,
                       {kind} AS kind,
                       nullif(trim({src("caller_lat")}), '') AS caller_lat_raw, nullif(trim({src("caller_lon")}), '') AS caller_lon_raw,
                       nullif(trim({src("callee_lat")}), '') AS callee_lat_raw, nullif(trim({src("callee_lon")}), '') AS callee_lon_raw,
                       {Coordinate("caller_lat")} AS caller_lat, {Coordinate("caller_lon")} AS caller_lon,
                       {Coordinate("callee_lat")} AS callee_lat, {Coordinate("callee_lon")} AS callee_lon,
                       {(hasCoordinates ? "NULL::VARCHAR" : $"nullif(trim({src("caller_cell")}), '')")} AS caller_cell_raw,
                       {(hasCoordinates ? "NULL::VARCHAR" : $"nullif(trim({src("callee_cell")}), '')")} AS callee_cell_raw
                FROM {csv.ReadCsvSql($"rejects_{fileIndex}", $"scans_{fileIndex}")}),
            typed AS (
                SELECT *, CASE WHEN dur_raw IS NULL AND kind = 'text' THEN 0 ELSE try_cast(dur_raw AS DOUBLE) END AS dur,
                       {Cell("caller")} AS caller_code, {Cell("callee")} AS callee_code
                FROM raw)
            SELECT {fileIndex}, parsed_row, caller, callee, ts, dur, kind,
                   caller_code, callee_code, 'out',
                   {ReasonSql(coordinatesBad, unknownCell)}
            FROM typed
            """);
    }

    /// <summary>Stages one bandicoot user file: the user is the file's name; own cell by antenna or position.</summary>
    public static void StageBandicootFile(DuckDbSession session, CsvFile csv, int fileIndex, string user, bool knownCells)
    {
        csv.Require(["interaction", "direction", "correspondent_id", "datetime", "call_duration"]);
        var byPosition = !csv.Has("antenna_id");
        if (byPosition && !(csv.Has("latitude") && csv.Has("longitude")))
        {
            throw new MosaicInputException(csv.Path, 1, "missing column 'antenna_id' (or 'latitude' and 'longitude')");
        }

        var ownCell = byPosition
            ? "CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN printf('%.6f,%.6f', lat, lon) END"
            : "nullif(trim(antenna_id), '')";
        var positionColumns = byPosition
            ? "try_cast(trim(latitude) AS DOUBLE) AS lat, try_cast(trim(longitude) AS DOUBLE) AS lon, nullif(trim(latitude), '') AS lat_raw, nullif(trim(longitude), '') AS lon_raw"
            : "NULL::DOUBLE AS lat, NULL::DOUBLE AS lon, NULL AS lat_raw, NULL AS lon_raw, antenna_id";
        var coordinatesBad = byPosition
            ? "((lat_raw IS NULL) <> (lon_raw IS NULL) OR (lat_raw IS NOT NULL AND lat IS NULL) OR (lon_raw IS NOT NULL AND lon IS NULL) OR abs(lat) > 90 OR abs(lon) > 180)"
            : "false";
        var unknownCell = knownCells ? "(own_code IS NOT NULL AND own_code NOT IN (SELECT code FROM known_cells))" : "false";
        var userLiteral = Sql.Literal(user);
        csv.Load(session, $"""
            INSERT INTO staged
            WITH raw AS (
                SELECT row_number() OVER () AS parsed_row, lower(trim(interaction)) AS kind, lower(trim(direction)) AS direction,
                       nullif(trim(correspondent_id), '') AS correspondent,
                       try_strptime(trim(datetime), {IsoFormats}) AS ts,
                       nullif(trim(call_duration), '') AS dur_raw, {positionColumns}
                FROM {csv.ReadCsvSql($"rejects_{fileIndex}", $"scans_{fileIndex}")}),
            typed AS (
                SELECT *, CASE WHEN dur_raw IS NULL AND kind = 'text' THEN 0 ELSE try_cast(dur_raw AS DOUBLE) END AS dur,
                       {ownCell} AS own_code,
                       CASE WHEN direction = 'out' THEN {userLiteral} ELSE correspondent END AS caller,
                       CASE WHEN direction = 'out' THEN correspondent ELSE {userLiteral} END AS callee
                FROM raw)
            SELECT {fileIndex}, parsed_row, caller, callee, ts, dur, kind,
                   CASE WHEN direction = 'out' THEN own_code END, CASE WHEN direction = 'in' THEN own_code END, direction,
                   CASE WHEN direction IS NULL OR direction NOT IN ('in', 'out') THEN '{RejectReason.BadValue}'
                        ELSE {ReasonSql(coordinatesBad, unknownCell)} END
            FROM typed
            """);
    }

    /// <summary>Call records before this are not call records (year 1, epoch zero typos); rejected as bad timestamps.</summary>
    private const string EarliestTimestamp = "1980-01-01";

    /// <summary>Call records from this on are typos too; they would also stretch the study calendar absurdly.</summary>
    private const string LatestTimestamp = "2100-01-01";

    private static string ReasonSql(string coordinatesBad, string unknownCell) => $"""
        CASE WHEN caller IS NULL OR callee IS NULL THEN '{RejectReason.EmptyId}'
             WHEN ts IS NULL OR ts < TIMESTAMP '{EarliestTimestamp}' OR ts >= TIMESTAMP '{LatestTimestamp}' THEN '{RejectReason.BadTimestamp}'
             WHEN dur IS NULL OR NOT isfinite(dur) OR dur <> floor(dur) THEN '{RejectReason.BadDuration}'
             WHEN dur < 0 THEN '{RejectReason.NegativeDuration}'
             WHEN dur > getvariable('max_duration') THEN '{RejectReason.AbsurdDuration}'
             WHEN kind IS NULL OR kind NOT IN ('call', 'text') THEN '{RejectReason.UnknownKind}'
             WHEN caller = callee THEN '{RejectReason.SelfCall}'
             WHEN {coordinatesBad} THEN '{RejectReason.BadCoordinates}'
             WHEN {unknownCell} THEN '{RejectReason.UnknownCell}'
        END
        """;

    /// <summary>The duplicate key (every field but position) as one 64-bit hash; NULL cells hash alike, as in IS NOT DISTINCT FROM.</summary>
    private const string DuplicateKeyHash = "hash(caller, callee, ts, dur, kind, caller_code, callee_code, own_side)";

    /// <summary>
    /// Marks exact duplicates (same caller, callee, time, duration, kind and side) after the first,
    /// and for bandicoot merges the two parties' records of one call into the caller's row, taking
    /// the callee's cell from the callee's record.
    /// </summary>
    public static void ResolveDuplicates(DuckDbSession session, bool mergeCounterparts)
    {
        // Grouping 10M rows by eight wide keys dominated the ingest. A 64-bit hash of the keys is
        // grouped instead, which only narrows the search: rows whose hash occurs more than once
        // (true duplicates plus rare collisions) are then grouped exactly, so the result is the same.
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE duplicate_hashes AS
            SELECT {DuplicateKeyHash} AS h FROM staged WHERE reason IS NULL GROUP BY h HAVING count(*) > 1;
            CREATE OR REPLACE TEMP TABLE duplicate_candidates AS
            SELECT file_index, parsed_row, caller, callee, ts, dur, kind, caller_code, callee_code, own_side
            FROM staged WHERE reason IS NULL AND {DuplicateKeyHash} IN (SELECT h FROM duplicate_hashes);
            CREATE OR REPLACE TEMP TABLE duplicate_rows AS
            SELECT s.file_index, s.parsed_row
            FROM duplicate_candidates s
            JOIN (SELECT caller, callee, ts, dur, kind, caller_code, callee_code, own_side,
                         min(file_index::BIGINT * {RowKeyStride} + parsed_row) AS keep
                  FROM duplicate_candidates GROUP BY ALL HAVING count(*) > 1) g
              ON s.caller = g.caller AND s.callee = g.callee AND s.ts = g.ts AND s.dur = g.dur AND s.kind = g.kind
             AND s.caller_code IS NOT DISTINCT FROM g.caller_code AND s.callee_code IS NOT DISTINCT FROM g.callee_code
             AND s.own_side = g.own_side
            WHERE s.file_index::BIGINT * {RowKeyStride} + s.parsed_row <> g.keep;
            UPDATE staged SET reason = '{RejectReason.Duplicate}'
            FROM duplicate_rows d WHERE staged.file_index = d.file_index AND staged.parsed_row = d.parsed_row;
            DROP TABLE duplicate_hashes;
            DROP TABLE duplicate_candidates;
            DROP TABLE duplicate_rows;
            """);
        if (!mergeCounterparts)
        {
            return;
        }

        // One kept row per call: the caller's own record when there is one.
        session.Execute($"""
            CREATE OR REPLACE TEMP TABLE call_sides AS
            SELECT file_index, parsed_row, own_side, caller_code, callee_code,
                   row_number() OVER (PARTITION BY caller, callee, ts, dur, kind ORDER BY own_side DESC, file_index, parsed_row) AS n,
                   max(CASE WHEN own_side = 'in' THEN callee_code END) OVER (PARTITION BY caller, callee, ts, dur, kind) AS in_code
            FROM staged WHERE reason IS NULL;
            UPDATE staged SET reason = '{RejectReason.MergedWithCounterpart}'
            FROM call_sides s WHERE s.n > 1 AND staged.file_index = s.file_index AND staged.parsed_row = s.parsed_row;
            UPDATE staged SET callee_code = s.in_code
            FROM call_sides s WHERE s.n = 1 AND s.own_side = 'out' AND staged.file_index = s.file_index AND staged.parsed_row = s.parsed_row;
            DROP TABLE call_sides;
            """);
    }
}
