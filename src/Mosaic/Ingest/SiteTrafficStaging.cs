using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.Ingest;

/// <summary>
/// D4R Dataset 1 (hourly site-to-site traffic) → <c>staged_traffic</c>. Columns
/// <c>timestamp, outgoing_site_id, incoming_site_id, number_of_calls, number_of_refugee_calls,
/// total_call_duration</c>; timestamps <c>YYYY-MM-DD HH</c>. Some D4R files number hours 1–24:
/// when a file has an hour 24 and no hour 0, hour h is read as the hour starting at h−1.
/// </summary>
internal static class SiteTrafficStaging
{
    public static void Stage(DuckDbSession session, IngestOptions options, RejectLedger ledger, bool knownCells, IProgress<StageProgress>? progress)
    {
        session.Execute("""
            CREATE OR REPLACE TEMP TABLE staged_traffic (file_index INTEGER, parsed_row BIGINT, hour_start TIMESTAMP,
                outgoing_code VARCHAR, incoming_code VARCHAR, calls BIGINT, refugee_calls BIGINT, duration DOUBLE, reason VARCHAR)
            """);
        var unknown = knownCells
            ? "outgoing_code NOT IN (SELECT code FROM known_cells) OR incoming_code NOT IN (SELECT code FROM known_cells)"
            : "false";
        foreach (var file in options.CallFiles)
        {
            progress.Step("reading site traffic");
            var csv = ledger.Open(file, CanonicalTables.SiteTraffic, [], options.Delimiter);
            csv.Require(["timestamp", "outgoing_site_id", "incoming_site_id", "number_of_calls", "number_of_refugee_calls"]);
            var index = ledger.IndexOf(file);
            var duration = csv.Has("total_call_duration") ? "nullif(trim(total_call_duration), '')" : "NULL::VARCHAR";
            csv.Load(session, $"""
                CREATE OR REPLACE TEMP TABLE traffic_raw AS
                SELECT row_number() OVER () AS parsed_row,
                       try_strptime(split_part(trim("timestamp"), ' ', 1), '%Y-%m-%d') AS day,
                       try_cast(split_part(trim("timestamp"), ' ', 2) AS INTEGER) AS hour,
                       nullif(trim(outgoing_site_id), '') AS outgoing_code, nullif(trim(incoming_site_id), '') AS incoming_code,
                       try_cast(trim(number_of_calls) AS DOUBLE) AS calls, try_cast(trim(number_of_refugee_calls) AS DOUBLE) AS refugee_calls,
                       {duration} AS duration_raw, try_cast({duration} AS DOUBLE) AS duration
                FROM {csv.ReadCsvSql($"rejects_{index}", $"scans_{index}")}
                """);
            var oneBased = session.ScalarLong("SELECT count(*) FROM traffic_raw WHERE hour = 24") > 0
                && session.ScalarLong("SELECT count(*) FROM traffic_raw WHERE hour = 0") == 0;
            var offset = oneBased ? 1 : 0;
            session.Execute($"""
                INSERT INTO staged_traffic
                SELECT {index}, parsed_row, day + to_hours(hour - {offset}), outgoing_code, incoming_code,
                       CAST(calls AS BIGINT), CAST(refugee_calls AS BIGINT), duration,
                       CASE WHEN outgoing_code IS NULL OR incoming_code IS NULL THEN '{RejectReason.EmptyId}'
                            WHEN day IS NULL OR hour IS NULL OR hour - {offset} NOT BETWEEN 0 AND 23 THEN '{RejectReason.BadTimestamp}'
                            WHEN calls IS NULL OR refugee_calls IS NULL OR calls < 0 OR refugee_calls < 0 OR calls <> floor(calls)
                                 OR refugee_calls <> floor(refugee_calls) OR refugee_calls > calls THEN '{RejectReason.BadValue}'
                            WHEN duration_raw IS NOT NULL AND (duration IS NULL OR duration < 0) THEN '{RejectReason.BadDuration}'
                            WHEN {unknown} THEN '{RejectReason.UnknownCell}'
                       END
                FROM traffic_raw
                """);
            ledger.Account(file, "staged_traffic");
        }

        session.Execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT NULL::VARCHAR AS caller, NULL::VARCHAR AS callee, NULL::VARCHAR AS reason WHERE false");
    }
}
