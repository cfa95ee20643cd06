using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.Indicators;

/// <summary>How <see cref="BandicootExport"/> ended.</summary>
/// <param name="Users">User files written.</param>
/// <param name="Records">Records written over all user files (each call appears in its caller's and its callee's file when both are exported).</param>
/// <param name="Antennas">Rows of <c>antennas.csv</c> (cells with a location).</param>
public sealed record BandicootExportResult(int Users, long Records, int Antennas);

/// <summary>
/// <c>mosaic export --to bandicoot</c>: writes a canonical data folder as bandicoot's input, one
/// <c>&lt;subscriber_id&gt;.csv</c> per attributed subscriber (ascending ids, optionally the
/// first N) with <c>interaction,direction,correspondent_id,datetime,call_duration,antenna_id</c>
/// (the subscriber's own cell as antenna, empty duration for texts), plus <c>antennas.csv</c>
/// from the cells that have a location. Rows are in time order, so the output is deterministic.
/// </summary>
public static class BandicootExport
{
    private const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";

    /// <summary>Exports <paramref name="dataFolder"/> into <paramref name="outFolder"/>.</summary>
    public static BandicootExportResult Run(string dataFolder, string outFolder, int? maxUsers = null, IProgress<StageProgress>? progress = null)
    {
        if (maxUsers is <= 0)
        {
            throw new MosaicInputException("--max-users must be positive");
        }

        using var session = new DuckDbSession();
        DataFolder.Attach(session, dataFolder);
        Directory.CreateDirectory(outFolder);
        progress.Step("antennas");
        var antennas = new StringBuilder("antenna_id,latitude,longitude\n");
        var antennaCount = 0;
        foreach (var (id, lat, lon) in session.Query(
            "SELECT cell_id, lat, lon FROM cells WHERE lat IS NOT NULL AND lon IS NOT NULL ORDER BY cell_id",
            r => (r.GetInt32(0), r.GetDouble(1), r.GetDouble(2))))
        {
            antennas.Append(CultureInfo.InvariantCulture, $"{id},{lat:R},{lon:R}\n");
            antennaCount++;
        }

        AtomicFile.WriteAllText(Path.Combine(outFolder, "antennas.csv"), antennas.ToString());

        var limit = maxUsers is int n ? $"LIMIT {n.ToString(CultureInfo.InvariantCulture)}" : "";
        session.Execute($"CREATE TEMP TABLE export_users AS SELECT subscriber_id FROM subscribers ORDER BY subscriber_id {limit}");
        var userCount = (int)session.ScalarLong("SELECT count(*) FROM export_users");
        var sql = """
            WITH r AS (
                SELECT c.caller_id AS user_id, c.kind, 'out' AS direction, c.callee_id AS other, c.start_time, c.duration_s, c.caller_cell AS cell
                FROM calls c JOIN export_users u ON c.caller_id = u.subscriber_id
                UNION ALL
                SELECT c.callee_id, c.kind, 'in', c.caller_id, c.start_time, c.duration_s, c.callee_cell
                FROM calls c JOIN export_users u ON c.callee_id = u.subscriber_id)
            SELECT u.subscriber_id, r.kind, r.direction, r.other, strftime(r.start_time, '%Y-%m-%d %H:%M:%S'), r.duration_s, r.cell
            FROM export_users u LEFT JOIN r ON r.user_id = u.subscriber_id
            ORDER BY u.subscriber_id, r.start_time, r.direction, r.other, r.duration_s, r.kind, r.cell
            """;
        progress.Step("users", 0);
        long records = 0;
        var written = 0;
        using (var command = session.Connection.CreateCommand())
        {
            command.CommandText = sql;
            using var reader = (DuckDBDataReader)command.ExecuteReader();
            long? current = null;
            var text = new StringBuilder();
            while (reader.Read())
            {
                var user = reader.GetInt64(0);
                if (current != user)
                {
                    if (current is long previous)
                    {
                        WriteUser(outFolder, previous, text);
                        written++;
                        if (written % 1000 == 0)
                        {
                            progress.Step("users", (double)written / userCount);
                        }
                    }

                    current = user;
                    text.Clear().Append(Header);
                }

                if (reader.IsDBNull(1))
                {
                    continue; // a subscriber without records: header only
                }

                var kind = reader.GetString(1);
                text.Append(kind).Append(',').Append(reader.GetString(2)).Append(',')
                    .Append(reader.GetInt64(3).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(reader.GetString(4)).Append(',');
                if (kind == "call")
                {
                    text.Append(reader.GetInt32(5).ToString(CultureInfo.InvariantCulture));
                }

                text.Append(',');
                if (!reader.IsDBNull(6))
                {
                    text.Append(reader.GetInt32(6).ToString(CultureInfo.InvariantCulture));
                }

                text.Append('\n');
                records++;
            }

            if (current is long last)
            {
                WriteUser(outFolder, last, text);
                written++;
            }
        }

        var result = new BandicootExportResult(written, records, antennaCount);
        new Manifest
        {
            Stage = "export-bandicoot",
            Parameters = new Dictionary<string, string>
            {
                ["data"] = dataFolder,
                ["out"] = outFolder,
                ["max_users"] = Manifest.Format(maxUsers),
            },
            Inputs = [.. CanonicalTables.Required.Select(t => InputFile.Of(DataFolder.TablePath(dataFolder, t)))],
            Counts = new Dictionary<string, long> { ["users"] = written, ["records"] = records, ["antennas"] = antennaCount },
            FinishedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        }.WriteTo(outFolder);
        return result;
    }

    private static void WriteUser(string folder, long user, StringBuilder text) =>
        AtomicFile.WriteAllText(Path.Combine(folder, user.ToString(CultureInfo.InvariantCulture) + ".csv"), text.ToString());
}
