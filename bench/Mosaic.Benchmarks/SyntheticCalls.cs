using System.Globalization;
using Mosaic.Data;

namespace Mosaic.Benchmarks;

/// <summary>
/// A seeded synthetic data folder for benchmarks: <paramref name="calls"/> calls over four weeks
/// among <paramref name="subscribers"/> subscribers, 30% of them attributed, written as the
/// canonical Parquet tables. Pseudo-random numbers come from DuckDB's <c>hash</c> of the row
/// number and the seed, so the data are the same whatever the thread count.
/// </summary>
/// <remarks>
/// Callees are mostly near the caller in id space (a ring lattice of width ±50), which gives the
/// contact graph triangles; 10% of calls go to anyone. 30% are texts; durations are exponential
/// (mean 120 s); a caller uses their home cell 70% of the time; 2% of cells are null.
/// </remarks>
public static class SyntheticCalls
{
    /// <summary>Writes the data folder.</summary>
    public static void Generate(string folder, long calls, long subscribers, int seed = 42, int cells = 2000, int districts = 39)
    {
        var s = subscribers.ToString(CultureInfo.InvariantCulture);
        var k = seed.ToString(CultureInfo.InvariantCulture);
        string U(int stream, string row = "i") => $"((hash({row}, {k}, {stream.ToString(CultureInfo.InvariantCulture)}) % 1000000007) / 1000000007.0)";
        Directory.CreateDirectory(folder);
        using var session = new DuckDbSession();
        session.Execute($"""
            CREATE TABLE districts AS
            SELECT CAST(d AS INTEGER) AS district_id, 'district ' || d AS name,
                   CAST(100000 + 400000 * {U(1, "d")} AS BIGINT) AS population,
                   1000 + 3000 * {U(2, "d")} AS monthly_rent, CAST(NULL AS BIGINT) AS refugee_population
            FROM range(1, {districts.ToString(CultureInfo.InvariantCulture)} + 1) t(d);
            CREATE TABLE cells AS
            SELECT CAST(c AS INTEGER) AS cell_id, 'C' || c AS cell_code,
                   41.0 + 0.3 * {U(3, "c")} AS lat, 28.7 + 0.6 * {U(4, "c")} AS lon,
                   CAST(1 + c % {districts.ToString(CultureInfo.InvariantCulture)} AS INTEGER) AS district_id
            FROM range({cells.ToString(CultureInfo.InvariantCulture)}) t(c);
            CREATE TABLE subscribers AS
            SELECT i AS subscriber_id,
                   CASE WHEN {U(5)} < 0.5 THEN 'city' ELSE 'region' || CAST(floor(10 * {U(6)}) AS INTEGER) END AS birthplace,
                   {U(7)} < 0.05 AS is_refugee,
                   CASE WHEN {U(8)} < 0.9 THEN CAST(16 + 60 * {U(9)} AS INTEGER) END AS age,
                   CASE WHEN {U(10)} < 0.5 THEN 'F' ELSE 'M' END AS gender
            FROM range({s}) t(i) WHERE i % 10 < 3;
            CREATE TABLE calls AS
            WITH base AS (
                SELECT i, CAST(floor({s} * {U(11)}) AS BIGINT) AS caller FROM range({calls.ToString(CultureInfo.InvariantCulture)}) t(i))
            SELECT caller AS caller_id,
                   CASE WHEN {U(12)} < 0.1 THEN CAST(floor({s} * {U(13)}) AS BIGINT)
                        ELSE (caller + {s} + CAST(floor(101 * {U(14)}) AS BIGINT) - 50) % {s} END AS callee_id,
                   TIMESTAMP '2026-01-05 00:00:00' + to_seconds(CAST(floor(28 * 86400 * {U(15)}) AS BIGINT)) AS start_time,
                   CASE WHEN {U(16)} < 0.3 THEN 0 ELSE CAST(floor(-ln(1 - {U(17)}) * 120) AS INTEGER) END AS duration_s,
                   CASE WHEN {U(16)} < 0.3 THEN 'text' ELSE 'call' END AS kind,
                   CASE WHEN {U(18)} < 0.02 THEN NULL WHEN {U(19)} < 0.7 THEN CAST((caller * 7919) % {cells} AS INTEGER)
                        ELSE CAST(floor({cells} * {U(20)}) AS INTEGER) END AS caller_cell,
                   CASE WHEN {U(21)} < 0.02 THEN NULL ELSE CAST(floor({cells} * {U(22)}) AS INTEGER) END AS callee_cell
            FROM base;
            """);
        foreach (var table in new[] { "districts", "cells", "subscribers" })
        {
            session.CopyToParquet($"SELECT * FROM {table}", DataFolder.TablePath(folder, table));
        }

        session.CopyToParquet("SELECT * FROM calls ORDER BY start_time", DataFolder.TablePath(folder, "calls"));
    }
}
