using System.Globalization;
using DuckDB.NET.Native;
using Mosaic.Data;
using Mosaic.Definitions;

namespace Mosaic.Integration;

/// <summary>
/// <c>features.parquet</c> in memory, sorted by (subscriber, week): the group of each row, the
/// home district, and every catalogue column present as a dense array (NaN for null). The
/// subscriber id is kept only to split training and test subscribers and to group rows; it
/// never leaves this class's callers as output.
/// </summary>
internal sealed class FeatureTable
{
    /// <summary>Index of a subject group in <see cref="Groups.Subjects"/> (0 local, 1 settled, 2 new).</summary>
    public const int Local = 0;

    /// <summary>Settled migrants.</summary>
    public const int Settled = 1;

    /// <summary>New migrants.</summary>
    public const int New = 2;

    /// <summary>Missing home district.</summary>
    public const int NoDistrict = int.MinValue;

    private FeatureTable(
        long[] subscribers, int[] weeks, byte[] groups, int[] homeDistricts, string[] columns, double[][] values,
        IReadOnlyList<string> missingColumns)
    {
        Subscribers = subscribers;
        Weeks = weeks;
        Groups = groups;
        HomeDistricts = homeDistricts;
        Columns = columns;
        Values = values;
        MissingColumns = missingColumns;
        Families = columns.Select(c => FeatureCatalogue.FamilyOf(c)!.Value).ToArray();
        WeekNumbers = weeks.Distinct().Order().ToArray();
    }

    public long[] Subscribers { get; }

    public int[] Weeks { get; }

    public byte[] Groups { get; }

    public int[] HomeDistricts { get; }

    /// <summary>Catalogue columns present, in catalogue order.</summary>
    public string[] Columns { get; }

    public FeatureFamily[] Families { get; }

    /// <summary>Values[column][row], NaN where the table has null.</summary>
    public double[][] Values { get; }

    /// <summary>Catalogue columns the table lacks (reported in the manifest).</summary>
    public IReadOnlyList<string> MissingColumns { get; }

    /// <summary>The distinct weeks, ascending.</summary>
    public int[] WeekNumbers { get; }

    public int Rows => Weeks.Length;

    /// <summary>A table from arrays (rows sorted by subscriber then week), for tests and benchmarks.</summary>
    internal static FeatureTable Create(long[] subscribers, int[] weeks, byte[] groups, int[] homeDistricts, string[] columns, double[][] values)
    {
        var missing = FeatureCatalogue.Columns.Select(c => c.Column).Where(c => !columns.Contains(c)).ToArray();
        return new FeatureTable(subscribers, weeks, groups, homeDistricts, columns, values, missing);
    }

    /// <summary>
    /// Copies a query's result straight out of DuckDB's column vectors (the row reader costs
    /// ~0.25 µs per value, which dominated the stage): first the key columns (BIGINT, INTEGER,
    /// TINYINT, INTEGER-with-null as <see cref="NoDistrict"/>), then DOUBLE columns with null as NaN.
    /// </summary>
    private static unsafe void ReadChunks(DuckDbSession reading, string sql, Array[] keyTargets, double[][] doubleTargets)
    {
        var state = NativeMethods.Query.DuckDBQuery(reading.Connection.NativeConnection, sql, out var result);
        try
        {
            if (!state.IsSuccess())
            {
                throw new InvalidOperationException("reading the features table failed: " + NativeMethods.Query.DuckDBResultError(ref result));
            }

            var row = 0;
            while (true)
            {
                using var chunk = NativeMethods.Query.DuckDBFetchChunk(result);
                if (chunk.IsInvalid)
                {
                    break;
                }

                var size = (int)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
                if (size == 0)
                {
                    break;
                }

                var column = 0;
                if (keyTargets.Length == 4)
                {
                    new ReadOnlySpan<long>(Data(chunk, 0), size).CopyTo(((long[])keyTargets[0]).AsSpan(row));
                    new ReadOnlySpan<int>(Data(chunk, 1), size).CopyTo(((int[])keyTargets[1]).AsSpan(row));
                    new ReadOnlySpan<byte>(Data(chunk, 2), size).CopyTo(((byte[])keyTargets[2]).AsSpan(row));
                    var homes = (int[])keyTargets[3];
                    new ReadOnlySpan<int>(Data(chunk, 3), size).CopyTo(homes.AsSpan(row));
                    var validity = Validity(chunk, 3);
                    for (var i = 0; validity != null && i < size; i++)
                    {
                        if (!IsValid(validity, i))
                        {
                            homes[row + i] = NoDistrict;
                        }
                    }

                    column = 4;
                }

                foreach (var target in doubleTargets)
                {
                    new ReadOnlySpan<double>(Data(chunk, column), size).CopyTo(target.AsSpan(row));
                    var validity = Validity(chunk, column);
                    for (var i = 0; validity != null && i < size; i++)
                    {
                        if (!IsValid(validity, i))
                        {
                            target[row + i] = double.NaN;
                        }
                    }

                    column++;
                }

                row += size;
            }
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }

        static void* Data(DuckDBDataChunk chunk, int column) =>
            NativeMethods.Vectors.DuckDBVectorGetData(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, column));

        static ulong* Validity(DuckDBDataChunk chunk, int column) =>
            NativeMethods.Vectors.DuckDBVectorGetValidity(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, column));

        static bool IsValid(ulong* validity, int i) => (validity[i >> 6] & (1UL << (i & 63))) != 0;
    }

    /// <summary>Reads and checks <paramref name="path"/>; problems are <see cref="MosaicInputException"/> naming the file.</summary>
    public static FeatureTable Load(DuckDbSession session, string path)
    {
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "features table not found (run `mosaic features` first)");
        }

        var source = $"read_parquet({Sql.Literal(path)})";
        var present = session.Query($"DESCRIBE SELECT * FROM {source}", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
        foreach (var required in new[] { "subscriber_id", "week", "group", "home_district" })
        {
            if (!present.Contains(required))
            {
                throw new MosaicInputException(path, null, $"column '{required}' is missing");
            }
        }

        var columns = FeatureCatalogue.Columns.Select(c => c.Column).Where(present.Contains).ToArray();
        var missing = FeatureCatalogue.Columns.Select(c => c.Column).Where(c => !present.Contains(c)).ToArray();

        // All checks in one pass over a per-subscriber aggregate (the file is scanned once here).
        var subjects = string.Join(", ", Definitions.Groups.Subjects.Select(Sql.Literal));
        var check = session.Query(
            $"""
            SELECT CAST(coalesce(sum(null_keys), 0) AS BIGINT), CAST(coalesce(sum(null_groups), 0) AS BIGINT), min(bad_group),
                   count(*) FILTER (WHERE n_groups > 1), CAST(coalesce(sum(n - n_weeks), 0) AS BIGINT), CAST(coalesce(sum(n), 0) AS BIGINT)
            FROM (
                SELECT subscriber_id,
                       count(*) FILTER (WHERE subscriber_id IS NULL OR week IS NULL) AS null_keys,
                       count(*) FILTER (WHERE "group" IS NULL) AS null_groups,
                       min("group") FILTER (WHERE "group" NOT IN ({subjects})) AS bad_group,
                       count(DISTINCT "group") AS n_groups, count(*) AS n, count(DISTINCT week) AS n_weeks
                FROM {source} GROUP BY subscriber_id)
            """,
            r => (NullKeys: r.GetInt64(0), NullGroups: r.GetInt64(1), BadGroup: r.IsDBNull(2) ? null : r.GetString(2),
                Inconsistent: r.GetInt64(3), Duplicates: r.GetInt64(4), Rows: r.GetInt64(5)))[0];
        if (check.NullKeys > 0)
        {
            throw new MosaicInputException(path, null, $"{check.NullKeys.ToString(CultureInfo.InvariantCulture)} rows have a null subscriber_id or week");
        }

        if (check.NullGroups > 0 || check.BadGroup is not null)
        {
            var what = check.NullGroups > 0 ? "null" : $"'{check.BadGroup}'";
            throw new MosaicInputException(path, null, $"column 'group' has {what}; expected local, settled or new");
        }

        if (check.Inconsistent > 0)
        {
            throw new MosaicInputException(path, null, $"{check.Inconsistent.ToString(CultureInfo.InvariantCulture)} subscribers change group between weeks; a group is fixed per subscriber");
        }

        if (check.Duplicates > 0)
        {
            throw new MosaicInputException(path, null, $"{check.Duplicates.ToString(CultureInfo.InvariantCulture)} duplicate (subscriber_id, week) rows");
        }

        var n = checked((int)check.Rows);
        var subscribers = new long[n];
        var weeks = new int[n];
        var groups = new byte[n];
        var homes = new int[n];
        var values = new double[columns.Length][];
        for (var j = 0; j < columns.Length; j++)
        {
            values[j] = new double[n];
        }

        // The reader's per-value cost dominates: two connections read disjoint halves of the
        // columns at once (each sorted the same way), which halves the wall time on two cores.
        var groupCase = $"""CASE "group" WHEN 'local' THEN {Local} WHEN 'settled' THEN {Settled} ELSE {New} END""";
        var keys = $"""CAST(subscriber_id AS BIGINT), CAST(week AS INTEGER), CAST({groupCase} AS TINYINT), CAST(home_district AS INTEGER)""";
        var half = columns.Length / 2;
        void ReadColumns(DuckDbSession reading, int from, int to, bool withKeys)
        {
            var selected = Enumerable.Range(from, to - from).Select(j => $"CAST({Sql.Identifier(columns[j])} AS DOUBLE)").ToList();
            if (withKeys)
            {
                selected.Insert(0, keys);
            }

            if (selected.Count > 0)
            {
                ReadChunks(reading, $"SELECT {string.Join(", ", selected)} FROM {source} ORDER BY subscriber_id, week",
                    withKeys ? [subscribers, weeks, groups, homes] : [], values[from..to]);
            }
        }

        using (var second = new DuckDbSession(new EngineOptions(Threads: 1)))
        {
            Parallel.Invoke(
                () => ReadColumns(session, 0, half, withKeys: true),
                () => ReadColumns(second, half, columns.Length, withKeys: false));
        }

        return new FeatureTable(subscribers, weeks, groups, homes, columns, values, missing);
    }
}
