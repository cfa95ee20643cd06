using Mosaic.Data;

namespace Mosaic.Segregation;

/// <summary>How subscribers whose refugee status is unknown are counted.</summary>
public enum UnknownStatusPolicy
{
    /// <summary>
    /// As hosts (the default): the paper's T is every non-refugee customer, and an operator's
    /// unattributed numbers (and attributed ones with a null <c>is_refugee</c>) are mostly hosts.
    /// </summary>
    Host,

    /// <summary>Left out: calls with such a party on either side are dropped from every network.</summary>
    Exclude,
}

/// <summary>Where the refugee and host populations per district come from.</summary>
public enum PopulationSource
{
    /// <summary>The districts table when its <c>population</c> and <c>refugee_population</c> are complete, home locations otherwise.</summary>
    Auto,

    /// <summary>The districts table: refugees = <c>refugee_population</c>, hosts = <c>population</c> − <c>refugee_population</c>.</summary>
    Districts,

    /// <summary>Attributed subscribers counted by home district (<see cref="Definitions.HomeWork"/>).</summary>
    HomeLocations,
}

/// <summary>Where the call matrices come from.</summary>
public enum CallSource
{
    /// <summary><c>site_traffic</c> when the folder has it and <c>calls</c> is empty, <c>calls</c> otherwise.</summary>
    Auto,

    /// <summary>The call-level <c>calls</c> table: all four networks.</summary>
    Calls,

    /// <summary>D4R hourly site-to-site traffic: only refugee-originated (as RT) and other (as TT) calls.</summary>
    SiteTraffic,
}

/// <summary>Options of <see cref="SegregationStage"/>, validated by <see cref="Validate"/> before any work.</summary>
public sealed record SegregationOptions
{
    /// <summary>Default significance level (the paper's).</summary>
    public const double DefaultAlpha = 0.01;

    /// <summary>Default minimum number of subscribers behind a published number (FlowKit's).</summary>
    public const int DefaultMinSubscribers = 15;

    /// <summary>A district is segregated when its p-value is below this level; in (0, 1).</summary>
    public double Alpha { get; init; } = DefaultAlpha;

    /// <summary>How parties of unknown refugee status are counted; default <see cref="UnknownStatusPolicy.Host"/>.</summary>
    public UnknownStatusPolicy UnknownStatus { get; init; } = UnknownStatusPolicy.Host;

    /// <summary>Count texts as well as calls (default false: the paper counts calls).</summary>
    public bool IncludeTexts { get; init; }

    /// <summary>Where district populations come from; default <see cref="PopulationSource.Auto"/>.</summary>
    public PopulationSource Populations { get; init; } = PopulationSource.Auto;

    /// <summary>Where call matrices come from; default <see cref="CallSource.Auto"/>.</summary>
    public CallSource Calls { get; init; } = CallSource.Auto;

    /// <summary>
    /// k: a published number describing fewer than k distinct subscribers is suppressed (left
    /// empty, <c>suppressed</c> = true). 0 disables suppression (for use inside the operator's
    /// secure environment only). Default 15.
    /// </summary>
    public int MinSubscribers { get; init; } = DefaultMinSubscribers;

    /// <summary>The study city's birthplace code (locals), for the local/settled/new indices.</summary>
    public string CityCode { get; init; } = CanonicalTables.DefaultCityCode;

    /// <summary>Start of study week 1; null means midnight of the earliest call's date.</summary>
    public DateTime? StudyStart { get; init; }

    /// <summary>DuckDB resources.</summary>
    public EngineOptions Engine { get; init; } = EngineOptions.Default;

    /// <summary>
    /// Inputs with more calls than twice this count distinct callers on a hash sample first
    /// (see <see cref="CallMatrixQuery"/>); the outputs are the same either way. Lowered by tests
    /// to exercise the sampled path on small cities.
    /// </summary>
    internal long ExactCallersBelow { get; init; } = CallMatrixQuery.DefaultExactBelow;

    /// <summary>Throws <see cref="MosaicInputException"/> for an out-of-range option.</summary>
    public void Validate()
    {
        if (!(Alpha > 0 && Alpha < 1))
        {
            throw new MosaicInputException($"--alpha must be in (0, 1), got {Alpha}");
        }

        if (MinSubscribers < 0)
        {
            throw new MosaicInputException($"--k must be 0 or more, got {MinSubscribers}");
        }

        if (string.IsNullOrEmpty(CityCode))
        {
            throw new MosaicInputException("the city code must not be empty");
        }

        ArgumentNullException.ThrowIfNull(Engine);
    }
}
