using System.Globalization;

namespace Mosaic.Mitigation;

/// <summary>
/// Reads the segregation stage's <c>call_matrices.csv</c>
/// (<c>network,origin_district,dest_district,calls</c>) and <c>populations.csv</c>
/// (<c>district_id,refugees,hosts,refugees_from_calls,hosts_from_calls</c>) into a
/// <see cref="MitigationProblem"/> over the districts table's districts. Errors name the file and line.
/// </summary>
internal static class MitigationInputs
{
    public static MitigationProblem Build(IReadOnlyList<(int Id, double Population, double Rent)> districts, string callsPath, string populationsPath, double cap)
    {
        var ids = districts.Select(d => d.Id).ToArray();
        var index = ids.Select((id, k) => (id, k)).ToDictionary(p => p.id, p => p.k);
        var n = ids.Length;
        if (n < 2)
        {
            throw new MosaicInputException(callsPath, null, "the districts table needs at least two districts");
        }

        var matrices = new Dictionary<string, double[,]>(StringComparer.Ordinal)
        {
            ["RT"] = new double[n, n],
            ["RR"] = new double[n, n],
            ["TT"] = new double[n, n],
            ["TR"] = new double[n, n],
        };
        foreach (var (line, fields) in Rows(callsPath, ["network", "origin_district", "dest_district", "calls"]))
        {
            if (!matrices.TryGetValue(fields[0], out var matrix))
            {
                throw new MosaicInputException(callsPath, line, $"unknown network '{fields[0]}' (expected RR, RT, TR or TT)");
            }

            var origin = District(callsPath, line, fields[1], index);
            var destination = District(callsPath, line, fields[2], index);
            matrix[origin, destination] += Number(callsPath, line, fields[3], "calls");
        }

        var refugees = new double[n];
        var hosts = new double[n];
        foreach (var (line, fields) in Rows(populationsPath, ["district_id", "refugees", "hosts"]))
        {
            var k = District(populationsPath, line, fields[0], index);

            // An empty value is a suppressed small count (fewer than k people): treated as 0.
            refugees[k] = fields[1].Length == 0 ? 0 : Number(populationsPath, line, fields[1], "refugees");
            hosts[k] = fields[2].Length == 0 ? 0 : Number(populationsPath, line, fields[2], "hosts");
        }

        if (refugees.Sum() <= 0)
        {
            throw new MosaicInputException(populationsPath, null, "no refugees in any district: nothing to relocate");
        }

        return new MitigationProblem(ids, matrices["RT"], matrices["RR"], matrices["TT"], refugees, hosts,
            [.. districts.Select(d => d.Population)], [.. districts.Select(d => d.Rent)], cap);
    }

    private static int District(string path, long line, string field, Dictionary<int, int> index)
    {
        if (!int.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            throw new MosaicInputException(path, line, $"district id '{field}' is not an integer");
        }

        return index.TryGetValue(id, out var k)
            ? k
            : throw new MosaicInputException(path, line, $"district {id} is not in the data folder's districts table");
    }

    private static double Number(string path, long line, string field, string column)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0) || double.IsInfinity(value))
        {
            throw new MosaicInputException(path, line, $"{column} '{field}' is not a non-negative number");
        }

        return value;
    }

    /// <summary>Data rows with the requested columns (by header name, in the requested order) and their 1-based line numbers.</summary>
    private static IEnumerable<(long Line, string[] Fields)> Rows(string path, string[] columns)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new MosaicInputException(path, 1, "empty file");
        var names = header.TrimStart('\uFEFF').Split(',').Select(h => h.Trim().Trim('"')).ToList();
        var positions = columns.Select(c => names.IndexOf(c)).ToArray();
        for (var c = 0; c < columns.Length; c++)
        {
            if (positions[c] < 0)
            {
                throw new MosaicInputException(path, 1, $"missing column '{columns[c]}' (header: {header})");
            }
        }

        long line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var parts = text.Split(',');
            if (parts.Length != names.Count)
            {
                throw new MosaicInputException(path, line, $"expected {names.Count} fields, found {parts.Length}");
            }

            yield return (line, positions.Select(p => parts[p].Trim().Trim('"')).ToArray());
        }
    }
}
