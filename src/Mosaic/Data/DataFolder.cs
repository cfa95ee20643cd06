namespace Mosaic.Data;

/// <summary>
/// A folder of canonical Parquet tables (<c>calls.parquet</c>, <c>subscribers.parquet</c>,
/// <c>cells.parquet</c>, <c>districts.parquet</c>, optional <c>site_traffic.parquet</c>) with
/// <c>districts.geojson</c> and <c>manifest.json</c>.
/// </summary>
public static class DataFolder
{
    /// <summary>Path of a table's Parquet file in <paramref name="folder"/>.</summary>
    public static string TablePath(string folder, string table) => Path.Combine(folder, CanonicalTables.FileName(table));

    /// <summary>
    /// Creates read-only views named after the canonical tables over the folder's Parquet files.
    /// Missing required tables are a <see cref="MosaicInputException"/> naming the file.
    /// The optional <c>site_traffic</c> view exists only when its file does.
    /// </summary>
    public static void Attach(DuckDbSession session, string folder)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!Directory.Exists(folder))
        {
            throw new MosaicInputException(folder, null, "data folder not found (run `mosaic ingest` or `mosaic simulate` first)");
        }

        foreach (var table in CanonicalTables.Required)
        {
            var path = TablePath(folder, table);
            if (!File.Exists(path))
            {
                throw new MosaicInputException(path, null, $"canonical table '{table}' is missing from the data folder");
            }

            session.Execute($"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({Sql.Literal(path)})");
        }

        var traffic = TablePath(folder, CanonicalTables.SiteTraffic);
        if (File.Exists(traffic))
        {
            session.Execute($"CREATE OR REPLACE VIEW {CanonicalTables.SiteTraffic} AS SELECT * FROM read_parquet({Sql.Literal(traffic)})");
        }
    }

    /// <summary>
    /// Writes the session's canonical tables (which must exist with the canonical names) to
    /// <paramref name="folder"/> as Parquet, each atomically, sorted deterministically so that
    /// the same content always gives the same bytes. <paramref name="includeCalls"/> false leaves
    /// <c>calls.parquet</c> to a caller that writes it itself (the ingest's fast path).
    /// </summary>
    public static void Write(DuckDbSession session, string folder, bool includeSiteTraffic = false, bool includeCalls = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        Directory.CreateDirectory(folder);
        foreach (var (table, order) in SortKeys)
        {
            if ((table == CanonicalTables.SiteTraffic && !includeSiteTraffic) || (table == CanonicalTables.Calls && !includeCalls))
            {
                continue;
            }

            session.CopyToParquet($"SELECT * FROM {table} ORDER BY {order}", TablePath(folder, table));
        }
    }

    private static readonly (string Table, string Order)[] SortKeys =
    [
        (CanonicalTables.Districts, "district_id"),
        (CanonicalTables.Cells, "cell_id"),
        (CanonicalTables.Subscribers, "subscriber_id"),
        (CanonicalTables.Calls, "start_time, caller_id, callee_id, duration_s, kind, caller_cell NULLS FIRST, callee_cell NULLS FIRST"),
        (CanonicalTables.SiteTraffic, "hour_start, outgoing_cell, incoming_cell"),
    ];
}
