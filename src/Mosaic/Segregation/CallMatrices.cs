namespace Mosaic.Segregation;

/// <summary>
/// District-to-district call matrices O^gh for the networks RR, RT, TR and TT (R = refugee,
/// T = host), with the number of distinct callers behind each count (for k-suppression), and
/// each caller group's outgoing volume per origin district (the paper's population proxy).
/// Indices are positions in <see cref="Districts"/> (sorted district ids).
/// </summary>
public sealed class CallMatrices
{
    /// <summary>The four networks, in output order.</summary>
    public static IReadOnlyList<string> AllNetworks { get; } = ["RR", "RT", "TR", "TT"];

    /// <summary>Creates empty matrices over <paramref name="districts"/> for <paramref name="networks"/>.</summary>
    public CallMatrices(IReadOnlyList<int> districts, IReadOnlyList<string> networks)
    {
        ArgumentNullException.ThrowIfNull(districts);
        ArgumentNullException.ThrowIfNull(networks);
        Districts = districts;
        Networks = networks;
        var n = districts.Count;
        foreach (var network in networks)
        {
            Calls[network] = new long[n, n];
            Callers[network] = new long[n, n];
            OriginCallers[network] = new long[n];
        }

        foreach (var group in new[] { "R", "T" })
        {
            OutgoingCalls[group] = new long[n];
            OutgoingCallers[group] = new long[n];
        }
    }

    /// <summary>District ids, ascending; matrix index i is <c>Districts[i]</c>.</summary>
    public IReadOnlyList<int> Districts { get; }

    /// <summary>The networks present (all four from calls; RT and TT from site traffic).</summary>
    public IReadOnlyList<string> Networks { get; }

    /// <summary>Calls per network, [origin, destination].</summary>
    public Dictionary<string, long[,]> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>Distinct callers per network and cell (for site traffic, the call count: an upper bound).</summary>
    public Dictionary<string, long[,]> Callers { get; } = new(StringComparer.Ordinal);

    /// <summary>Distinct callers per network and origin district.</summary>
    public Dictionary<string, long[]> OriginCallers { get; } = new(StringComparer.Ordinal);

    /// <summary>All outgoing calls per caller group (<c>R</c>, <c>T</c>) and origin district, whatever the destination.</summary>
    public Dictionary<string, long[]> OutgoingCalls { get; } = new(StringComparer.Ordinal);

    /// <summary>Distinct callers behind <see cref="OutgoingCalls"/>.</summary>
    public Dictionary<string, long[]> OutgoingCallers { get; } = new(StringComparer.Ordinal);

    /// <summary>Index of a district id, or −1 when it is not in the districts table.</summary>
    public int IndexOf(int districtId)
    {
        var index = BinarySearch(districtId);
        return index >= 0 ? index : -1;
    }

    /// <summary>Row <paramref name="origin"/> of a network as doubles.</summary>
    public double[] Row(string network, int origin)
    {
        var matrix = Calls[network];
        var row = new double[Districts.Count];
        for (var j = 0; j < row.Length; j++)
        {
            row[j] = matrix[origin, j];
        }

        return row;
    }

    /// <summary>Row sums of a network: its outgoing calls per origin district within the matrix.</summary>
    public double[] RowSums(string network) =>
        Enumerable.Range(0, Districts.Count).Select(i => Row(network, i).Sum()).ToArray();

    private int BinarySearch(int districtId)
    {
        int lo = 0, hi = Districts.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var value = Districts[mid];
            if (value == districtId)
            {
                return mid;
            }

            if (value < districtId)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
