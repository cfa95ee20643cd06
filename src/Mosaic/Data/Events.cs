namespace Mosaic.Data;

/// <summary>
/// The <c>events</c> view: one row per call and side (as FlowKit's schema), so per-subscriber
/// computations read one table. Columns: <c>subscriber_id</c>, <c>counterpart_id</c>,
/// <c>direction</c> (<c>out</c> for the caller's side, <c>in</c> for the callee's),
/// <c>start_time</c>, <c>duration_s</c>, <c>kind</c>, <c>cell_id</c> (the subscriber's own
/// cell, null when unknown).
/// </summary>
public static class Events
{
    /// <summary>The view's name.</summary>
    public const string View = "events";

    /// <summary>Creates (or replaces) the <c>events</c> view over a <c>calls</c> table or view.</summary>
    public static void CreateView(DuckDbSession session, string callsTable = CanonicalTables.Calls)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Execute($"""
            CREATE OR REPLACE VIEW {View} AS
            SELECT caller_id AS subscriber_id, callee_id AS counterpart_id, 'out' AS direction,
                   start_time, duration_s, kind, caller_cell AS cell_id
            FROM {callsTable}
            UNION ALL
            SELECT callee_id, caller_id, 'in', start_time, duration_s, kind, callee_cell
            FROM {callsTable}
            """);
    }
}
