using System.Globalization;

namespace Mosaic.Simulation;

/// <summary>Group of an attributed subscriber in the simulator (the order of <see cref="Definitions.Groups.Subjects"/>).</summary>
internal enum SimGroup : byte
{
    Local = 0,
    Settled = 1,
    New = 2,
}

/// <summary>
/// Where people are at a given kind of moment: probabilities of home, work and three other
/// places (preferential return: the k-th other place is visited in proportion to 1/k).
/// </summary>
internal static class Whereabouts
{
    public const int Places = 5;

    public const int Night = 0;
    public const int WorkHours = 1;
    public const int OtherDay = 2;

    private static readonly double[] OtherSplit = [6.0 / 11, 3.0 / 11, 2.0 / 11];

    /// <summary>P(place | moment) for home, work, other 1..3.</summary>
    public static readonly double[][] PlaceGivenMoment =
    [
        Split(0.85, 0.03, 0.12),
        Split(0.15, 0.65, 0.20),
        Split(0.45, 0.10, 0.45),
    ];

    /// <summary>Relative weights of Monday..Sunday (weekly cycle).</summary>
    public static readonly double[] DayWeights = [1, 1, 1, 1, 1.05, 0.85, 0.75];

    /// <summary>Relative weights of daytime hours 7..18 (daily cycle).</summary>
    public static readonly double[] DayHourWeights = [0.5, 0.8, 1, 1, 1, 1.1, 1, 1, 1, 1.05, 1.2, 1.3];

    /// <summary>Relative weights of night hours 19..23 then 0..6.</summary>
    public static readonly double[] NightHourWeights = [1.3, 1.2, 1.0, 0.8, 0.5, 0.25, 0.12, 0.08, 0.06, 0.08, 0.15, 0.3];

    /// <summary>P(weekday 09:00–17:00 | daytime interaction).</summary>
    public static double WorkHoursGivenDay { get; } = ComputeWorkHoursGivenDay();

    /// <summary>Marginal place probabilities for someone with the given night share.</summary>
    public static double[] PlaceProbabilities(double nightShare)
    {
        var p = new double[Places];
        var day = 1 - nightShare;
        for (var k = 0; k < Places; k++)
        {
            p[k] = (nightShare * PlaceGivenMoment[Night][k])
                + (day * WorkHoursGivenDay * PlaceGivenMoment[WorkHours][k])
                + (day * (1 - WorkHoursGivenDay) * PlaceGivenMoment[OtherDay][k]);
        }

        return p;
    }

    private static double[] Split(double home, double work, double others) =>
        [home, work, others * OtherSplit[0], others * OtherSplit[1], others * OtherSplit[2]];

    private static double ComputeWorkHoursGivenDay()
    {
        var weekday = DayWeights.Take(5).Sum() / DayWeights.Sum();
        var working = DayHourWeights.Skip(2).Take(8).Sum() / DayHourWeights.Sum();
        return weekday * working;
    }
}

/// <summary>
/// The attributed subscribers of the simulated city with everything the generator and the
/// truth need: group, origin, refugee status, arrival week, sociability and activity
/// multipliers, home and the other anchor places per week, and the planned radius of gyration.
/// Index layout: [0, Attributed) attributed (locals, then settled, then new),
/// [Attributed, Subscribers) unattributed, then the machines.
/// </summary>
internal sealed class Population
{
    private readonly long idKey;

    public Population(int attributed, long subscribers, int machines, int weeks, long seed)
    {
        Attributed = attributed;
        Subscribers = subscribers;
        Machines = machines;
        Weeks = weeks;
        idKey = (long)(new Rng(seed, 0x1D, 0).NextULong() & long.MaxValue);
        Group = new SimGroup[attributed];
        Origin = new byte[attributed];
        IsRefugee = new bool[attributed];
        Arrival = new byte[attributed];
        Age = new byte[attributed];
        Female = new bool[attributed];
        Sociability = new float[attributed];
        Activity = new float[attributed];
        RoundingU = new float[attributed];
        HomeCell = new int[attributed];
        Anchors = new int[(long)attributed * weeks * 4];
        PlannedRadiusKm = new float[(long)attributed * weeks];
        MachineCell = new int[machines];
    }

    public int Attributed { get; }

    public long Subscribers { get; }

    public int Machines { get; }

    public int Weeks { get; }

    public SimGroup[] Group { get; }

    /// <summary>0 = the city (local), 1..K = region R01..RK, K + 1 = the refugee origin.</summary>
    public byte[] Origin { get; }

    public bool[] IsRefugee { get; }

    /// <summary>First active week (1 for locals and settled migrants).</summary>
    public byte[] Arrival { get; }

    public byte[] Age { get; }

    public bool[] Female { get; }

    /// <summary>Multiplier of contact counts (log-normal, mean 1); also the weight with which others pick this subscriber.</summary>
    public float[] Sociability { get; }

    /// <summary>Multiplier of interactions per contact (log-normal, mean 1, heavy-tailed).</summary>
    public float[] Activity { get; }

    /// <summary>Fixed uniform used for stochastic rounding of contact counts, so counts change monotonically over weeks.</summary>
    public float[] RoundingU { get; }

    public int[] HomeCell { get; }

    /// <summary>Work and three other places per week: index ((i·W) + week − 1)·4 + k; −1 before arrival.</summary>
    public int[] Anchors { get; }

    /// <summary>Radius of gyration the subscriber's planned whereabouts imply per week (NaN before arrival).</summary>
    public float[] PlannedRadiusKm { get; }

    public int[] MachineCell { get; }

    /// <summary>Members of each group, in index order.</summary>
    public int[][] Members { get; set; } = [];

    /// <summary>New migrants per arrival week (index = week).</summary>
    public int[][] NewByArrival { get; set; } = [];

    /// <summary>Settled migrants per origin code.</summary>
    public int[][] SettledByOrigin { get; set; } = [];

    public AliasTable?[] GroupPick { get; set; } = [];

    public AliasTable?[] NewPick { get; set; } = [];

    public AliasTable?[] SettledOriginPick { get; set; } = [];

    public string[] OriginCodes { get; set; } = [];

    public int RefugeeOriginCode => OriginCodes.Length - 1;

    /// <summary>True when the subscriber is active in <paramref name="week"/>.</summary>
    public bool ActiveIn(int i, int week) => week >= Arrival[i];

    /// <summary>Weeks since arrival (0 in the arrival week).</summary>
    public int Tenure(int i, int week) => week - Arrival[i];

    /// <summary>The anchor cell of place k (0 = home, 1 = work, 2..4 = others) in a week.</summary>
    public int Place(int i, int week, int k) => k == 0 ? HomeCell[i] : Anchors[((((long)i * Weeks) + week - 1) * 4) + k - 1];

    /// <summary>
    /// The 64-bit identifier of subscriber index <paramref name="index"/>: a keyed bijection of
    /// [0, 2^63) so that identifiers are distinct, non-negative and carry no order.
    /// </summary>
    public long Id(long index)
    {
        unchecked
        {
            const ulong Mask = long.MaxValue;
            var x = ((ulong)(index + 1) ^ (ulong)idKey) & Mask;
            x = (x * 0x9E3779B97F4A7C15UL) & Mask;
            x ^= x >> 29;
            x = (x * 0xBF58476D1CE4E5B9UL) & Mask;
            x ^= x >> 32;
            x = (x * 0x94D049BB133111EBUL) & Mask;
            x ^= x >> 31;
            return (long)x;
        }
    }

    public long MachineIndex(int m) => Subscribers + m;

    /// <summary>Origin code as written to <c>subscribers.birthplace</c>.</summary>
    public string Birthplace(int i) => OriginCodes[Origin[i]];

    /// <summary>Builds the population on a city.</summary>
    public static Population Build(City city, PresetSizes sizes, int weeks, SimulationParameters parameters, long seed)
    {
        var n = sizes.Attributed;
        var pop = new Population(n, sizes.Subscribers, sizes.Machines, weeks, seed);
        var rng = new Rng(seed, 0x50, 0);
        var nNew = weeks >= 2 ? (int)Math.Round(n * sizes.NewShare) : 0;
        var nLocal = (int)Math.Round((n - nNew) * parameters.LocalShare);
        var nSettled = n - nNew - nLocal;
        var k = parameters.OriginRegions;
        pop.OriginCodes = ["city", .. Enumerable.Range(1, k).Select(r => "R" + r.ToString("D2", CultureInfo.InvariantCulture)), parameters.RefugeeOrigin];

        var zipf = new AliasTable(Enumerable.Range(1, k).Select(r => 1.0 / r).ToArray());
        for (var i = 0; i < n; i++)
        {
            var group = i < nLocal ? SimGroup.Local : i < nLocal + nSettled ? SimGroup.Settled : SimGroup.New;
            pop.Group[i] = group;
            pop.Origin[i] = group == SimGroup.Local ? (byte)0 : (byte)(1 + zipf.Next(ref rng));
            pop.Arrival[i] = group == SimGroup.New ? (byte)(2 + rng.NextInt(weeks - 1)) : (byte)1;
        }

        // Refugees: a random subset of the migrants, all of one origin.
        var migrants = nSettled + nNew;
        var refugees = Math.Min(migrants, (int)Math.Round(n * parameters.RefugeeShare));
        var order = City.Shuffle(migrants, ref rng);
        for (var r = 0; r < refugees; r++)
        {
            var i = nLocal + order[r];
            pop.IsRefugee[i] = true;
            pop.Origin[i] = (byte)pop.RefugeeOriginCode;
        }

        var hostHome = new AliasTable(city.Districts.Select(d => (double)Math.Max(1, d.Population - d.RefugeePopulation)).ToArray());
        var refugeeHome = new AliasTable(city.Districts.Select(d => (double)Math.Max(0, d.RefugeePopulation) + 1e-9).ToArray());
        for (var i = 0; i < n; i++)
        {
            var local = pop.Group[i] == SimGroup.Local;
            pop.Age[i] = (byte)Math.Clamp(Math.Round(local ? 40 + (14 * rng.Normal()) : 33 + (10 * rng.Normal())), 16, 85);
            pop.Female[i] = rng.Chance(local ? 0.5 : 0.45);
            pop.Sociability[i] = (float)rng.LogNormalWithMean(1, parameters.SociabilitySigma);
            pop.Activity[i] = (float)rng.LogNormalWithMean(1, parameters.ActivitySigma);
            pop.RoundingU[i] = (float)rng.NextDouble();
            var district = (pop.IsRefugee[i] ? refugeeHome : hostHome).Next(ref rng);
            var cells = city.CellsOfDistrict[district];
            pop.HomeCell[i] = cells[rng.NextInt(cells.Length)];
        }

        PlaceAnchors(pop, city, parameters, ref rng);
        for (var m = 0; m < pop.Machines; m++)
        {
            pop.MachineCell[m] = rng.NextInt(city.CellCount);
        }

        pop.Members = [.. Enumerable.Range(0, 3).Select(g => Enumerable.Range(0, n).Where(i => (int)pop.Group[i] == g).ToArray())];
        pop.NewByArrival = [.. Enumerable.Range(0, weeks + 1).Select(w => pop.Members[2].Where(i => pop.Arrival[i] == w).ToArray())];
        pop.SettledByOrigin = [.. Enumerable.Range(0, pop.OriginCodes.Length).Select(o => pop.Members[1].Where(i => pop.Origin[i] == o).ToArray())];
        pop.GroupPick = [.. pop.Members.Select(pop.PickTable)];
        pop.NewPick = [.. pop.NewByArrival.Select(pop.PickTable)];
        pop.SettledOriginPick = [.. pop.SettledByOrigin.Select(pop.PickTable)];
        return pop;
    }

    private AliasTable? PickTable(int[] members) =>
        members.Length == 0 ? null : new AliasTable(members.Select(i => (double)Sociability[i]).ToArray());

    /// <summary>
    /// Work and other places lie at fixed directions and relative distances from home; the
    /// distance scale is the group's (for new migrants, their tenure's), so a new migrant's
    /// places move outwards week by week as the planted radius grows.
    /// </summary>
    private static void PlaceAnchors(Population pop, City city, SimulationParameters parameters, ref Rng rng)
    {
        Span<double> angle = stackalloc double[4];
        Span<double> reach = stackalloc double[4];
        Span<int> places = stackalloc int[Whereabouts.Places];
        for (var i = 0; i < pop.Attributed; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                angle[k] = 2 * Math.PI * rng.NextDouble();
                reach[k] = (k == 0 ? 1.5 : 0.6 + (0.4 * k)) * rng.LogNormalWithMean(1, 0.5);
            }

            var home = pop.HomeCell[i];
            for (var week = 1; week <= pop.Weeks; week++)
            {
                var baseIndex = ((((long)i * pop.Weeks) + week - 1) * 4);
                if (!pop.ActiveIn(i, week))
                {
                    for (var k = 0; k < 4; k++)
                    {
                        pop.Anchors[baseIndex + k] = -1;
                    }

                    pop.PlannedRadiusKm[((long)i * pop.Weeks) + week - 1] = float.NaN;
                    continue;
                }

                var behaviour = pop.BehaviourOf(i, week, parameters);
                for (var k = 0; k < 4; k++)
                {
                    var d = behaviour.DistanceScaleKm * reach[k];
                    pop.Anchors[baseIndex + k] = city.NearestCell(city.CellX[home] + (d * Math.Cos(angle[k])), city.CellY[home] + (d * Math.Sin(angle[k])));
                }

                for (var k = 0; k < Whereabouts.Places; k++)
                {
                    places[k] = pop.Place(i, week, k);
                }

                var weights = Whereabouts.PlaceProbabilities(behaviour.NightShare);
                pop.PlannedRadiusKm[((long)i * pop.Weeks) + week - 1] = (float)city.RadiusOfGyrationKm(places, weights);
            }
        }
    }

    /// <summary>The behaviour of subscriber i in a week (new migrants by tenure).</summary>
    public GroupBehaviour BehaviourOf(int i, int week, SimulationParameters parameters) => Group[i] switch
    {
        SimGroup.Local => parameters.Local,
        SimGroup.Settled => parameters.Settled,
        _ => parameters.NewAt(Math.Max(0, Tenure(i, week))),
    };
}
