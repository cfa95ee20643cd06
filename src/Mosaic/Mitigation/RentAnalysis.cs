namespace Mosaic.Mitigation;

/// <summary>One relocated flow and its rent change.</summary>
/// <param name="FromDistrict">Origin district.</param>
/// <param name="ToDistrict">Destination district.</param>
/// <param name="People">People moved (m_ji · r_i).</param>
/// <param name="RentFrom">Monthly rent per person at the origin.</param>
/// <param name="RentTo">Monthly rent per person at the destination.</param>
public sealed record RentFlow(int FromDistrict, int ToDistrict, double People, double RentFrom, double RentTo)
{
    /// <summary>Monthly rent change per person: destination minus origin.</summary>
    public double ChangePerPerson => RentTo - RentFrom;

    /// <summary>Monthly rent change of the whole flow.</summary>
    public double ChangeTotal => People * ChangePerPerson;
}

/// <summary>A histogram bin of the per-person rent change, weighted by people.</summary>
/// <param name="Lower">Inclusive lower edge.</param>
/// <param name="Upper">Upper edge (inclusive for the last bin).</param>
/// <param name="People">People whose change falls in the bin.</param>
public sealed record RentBin(double Lower, double Upper, double People);

/// <summary>Per destination district, the monthly subsidy that offsets every increase of the people moving in.</summary>
/// <param name="DistrictId">Destination district.</param>
/// <param name="PeopleIn">People moving in.</param>
/// <param name="Subsidy">Σ over incoming flows of people × max(0, rent change).</param>
public sealed record DistrictSubsidy(int DistrictId, double PeopleIn, double Subsidy);

/// <summary>The rent bill of a relocation (paper §4.3), all amounts per month.</summary>
/// <param name="Flows">Every relocated flow (origin ≠ destination, people &gt; 0), sorted by origin then destination.</param>
/// <param name="Relocated">People relocated.</param>
/// <param name="NetChange">Σ people × change: the net monthly rent change.</param>
/// <param name="PerPerson">Net change per relocated person (0 when nobody moves).</param>
/// <param name="Increases">Sum of the positive changes.</param>
/// <param name="Decreases">Sum of the negative changes (a non-positive number).</param>
/// <param name="Histogram">People-weighted histogram of the per-person change, equal-width bins.</param>
/// <param name="Subsidies">Per destination district.</param>
public sealed record RentSummary(
    IReadOnlyList<RentFlow> Flows,
    double Relocated,
    double NetChange,
    double PerPerson,
    double Increases,
    double Decreases,
    IReadOnlyList<RentBin> Histogram,
    IReadOnlyList<DistrictSubsidy> Subsidies);

/// <summary>Rent changes of a mobility matrix, from each district's monthly rent per person.</summary>
public static class RentAnalysis
{
    /// <summary>
    /// Flows below <paramref name="minimumPeople"/> (default 10⁻⁹ people: rounding residue of the
    /// optimiser) are left out.
    /// </summary>
    public static RentSummary Compute(MitigationProblem problem, double[,] matrix, int bins = 20, double minimumPeople = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var n = problem.Count;
        var flows = new List<RentFlow>();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var people = matrix[j, i] * problem.Refugees[i];
                if (i != j && people > minimumPeople)
                {
                    flows.Add(new RentFlow(problem.DistrictIds[i], problem.DistrictIds[j], people, problem.Rent[i], problem.Rent[j]));
                }
            }
        }

        var relocated = flows.Sum(f => f.People);
        var net = flows.Sum(f => f.ChangeTotal);
        var histogram = new List<RentBin>();
        if (flows.Count > 0)
        {
            var low = flows.Min(f => f.ChangePerPerson);
            var high = flows.Max(f => f.ChangePerPerson);
            var width = high > low ? (high - low) / bins : 1;
            var counts = new double[bins];
            foreach (var f in flows)
            {
                var b = Math.Min(bins - 1, (int)Math.Floor((f.ChangePerPerson - low) / width));
                counts[b] += f.People;
            }

            for (var b = 0; b < bins; b++)
            {
                histogram.Add(new RentBin(low + (b * width), low + ((b + 1) * width), counts[b]));
            }
        }

        var subsidies = problem.DistrictIds
            .Select(id => new DistrictSubsidy(
                id,
                flows.Where(f => f.ToDistrict == id).Sum(f => f.People),
                flows.Where(f => f.ToDistrict == id).Sum(f => f.People * Math.Max(0, f.ChangePerPerson))))
            .OrderBy(s => s.DistrictId)
            .ToList();
        return new RentSummary(
            flows,
            relocated,
            net,
            relocated > 0 ? net / relocated : 0,
            flows.Where(f => f.ChangeTotal > 0).Sum(f => f.ChangeTotal),
            flows.Where(f => f.ChangeTotal < 0).Sum(f => f.ChangeTotal),
            histogram,
            subsidies);
    }
}
