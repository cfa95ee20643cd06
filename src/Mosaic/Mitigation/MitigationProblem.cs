namespace Mosaic.Mitigation;

/// <summary>The call network whose refugee side the mobility matrix reshapes.</summary>
public enum MitigationNetwork
{
    /// <summary>Refugee→host calls: Ô^RT = M·O^RT, compared with the hosts' O^TT.</summary>
    RT,

    /// <summary>
    /// Refugee→refugee calls: Ô^RR = M·O^RR·Mᵀ (the callees move too), compared with O^TT as
    /// densities (each destination count divided by the destination group's population).
    /// </summary>
    RR,
}

/// <summary>
/// One mitigation problem over n districts: the district call matrices, the people per district,
/// the rents and the cap. Matrices are indexed [origin district, destination district] in the
/// order of <see cref="DistrictIds"/>. Usable without any file: build it from arrays.
/// </summary>
public sealed record MitigationProblem
{
    /// <summary>Creates a problem and checks shapes and values.</summary>
    /// <param name="districtIds">District identifiers, defining the index order (distinct).</param>
    /// <param name="callsRT">O^RT: refugee→host calls, n×n, non-negative.</param>
    /// <param name="callsRR">O^RR: refugee→refugee calls, n×n, non-negative.</param>
    /// <param name="callsTT">O^TT: host→host calls, n×n, non-negative.</param>
    /// <param name="refugees">Refugees living in each district (people, the quantity moved).</param>
    /// <param name="hosts">Hosts living in each district (the RR test's destination densities).</param>
    /// <param name="population">Total population of each district (the cap's base).</param>
    /// <param name="rent">Monthly rent per person in each district.</param>
    /// <param name="cap">Largest refugee share of a district's population after the move, in (0, 1].</param>
    public MitigationProblem(
        IReadOnlyList<int> districtIds,
        double[,] callsRT,
        double[,] callsRR,
        double[,] callsTT,
        IReadOnlyList<double> refugees,
        IReadOnlyList<double> hosts,
        IReadOnlyList<double> population,
        IReadOnlyList<double> rent,
        double cap)
    {
        ArgumentNullException.ThrowIfNull(districtIds);
        var n = districtIds.Count;
        if (n < 2)
        {
            throw new ArgumentException("a mitigation problem needs at least two districts", nameof(districtIds));
        }

        if (districtIds.Distinct().Count() != n)
        {
            throw new ArgumentException("district identifiers must be distinct", nameof(districtIds));
        }

        CheckMatrix(callsRT, n, nameof(callsRT));
        CheckMatrix(callsRR, n, nameof(callsRR));
        CheckMatrix(callsTT, n, nameof(callsTT));
        CheckVector(refugees, n, nameof(refugees));
        CheckVector(hosts, n, nameof(hosts));
        CheckVector(population, n, nameof(population));
        CheckVector(rent, n, nameof(rent));
        if (!(cap > 0 && cap <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(cap), cap, "the cap is a share of the population in (0, 1]");
        }

        DistrictIds = [.. districtIds];
        CallsRT = callsRT;
        CallsRR = callsRR;
        CallsTT = callsTT;
        Refugees = [.. refugees];
        Hosts = [.. hosts];
        Population = [.. population];
        Rent = [.. rent];
        Cap = cap;
    }

    /// <summary>District identifiers in index order.</summary>
    public IReadOnlyList<int> DistrictIds { get; }

    /// <summary>Number of districts n.</summary>
    public int Count => DistrictIds.Count;

    /// <summary>O^RT[origin, destination].</summary>
    public double[,] CallsRT { get; }

    /// <summary>O^RR[origin, destination].</summary>
    public double[,] CallsRR { get; }

    /// <summary>O^TT[origin, destination].</summary>
    public double[,] CallsTT { get; }

    /// <summary>Refugees per district (people).</summary>
    public IReadOnlyList<double> Refugees { get; }

    /// <summary>Hosts per district (people).</summary>
    public IReadOnlyList<double> Hosts { get; }

    /// <summary>Total population per district (people).</summary>
    public IReadOnlyList<double> Population { get; }

    /// <summary>Monthly rent per person per district.</summary>
    public IReadOnlyList<double> Rent { get; }

    /// <summary>Largest refugee share of a district's population after the move.</summary>
    public double Cap { get; }

    /// <summary>Refugees district <paramref name="district"/> may hold after the move: cap × population.</summary>
    public double Capacity(int district) => Cap * Population[district];

    /// <summary>Total refugees.</summary>
    public double TotalRefugees => Refugees.Sum();

    /// <summary>
    /// True when some relocation meets the cap: the total refugees fit in cap × total population
    /// (the capacity constraints then form a transportation problem with enough supply).
    /// </summary>
    public bool CapIsFeasible => TotalRefugees <= Enumerable.Range(0, Count).Sum(Capacity);

    /// <summary>The refugee call matrix of <paramref name="network"/>.</summary>
    public double[,] RefugeeCalls(MitigationNetwork network) => network == MitigationNetwork.RT ? CallsRT : CallsRR;

    /// <summary>Throws a <see cref="MosaicInputException"/> naming the numbers when the cap cannot be met.</summary>
    public void EnsureCapIsFeasible(string source)
    {
        if (!CapIsFeasible)
        {
            var room = Enumerable.Range(0, Count).Sum(Capacity);
            throw new MosaicInputException(source, null,
                $"the cap {Cap:G4} is infeasible: {TotalRefugees:F0} refugees exceed cap × total population = {room:F0}; raise --cap");
        }
    }

    private static void CheckMatrix(double[,] matrix, int n, string name)
    {
        ArgumentNullException.ThrowIfNull(matrix, name);
        if (matrix.GetLength(0) != n || matrix.GetLength(1) != n)
        {
            throw new ArgumentException($"must be {n}×{n}", name);
        }

        foreach (var value in matrix)
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentException("entries must be finite and non-negative", name);
            }
        }
    }

    private static void CheckVector(IReadOnlyList<double> vector, int n, string name)
    {
        ArgumentNullException.ThrowIfNull(vector, name);
        if (vector.Count != n)
        {
            throw new ArgumentException($"must have {n} entries", name);
        }

        if (vector.Any(v => !(v >= 0) || double.IsInfinity(v)))
        {
            throw new ArgumentException("entries must be finite and non-negative", name);
        }
    }
}
