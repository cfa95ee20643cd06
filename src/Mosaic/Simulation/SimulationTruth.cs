using Mosaic.Definitions;

namespace Mosaic.Simulation;

/// <summary>The expected value of one feature for one group in one week, with the tolerance the generated data must meet.</summary>
/// <param name="Group"><c>local</c>, <c>settled</c> or <c>new</c>.</param>
/// <param name="Week">1-based study week.</param>
/// <param name="Feature">Feature name from the catalogue (DESIGN.md).</param>
/// <param name="Value">Expected mean over the group's subscribers active that week.</param>
/// <param name="Tolerance">Allowed absolute difference: model approximation plus three standard errors of the group mean.</param>
/// <param name="Subscribers">Subscribers of the group active that week (the mean's denominator).</param>
public sealed record ExpectedValue(string Group, int Week, string Feature, double Value, double Tolerance, int Subscribers);

/// <summary>Whether new migrants move towards or away from another group on a feature over the study.</summary>
/// <param name="Feature">Feature name.</param>
/// <param name="Pair"><c>new-settled</c> or <c>new-local</c>.</param>
/// <param name="Direction"><c>towards</c> or <c>away</c>: the gap in the last week against the first week with new migrants.</param>
public sealed record DynamicsEntry(string Feature, string Pair, string Direction);

/// <summary>Everything the simulator planted, written as <c>truth.json</c>.</summary>
public sealed record SimulationTruth
{
    /// <summary>Random seed.</summary>
    public required long Seed { get; init; }

    /// <summary>Preset name.</summary>
    public required string Preset { get; init; }

    /// <summary>Sizes after overrides.</summary>
    public required PresetSizes Sizes { get; init; }

    /// <summary>Every behavioural parameter.</summary>
    public required SimulationParameters Parameters { get; init; }

    /// <summary>Start of week 1 (ISO 8601, local wall clock).</summary>
    public required string Start { get; init; }

    /// <summary>Study weeks.</summary>
    public required int Weeks { get; init; }

    /// <summary>The city's birthplace code (locals).</summary>
    public string CityCode { get; init; } = Data.CanonicalTables.DefaultCityCode;

    /// <summary>Group sizes: local, settled, new, unknown (unattributed numbers), refugee, host, machines.</summary>
    public required IReadOnlyDictionary<string, long> GroupSizes { get; init; }

    /// <summary>New migrants per arrival week.</summary>
    public required IReadOnlyDictionary<string, int> NewByArrivalWeek { get; init; }

    /// <summary>Expected feature values per group and week.</summary>
    public required IReadOnlyList<ExpectedValue> Expected { get; init; }

    /// <summary>Planted direction of new migrants' movement per feature.</summary>
    public required IReadOnlyList<DynamicsEntry> Dynamics { get; init; }

    /// <summary>District ids whose refugees' call destinations were planted to differ from hosts'.</summary>
    public required IReadOnlyList<int> SegregatedDistricts { get; init; }

    /// <summary>Planted refugee share of each district's population, by district id.</summary>
    public required IReadOnlyDictionary<string, double> RefugeeShareByDistrict { get; init; }

    /// <summary>District ids where refugees concentrate.</summary>
    public required IReadOnlyList<int> EnclaveDistricts { get; init; }

    /// <summary>Machine-like numbers: interactions per machine per week (planned).</summary>
    public required int MachineInteractionsPerWeek { get; init; }
}

/// <summary>
/// Expected feature values from the parameters. A subscriber's contacts are the contacts it
/// created (scaled by its sociability) plus those others created with it (others pick partners
/// in proportion to sociability, so these scale the same way and the share of locals does not
/// depend on sociability); interaction mixes weight each source by its expected interactions.
/// The radius of gyration is the mean, over active subscribers, of the radius their planted
/// places and visit probabilities imply.
/// </summary>
internal static class TruthModel
{
    public const string ShareContactsLocal = "share_contacts_local";
    public const string NContacts = "n_contacts";
    public const string RadiusOfGyration = "radius_of_gyration_km";
    public const string CallDurationMean = "call_duration_mean_s";
    public const string PctNocturnal = "pct_nocturnal";

    public static IReadOnlyList<string> Features { get; } = [ShareContactsLocal, NContacts, RadiusOfGyration, CallDurationMean, PctNocturnal];

    /// <summary>(relative approximation error, per-subscriber coefficient of variation, absolute floor) per feature.</summary>
    private static readonly Dictionary<string, (double Relative, double Cv, double Floor)> Error = new()
    {
        [ShareContactsLocal] = (0.05, 0.5, 0.005),
        [NContacts] = (0.04, 0.4, 0.3),
        [RadiusOfGyration] = (0.06, 0.6, 0.1),
        [CallDurationMean] = (0.04, 0.3, 1),
        [PctNocturnal] = (0.05, 0.3, 0.005),
    };

    private readonly record struct Source(double Contacts, bool Local, double PerContact, double Night, double Text, double Duration);

    public static List<ExpectedValue> Expected(Population pop, SimulationParameters p)
    {
        var result = new List<ExpectedValue>();
        var nLocal = pop.Members[0].Length;
        var nSettled = pop.Members[1].Length;
        for (var week = 1; week <= pop.Weeks; week++)
        {
            var cohorts = Enumerable.Range(2, Math.Max(0, week - 1)).Where(a => pop.NewByArrival[a].Length > 0).ToArray();
            IEnumerable<Source> FromNew(Func<GroupBehaviour, double> to, double members, bool local) =>
                cohorts.Select(a => p.NewAt(week - a)).Select((b, k) => new Source(
                    pop.NewByArrival[cohorts[k]].Length * to(b) / Math.Max(1, members), local, 1 + b.ActivityRate, b.NightShare, b.TextShare, b.CallDurationMeanS));

            var machine = new Source(pop.Machines > 0 ? p.MachineContactProbability : 0, false, 1 + p.MachineActivityRate, 0, 0, p.MachineCallDurationMeanS);
            var l = p.Local;
            var s = p.Settled;
            var perGroup = new List<(string Group, double[] Values, int N)>();

            // Locals: own contacts, locals' edges with them, settled and new migrants' edges with them.
            var localSources = Own(l)
                .Append(Src(l.ToLocals, true, l))
                .Append(Src(nSettled * s.ToLocals / Math.Max(1, nLocal), false, s))
                .Concat(FromNew(b => b.ToLocals, nLocal, false))
                .Append(machine);
            perGroup.Add((Groups.Local, Values(localSources), nLocal));

            var settledSources = Own(s)
                .Append(Src(nLocal * l.ToSettled / Math.Max(1, nSettled), true, l))
                .Append(Src(s.ToSettled, false, s))
                .Concat(FromNew(b => b.ToSettled, nSettled, false))
                .Append(machine);
            perGroup.Add((Groups.Settled, Values(settledSources), nSettled));

            var activeNew = cohorts.Sum(a => pop.NewByArrival[a].Length);
            if (activeNew > 0)
            {
                var mixed = new double[Features.Count];
                foreach (var a in cohorts)
                {
                    var b = p.NewAt(week - a);
                    var values = Values(Own(b).Append(Src(b.ToNew, false, b)).Append(machine));
                    for (var f = 0; f < mixed.Length; f++)
                    {
                        mixed[f] += values[f] * pop.NewByArrival[a].Length / activeNew;
                    }
                }

                perGroup.Add((Groups.New, mixed, activeNew));
            }

            foreach (var (group, values, n) in perGroup)
            {
                var g = group == Groups.Local ? 0 : group == Groups.Settled ? 1 : 2;
                values[2] = MeanPlannedRadius(pop, g, week);
                for (var f = 0; f < Features.Count; f++)
                {
                    var (relative, cv, floor) = Error[Features[f]];
                    var v = values[f];
                    var tolerance = floor + (relative * Math.Abs(v)) + (3 * cv * Math.Abs(v) / Math.Sqrt(Math.Max(1, n)));
                    result.Add(new ExpectedValue(group, week, Features[f], Math.Round(v, 6), Math.Round(tolerance, 6), n));
                }
            }
        }

        return result;
    }

    private static Source Src(double contacts, bool local, GroupBehaviour b) =>
        new(contacts, local, 1 + b.ActivityRate, b.NightShare, b.TextShare, b.CallDurationMeanS);

    private static IEnumerable<Source> Own(GroupBehaviour b) =>
    [
        Src(b.UnattributedContacts, false, b),
        Src(b.ToLocals, true, b),
        Src(b.ToSettled, false, b),
        Src(b.ToNew, false, b),
    ];

    /// <summary>Feature values in <see cref="Features"/> order (the radius is filled in by the caller).</summary>
    private static double[] Values(IEnumerable<Source> sources)
    {
        double contacts = 0, local = 0, interactions = 0, night = 0, calls = 0, seconds = 0;
        foreach (var s in sources)
        {
            contacts += s.Contacts;
            local += s.Local ? s.Contacts : 0;
            var n = s.Contacts * s.PerContact;
            interactions += n;
            night += n * s.Night;
            calls += n * (1 - s.Text);
            seconds += n * (1 - s.Text) * s.Duration;
        }

        return [local / contacts, contacts, double.NaN, seconds / calls, night / interactions];
    }

    private static double MeanPlannedRadius(Population pop, int group, int week)
    {
        double sum = 0;
        var n = 0;
        foreach (var i in pop.Members[group])
        {
            if (pop.ActiveIn(i, week))
            {
                sum += pop.PlannedRadiusKm[((long)i * pop.Weeks) + week - 1];
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Towards when the gap between new migrants and the other group is smaller in the last week than in the first week with new migrants.</summary>
    public static List<DynamicsEntry> Dynamics(IReadOnlyList<ExpectedValue> expected, int weeks)
    {
        var result = new List<DynamicsEntry>();
        var first = expected.Where(e => e.Group == Groups.New).Select(e => e.Week).DefaultIfEmpty(0).Min();
        if (first == 0 || first >= weeks)
        {
            return result;
        }

        double Value(string group, int week, string feature) =>
            expected.Single(e => e.Group == group && e.Week == week && e.Feature == feature).Value;

        foreach (var feature in Features)
        {
            foreach (var other in new[] { Groups.Settled, Groups.Local })
            {
                var before = Math.Abs(Value(Groups.New, first, feature) - Value(other, first, feature));
                var after = Math.Abs(Value(Groups.New, weeks, feature) - Value(other, weeks, feature));
                result.Add(new DynamicsEntry(feature, $"new-{other}", after < before ? "towards" : "away"));
            }
        }

        return result;
    }
}
