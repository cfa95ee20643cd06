using System.Globalization;
using Mosaic.Data;

namespace Mosaic.Segregation;

/// <summary>
/// Every index of <see cref="SegregationIndices"/> for one unit-by-group table: single-group
/// indices for each group (against the unit total) and multigroup indices over all groups.
/// </summary>
/// <param name="Units">Number of units (rows), zero-population ones included.</param>
/// <param name="Groups">Group names, in the order given.</param>
/// <param name="TotalColumn">The column used as the unit total, or null when the total is the sum of the groups.</param>
/// <param name="GroupTotals">City-wide count of each group.</param>
/// <param name="SingleGroup">Single-group indices per group; absent for a group that is empty or is everybody (the indices are undefined).</param>
/// <param name="Multigroup">Multigroup indices; null with fewer than two non-empty groups.</param>
public sealed record GroupIndicesReport(
    int Units,
    IReadOnlyList<string> Groups,
    string? TotalColumn,
    IReadOnlyDictionary<string, double> GroupTotals,
    IReadOnlyDictionary<string, SingleGroupIndices> SingleGroup,
    MultiGroupIndices? Multigroup);

/// <summary>A unit-by-group count table, from memory or from a CSV file, and its indices.</summary>
public sealed class GroupTable
{
    /// <summary>Creates a table; <paramref name="counts"/> has one row per unit and one column per group.</summary>
    /// <param name="groups">Group names.</param>
    /// <param name="counts">Counts, units × groups, non-negative.</param>
    /// <param name="totals">Optional unit totals (each at least the unit's largest group count); null means the sum of the groups.</param>
    /// <param name="totalColumn">Name of the totals' column, for the report.</param>
    public GroupTable(IReadOnlyList<string> groups, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<double>? totals = null, string? totalColumn = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(counts);
        if (groups.Count == 0)
        {
            throw new ArgumentException("at least one group is needed", nameof(groups));
        }

        if (totals is not null && totals.Count != counts.Count)
        {
            throw new ArgumentException($"one total per unit is needed ({totals.Count} vs {counts.Count})", nameof(totals));
        }

        Groups = groups;
        Counts = counts;
        Totals = totals;
        TotalColumn = totalColumn;
    }

    /// <summary>Group names.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Counts, units × groups.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>Unit totals, or null for the sum of the groups.</summary>
    public IReadOnlyList<double>? Totals { get; }

    /// <summary>Name of the totals' column, when given.</summary>
    public string? TotalColumn { get; }

    /// <summary>Computes every index.</summary>
    public GroupIndicesReport Compute()
    {
        var units = Counts.Count;
        var total = Totals ?? Counts.Select(row => row.Sum()).ToArray();
        var single = new Dictionary<string, SingleGroupIndices>(StringComparer.Ordinal);
        var groupTotals = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var k = 0; k < Groups.Count; k++)
        {
            var column = Counts.Select(row => row[k]).ToArray();
            groupTotals[Groups[k]] = column.Sum();
            var share = column.Sum() / total.Sum();
            if (share is > 0 and < 1)
            {
                single[Groups[k]] = SegregationIndices.SingleGroup(column, total);
            }
        }

        var multigroup = groupTotals.Values.Count(v => v > 0) >= 2 ? SegregationIndices.MultiGroup(Counts) : null;
        return new GroupIndicesReport(units, Groups, TotalColumn, groupTotals, single, multigroup);
    }

    /// <summary>
    /// Reads a CSV table with a header (any delimiter DuckDB detects) and takes one row per unit.
    /// Bad input — a missing column, a duplicate unit, a count that is not a non-negative number,
    /// a group above its total — is a <see cref="MosaicInputException"/> naming the file and line.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="unitColumn">The column naming the unit (must be unique).</param>
    /// <param name="groupColumns">Group count columns.</param>
    /// <param name="totalColumn">Optional total column; otherwise the total is the sum of the groups.</param>
    public static GroupTable FromCsv(string path, string unitColumn, IReadOnlyList<string> groupColumns, string? totalColumn = null)
    {
        ArgumentNullException.ThrowIfNull(groupColumns);
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "file not found");
        }

        if (groupColumns.Count == 0)
        {
            throw new MosaicInputException(path, null, "no group columns given (--groups A,B,...)");
        }

        var duplicate = groupColumns.GroupBy(g => g, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MosaicInputException(path, null, $"group column '{duplicate.Key}' is listed twice");
        }

        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        try
        {
            session.Execute($"CREATE TABLE t AS SELECT * FROM read_csv({Sql.Literal(path)}, header = true, all_varchar = true)");
        }
        catch (DuckDB.NET.Data.DuckDBException e)
        {
            throw new MosaicInputException(path, null, $"cannot read as CSV: {e.Message.Split('\n')[0]}");
        }

        var present = session.Query("SELECT column_name FROM (DESCRIBE t)", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
        var wanted = new List<string> { unitColumn };
        wanted.AddRange(groupColumns);
        if (totalColumn is not null)
        {
            wanted.Add(totalColumn);
        }

        foreach (var column in wanted.Where(c => !present.Contains(c)))
        {
            throw new MosaicInputException(path, 1, $"column '{column}' not found (columns: {string.Join(", ", present.Order(StringComparer.Ordinal))})");
        }

        var select = string.Join(", ", wanted.Select(Sql.Identifier));
        var rows = session.Query($"SELECT {select} FROM t", r => Enumerable.Range(0, wanted.Count).Select(i => r.IsDBNull(i) ? null : r.GetString(i)).ToArray());
        var counts = new List<IReadOnlyList<double>>(rows.Count);
        var totals = totalColumn is null ? null : new List<double>(rows.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var line = i + 2; // header is line 1; DuckDB keeps file order for a plain scan.
            var unit = rows[i][0] ?? throw new MosaicInputException(path, line, $"empty unit in column '{unitColumn}'");
            if (!seen.Add(unit))
            {
                throw new MosaicInputException(path, line, $"unit '{unit}' appears more than once");
            }

            var row = new double[groupColumns.Count];
            for (var k = 0; k < groupColumns.Count; k++)
            {
                row[k] = ParseCount(rows[i][k + 1], path, line, groupColumns[k]);
            }

            counts.Add(row);
            if (totals is not null)
            {
                var total = ParseCount(rows[i][^1], path, line, totalColumn!);
                var largest = row.Max();
                if (largest > total)
                {
                    throw new MosaicInputException(path, line, $"a group count ({largest.ToString(CultureInfo.InvariantCulture)}) exceeds the total in '{totalColumn}' ({total.ToString(CultureInfo.InvariantCulture)})");
                }

                totals.Add(total);
            }
        }

        if (counts.Count == 0)
        {
            throw new MosaicInputException(path, null, "the table has no rows");
        }

        return new GroupTable(groupColumns, counts, totals, totalColumn);
    }

    private static double ParseCount(string? text, string path, int line, string column)
    {
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            throw new MosaicInputException(path, line, $"column '{column}': '{text}' is not a non-negative number");
        }

        return value;
    }
}
