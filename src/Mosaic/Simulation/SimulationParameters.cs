namespace Mosaic.Simulation;

/// <summary>
/// How one group behaves in one week. Contact counts are expectations per subscriber for a
/// subscriber of average sociability; each subscriber scales them by a log-normal multiplier.
/// </summary>
/// <param name="UnattributedContacts">Distinct unattributed numbers contacted every week.</param>
/// <param name="ToLocals">Contacts with locals this subscriber creates (the partners see them too).</param>
/// <param name="ToSettled">Contacts with settled migrants this subscriber creates.</param>
/// <param name="ToNew">Contacts with new migrants of the same arrival week this subscriber creates.</param>
/// <param name="ActivityRate">Mean extra interactions per contact per week beyond the first (Poisson, scaled by a heavy-tailed activity multiplier).</param>
/// <param name="TextShare">Probability that an interaction is a text.</param>
/// <param name="NightShare">Probability that an interaction falls at night (19:00–07:00).</param>
/// <param name="CallDurationMeanS">Mean call duration in seconds (log-normal).</param>
/// <param name="DistanceScaleKm">Typical distance of work and other places from home.</param>
public sealed record GroupBehaviour(
    double UnattributedContacts,
    double ToLocals,
    double ToSettled,
    double ToNew,
    double ActivityRate,
    double TextShare,
    double NightShare,
    double CallDurationMeanS,
    double DistanceScaleKm)
{
    /// <summary>Geometric interpolation from this behaviour towards <paramref name="target"/>: (1 − rate)^tenure of the gap remains.</summary>
    public GroupBehaviour Towards(GroupBehaviour target, double rate, int tenure)
    {
        ArgumentNullException.ThrowIfNull(target);
        var keep = Math.Pow(1 - rate, tenure);
        double Mix(double from, double to) => to + ((from - to) * keep);
        return new(
            Mix(UnattributedContacts, target.UnattributedContacts),
            Mix(ToLocals, target.ToLocals),
            Mix(ToSettled, target.ToSettled),
            Mix(ToNew, target.ToNew),
            Mix(ActivityRate, target.ActivityRate),
            Mix(TextShare, target.TextShare),
            Mix(NightShare, target.NightShare),
            Mix(CallDurationMeanS, target.CallDurationMeanS),
            Mix(DistanceScaleKm, target.DistanceScaleKm));
    }

    internal void Validate(string name)
    {
        foreach (var (value, field) in new[]
        {
            (UnattributedContacts, nameof(UnattributedContacts)), (ToLocals, nameof(ToLocals)), (ToSettled, nameof(ToSettled)),
            (ToNew, nameof(ToNew)), (ActivityRate, nameof(ActivityRate)), (CallDurationMeanS, nameof(CallDurationMeanS)),
            (DistanceScaleKm, nameof(DistanceScaleKm)),
        })
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new MosaicInputException($"simulation parameter {name}.{field} must be a finite non-negative number");
            }
        }

        if (TextShare is < 0 or >= 1 || NightShare is < 0 or > 1)
        {
            throw new MosaicInputException($"simulation parameter {name}: shares must lie in [0, 1)");
        }
    }
}

/// <summary>
/// Every behavioural parameter of the simulated city. All of them are written to
/// <c>truth.json</c>; the expected feature values there are computed from them.
/// </summary>
public sealed record SimulationParameters
{
    /// <summary>The defaults (settled migrants have more contacts and a larger radius than locals, as in Yang et al. 2018).</summary>
    public static SimulationParameters Default { get; } = new();

    /// <summary>Locals' share of the attributed subscribers who are not new migrants (seed: 1.7M of 2.7M).</summary>
    public double LocalShare { get; init; } = 0.63;

    /// <summary>Behaviour of locals.</summary>
    public GroupBehaviour Local { get; init; } = new(16, 3, 0, 0, 0.6, 0.30, 0.22, 110, 3.5);

    /// <summary>Behaviour of settled migrants: more contacts, larger radius than locals.</summary>
    public GroupBehaviour Settled { get; init; } = new(20, 2, 2, 0, 0.6, 0.30, 0.25, 125, 5.0);

    /// <summary>Behaviour of new migrants in their first active week; later weeks drift towards <see cref="NewMigrantTarget"/>.</summary>
    public GroupBehaviour NewArrival { get; init; } = new(9, 0.4, 3, 1, 0.9, 0.42, 0.36, 175, 4.0);

    /// <summary>Fraction of the remaining gap between new and settled migrants closed each week of tenure.</summary>
    public double IntegrationRate { get; init; } = 0.35;

    /// <summary>Share of a migrant's settled contacts chosen among migrants of the same origin (townsmen).</summary>
    public double TownsmenShare { get; init; } = 0.5;

    /// <summary>Number of migrant origin regions (codes R01, R02, ...), Zipf-distributed.</summary>
    public int OriginRegions { get; init; } = 30;

    /// <summary>Share of attributed subscribers who are refugees (Istanbul 2017: 480k of 15.0M).</summary>
    public double RefugeeShare { get; init; } = 0.032;

    /// <summary>Origin code of refugees; refugees are migrants of this origin.</summary>
    public string RefugeeOrigin { get; init; } = "SYR";

    /// <summary>Districts where refugees concentrate.</summary>
    public int EnclaveDistricts { get; init; } = 3;

    /// <summary>How many times the base refugee share an enclave district has.</summary>
    public double EnclaveFactor { get; init; } = 3.5;

    /// <summary>Districts where refugees' call destinations are planted to differ from hosts'.</summary>
    public int SegregatedDistricts { get; init; } = 3;

    /// <summary>Share of calls to unattributed numbers whose destination stays in the caller's district.</summary>
    public double SelfDestinationShare { get; init; } = 0.35;

    /// <summary>Length scale (km) of the gravity model for the other destinations.</summary>
    public double DestinationLengthKm { get; init; } = 8;

    /// <summary>Probability that an active attributed subscriber is contacted by a machine in a week.</summary>
    public double MachineContactProbability { get; init; } = 0.2;

    /// <summary>Interactions of each machine per week (attributed and unattributed counterparts).</summary>
    public int MachineInteractionsPerWeek { get; init; } = 3_000;

    /// <summary>Mean extra interactions beyond the first between a machine and a contacted subscriber in a week.</summary>
    public double MachineActivityRate { get; init; } = 0.5;

    /// <summary>Mean duration of a machine's calls in seconds.</summary>
    public double MachineCallDurationMeanS { get; init; } = 45;

    /// <summary>Interactions per unattributed subscriber per week among unattributed numbers (background traffic).</summary>
    public double BackgroundInteractionsPerWeek { get; init; } = 1.4;

    /// <summary>Log-scale standard deviation of the sociability multiplier (contact counts).</summary>
    public double SociabilitySigma { get; init; } = 0.4;

    /// <summary>Log-scale standard deviation of the activity multiplier (interactions per contact): heavy-tailed.</summary>
    public double ActivitySigma { get; init; } = 0.8;

    /// <summary>Log-scale standard deviation of call durations.</summary>
    public double DurationSigma { get; init; } = 0.9;

    /// <summary>City residents per subscriber (the operator's market share is below one).</summary>
    public double ResidentsPerSubscriber { get; init; } = 1.25;

    /// <summary>New migrants' behaviour once fully settled: settled behaviour with settled contacts counted from both ends.</summary>
    public GroupBehaviour NewMigrantTarget => Settled with { ToSettled = 2 * Settled.ToSettled, ToNew = NewArrival.ToNew };

    /// <summary>Behaviour of a new migrant in its <paramref name="tenure"/>-th week after arrival (0 = arrival week).</summary>
    public GroupBehaviour NewAt(int tenure) => NewArrival.Towards(NewMigrantTarget, IntegrationRate, tenure);

    /// <summary>Throws <see cref="MosaicInputException"/> when a parameter is out of range.</summary>
    public void Validate()
    {
        Local.Validate(nameof(Local));
        Settled.Validate(nameof(Settled));
        NewArrival.Validate(nameof(NewArrival));
        static void Share(double value, string name, double max = 1)
        {
            if (!(value >= 0 && value <= max))
            {
                throw new MosaicInputException($"simulation parameter {name} must lie in [0, {max}]");
            }
        }

        Share(LocalShare, nameof(LocalShare));
        Share(IntegrationRate, nameof(IntegrationRate));
        Share(TownsmenShare, nameof(TownsmenShare));
        Share(RefugeeShare, nameof(RefugeeShare), 0.5);
        Share(SelfDestinationShare, nameof(SelfDestinationShare));
        Share(MachineContactProbability, nameof(MachineContactProbability));
        if (OriginRegions is < 1 or > 99 || EnclaveDistricts < 0 || SegregatedDistricts < 0 || EnclaveFactor < 1
            || MachineInteractionsPerWeek < 0 || BackgroundInteractionsPerWeek < 0 || ResidentsPerSubscriber < 1
            || DestinationLengthKm <= 0 || string.IsNullOrWhiteSpace(RefugeeOrigin))
        {
            throw new MosaicInputException("simulation parameters out of range (origins 1–99, counts non-negative, enclave factor ≥ 1, residents per subscriber ≥ 1)");
        }
    }
}
