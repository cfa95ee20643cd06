namespace Mosaic.Indicators;

/// <summary>
/// bandicoot's network indicators of one user: clustering coefficients of the ego network and
/// attribute assortativity (bandicoot's <c>network.clustering_coefficient_unweighted</c>,
/// <c>clustering_coefficient_weighted</c> and <c>assortativity_attributes</c>).
/// </summary>
/// <param name="Clustering">Share of the pairs of reciprocated neighbours that are themselves reciprocated.</param>
/// <param name="WeightedClustering">Same, each closed triplet weighted by the geometric mean of its three edge weights over the largest weight.</param>
/// <param name="AttributeAssortativity">Per ego attribute (file order): share of reciprocated neighbours with attributes that share the ego's value; NaN when none has attributes.</param>
/// <param name="IndicatorAssortativity">Per default-option indicator key: mean squared difference between the ego's value and each reciprocated neighbour's, over the neighbours where both are defined (bandicoot's <c>assortativity_indicators</c>).</param>
internal sealed record NetworkIndicators(
    double Clustering,
    double WeightedClustering,
    IReadOnlyList<KeyValuePair<string, double>> AttributeAssortativity,
    IReadOnlyList<KeyValuePair<string, double>> IndicatorAssortativity);

/// <summary>
/// The ego network of bandicoot's network mode: the user first, then every correspondent of
/// the user's records (before the reciprocity filter) sorted by name (ordinal). A member whose
/// file is missing has no rows of its own; its out-weights are taken from the others' incoming
/// records, as bandicoot does.
/// </summary>
internal static class EgoNetwork
{
    private static readonly long HalfHour = TimeSpan.FromMinutes(30).Ticks;

    /// <summary>
    /// Computes the network indicators. <paramref name="members"/> maps each correspondent name
    /// (not the ego's) to its reciprocity-filtered records, or null when it has no file;
    /// <paramref name="attributes"/> gives each loaded member's attributes (the ego's under its own name).
    /// </summary>
    public static NetworkIndicators Compute(
        BandicootUser ego,
        IReadOnlyDictionary<string, BandicootUser?> members,
        Func<string, IReadOnlyList<KeyValuePair<string, string>>?> attributes,
        IndicatorCalculator? defaults = null)
    {
        var names = members.Keys.Where(k => k != ego.Name).Order(StringComparer.Ordinal).ToList();
        names.Insert(0, ego.Name);
        var n = names.Count;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            index[names[i]] = i;
        }

        // Directed weight: distinct half-hour blocks with at least one record in that direction.
        // null where the row's member has no file and the column's member cannot tell either.
        var outBlocks = new long?[n, n];
        var inBlocks = new long?[n, n];
        for (var i = 0; i < n; i++)
        {
            var member = i == 0 ? ego : members[names[i]];
            if (member is null)
            {
                for (var j = 0; j < n; j++)
                {
                    outBlocks[i, j] = inBlocks[i, j] = i == j ? 0 : null;
                }

                continue;
            }

            var outSeen = new HashSet<(int, long)>();
            var inSeen = new HashSet<(int, long)>();
            foreach (var r in member.Records)
            {
                if (!index.TryGetValue(member.Contacts[r.Contact], out var j))
                {
                    continue;
                }

                (r.Out ? outSeen : inSeen).Add((j, r.Ticks / HalfHour));
            }

            for (var j = 0; j < n; j++)
            {
                outBlocks[i, j] = 0;
                inBlocks[i, j] = 0;
            }

            foreach (var (j, _) in outSeen)
            {
                outBlocks[i, j]++;
            }

            foreach (var (j, _) in inSeen)
            {
                inBlocks[i, j]++;
            }
        }

        var directed = new long?[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                directed[i, j] = outBlocks[i, j] ?? inBlocks[j, i];
            }
        }

        // Undirected weight: the sum of both directions when both are non-zero (reciprocated);
        // unknown when either direction is unknown.
        var weighted = new long?[n, n];
        long maxWeight = 0;
        for (var a = 0; a < n; a++)
        {
            for (var b = 0; b < n; b++)
            {
                var ab = directed[a, b];
                var ba = directed[b, a];
                weighted[a, b] = a != b && ab is > 0 && ba is > 0 ? ab + ba
                    : ab is null || ba is null ? null
                    : 0;
                if (weighted[a, b] is { } w && w > maxWeight)
                {
                    maxWeight = w;
                }
            }
        }

        // Triplets (ego, a, b) closed when all three undirected edges exist.
        var closed = 0;
        var tripletWeight = 0.0;
        for (var a = 1; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                if (weighted[a, b] is > 0 && weighted[a, 0] is > 0 && weighted[b, 0] is > 0)
                {
                    closed++;
                    var product = (double)weighted[a, b]!.Value * weighted[a, 0]!.Value * weighted[b, 0]!.Value;
                    tripletWeight += Math.Pow(product, 1.0 / 3.0) / maxWeight;
                }
            }
        }

        var degree = 0;
        for (var j = 0; j < n; j++)
        {
            degree += weighted[0, j] is > 0 ? 1 : 0;
        }

        var clustering = degree > 1 ? 2.0 * closed / (degree * (degree - 1.0)) : 0.0;
        var weightedClustering = degree > 1 ? 2.0 * tripletWeight / (degree * (degree - 1.0)) : 0.0;

        // Attribute assortativity over the reciprocated neighbours that have a file and attributes.
        var neighbourAttributes = new List<IReadOnlyList<KeyValuePair<string, string>>>();
        for (var j = 1; j < n; j++)
        {
            if (weighted[0, j] is > 0 && members[names[j]] is not null && attributes(names[j]) is { Count: > 0 } a)
            {
                neighbourAttributes.Add(a);
            }
        }

        var assortativity = new List<KeyValuePair<string, double>>();
        var egoAttributes = attributes(ego.Name) ?? [];
        foreach (var pair in egoAttributes)
        {
            var key = pair.Key;
            if (assortativity.Any(x => x.Key == key))
            {
                continue; // a repeated key keeps its first position and its last value, as a Python dict
            }

            var egoValue = egoAttributes.Last(x => x.Key == key).Value;
            var same = neighbourAttributes.Count(a => a.LastOrDefault(x => x.Key == key).Value == egoValue);
            assortativity.Add(new(key, neighbourAttributes.Count > 0 ? (double)same / neighbourAttributes.Count : double.NaN));
        }

        return new NetworkIndicators(clustering, weightedClustering, assortativity, defaults is null ? [] : IndicatorAssortativity(ego, names, members, weighted, defaults));
    }

    /// <summary>
    /// bandicoot's <c>assortativity_indicators</c>: every indicator of <c>utils.all</c> with default
    /// options (weekly, default summary, no splits), compared between the ego and each
    /// reciprocated neighbour with a file. Keys come in the order they first get a pair of
    /// defined values, as bandicoot's dict fills.
    /// </summary>
    private static List<KeyValuePair<string, double>> IndicatorAssortativity(
        BandicootUser ego, List<string> names, IReadOnlyDictionary<string, BandicootUser?> members, long?[,] weighted, IndicatorCalculator defaults)
    {
        var keys = defaults.Schema.Keys;
        var egoValues = new double[keys.Length];
        defaults.Compute(ego, egoValues);
        var neighbourValues = new double[keys.Length];
        var sums = new double[keys.Length];
        var counts = new int[keys.Length];
        var order = new List<int>();
        for (var j = 1; j < names.Count; j++)
        {
            if (weighted[0, j] is 0 || members[names[j]] is not { } neighbour)
            {
                continue;
            }

            defaults.Compute(neighbour, neighbourValues);
            for (var k = 0; k < keys.Length; k++)
            {
                if (double.IsFinite(egoValues[k]) && double.IsFinite(neighbourValues[k]))
                {
                    if (counts[k]++ == 0)
                    {
                        order.Add(k);
                    }

                    var d = egoValues[k] - neighbourValues[k];
                    sums[k] += d * d;
                }
            }
        }

        return [.. order.Select(k => new KeyValuePair<string, double>(keys[k], sums[k] / counts[k]))];
    }
}
