namespace Mosaic.Features;

/// <summary>The four feature families of the integration study (Yang et al. 2018).</summary>
public enum FeatureFamily
{
    /// <summary>Identifiers and fixed attributes of the row's subscriber.</summary>
    Key,

    /// <summary>How the subscriber calls and texts.</summary>
    CallBehaviour,

    /// <summary>The shape of the subscriber's weekly contact network.</summary>
    EgoNetwork,

    /// <summary>Who the subscriber's contacts are.</summary>
    DemographicsOfFriends,

    /// <summary>Where the subscriber is.</summary>
    Geography,
}

/// <summary>One column of <c>features.parquet</c>.</summary>
/// <param name="Name">Column name: part of the interface, as in DESIGN.md's catalogue.</param>
/// <param name="Family">Feature family.</param>
/// <param name="Unit">Unit or value range.</param>
/// <param name="Definition">One-line definition (docs/features.md gives the formula in full).</param>
public sealed record FeatureColumn(string Name, FeatureFamily Family, string Unit, string Definition);

/// <summary>
/// The columns of <c>features.parquet</c>, in file order. A row exists for every (subject, week)
/// in which the subject has at least one interaction; "interaction" is one call or text on the
/// subscriber's side (an <see cref="Data.Events"/> row), "contact" a distinct counterpart.
/// </summary>
public static class FeatureCatalogue
{
    /// <summary>Every column, in file order.</summary>
    public static IReadOnlyList<FeatureColumn> Columns { get; } =
    [
        new("subscriber_id", FeatureFamily.Key, "pseudonym", "The subject (attributed, not a machine)."),
        new("week", FeatureFamily.Key, "1-based", "Study week (StudyCalendar)."),
        new("group", FeatureFamily.Key, "local|settled|new", "Groups.Classify, fixed over the study."),
        new("is_refugee", FeatureFamily.Key, "bool|null", "subscribers.is_refugee."),
        new("home_district_study", FeatureFamily.Key, "district_id|null", "District of the home cell over the whole study."),

        new("calls_out", FeatureFamily.CallBehaviour, "count", "Calls made."),
        new("calls_in", FeatureFamily.CallBehaviour, "count", "Calls received."),
        new("texts_out", FeatureFamily.CallBehaviour, "count", "Texts sent."),
        new("texts_in", FeatureFamily.CallBehaviour, "count", "Texts received."),
        new("pct_initiated", FeatureFamily.CallBehaviour, "[0,1]", "Share of interactions that are outgoing."),
        new("call_duration_mean_s", FeatureFamily.CallBehaviour, "s", "Mean duration of calls, both directions; null without calls."),
        new("call_duration_median_s", FeatureFamily.CallBehaviour, "s", "Median duration of calls (mean of the two middle values); null without calls."),
        new("call_duration_total_s", FeatureFamily.CallBehaviour, "s", "Total duration of calls; 0 without calls."),
        new("pct_nocturnal", FeatureFamily.CallBehaviour, "[0,1]", "Share of interactions at night (19:00-07:00, both boundaries)."),
        new("pct_weekend", FeatureFamily.CallBehaviour, "[0,1]", "Share of interactions on Saturday or Sunday."),
        new("active_days", FeatureFamily.CallBehaviour, "days", "Distinct dates with an interaction."),
        new("interevent_time_mean_s", FeatureFamily.CallBehaviour, "s", "Mean gap between consecutive interactions; null with fewer than 2."),
        new("interevent_time_std_s", FeatureFamily.CallBehaviour, "s", "Population std of those gaps; null with fewer than 2 interactions."),

        new("n_contacts", FeatureFamily.EgoNetwork, "count", "Distinct counterparts, any direction, calls and texts."),
        new("n_contacts_out", FeatureFamily.EgoNetwork, "count", "Distinct counterparts of outgoing interactions."),
        new("n_contacts_in", FeatureFamily.EgoNetwork, "count", "Distinct counterparts of incoming interactions."),
        new("interactions_per_contact_mean", FeatureFamily.EgoNetwork, "count", "Interactions / n_contacts."),
        new("entropy_of_contacts", FeatureFamily.EgoNetwork, "nats", "-sum p ln p over contacts, p = share of interactions."),
        new("entropy_of_contacts_norm", FeatureFamily.EgoNetwork, "[0,1]", "entropy_of_contacts / ln(n_contacts); 0 with one contact."),
        new("pct_reciprocal_contacts", FeatureFamily.EgoNetwork, "[0,1]", "Share of contacts with both outgoing and incoming interactions."),
        new("pct_pareto_interactions", FeatureFamily.EgoNetwork, "[0,1]", "Fewest contacts covering 80% of interactions, / n_contacts."),
        new("clustering_coefficient", FeatureFamily.EgoNetwork, "[0,1]", "Local clustering in the week's undirected contact graph; 0 below 2 neighbours."),
        new("pct_new_contacts", FeatureFamily.EgoNetwork, "[0,1]", "Share of contacts not seen in earlier study weeks; null in week 1."),

        new("share_contacts_local", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts who are locals."),
        new("share_contacts_settled", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts who are settled migrants."),
        new("share_contacts_new", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts who are new migrants."),
        new("share_contacts_unknown", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts who are unattributed."),
        new("share_calls_local", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of interactions with locals."),
        new("share_calls_settled", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of interactions with settled migrants."),
        new("share_calls_new", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of interactions with new migrants."),
        new("share_townsmen", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts with the subject's own birthplace; 0 for locals."),
        new("contacts_age_mean", FeatureFamily.DemographicsOfFriends, "years", "Mean age of contacts with a known age; null if none."),
        new("contacts_age_std", FeatureFamily.DemographicsOfFriends, "years", "Population std of those ages; null if none."),
        new("contacts_age_gap_mean", FeatureFamily.DemographicsOfFriends, "years", "Mean |contact age - own age|; null if either is unknown."),
        new("share_contacts_female", FeatureFamily.DemographicsOfFriends, "[0,1]", "Share of contacts with known gender who are female; null if none."),

        new("radius_of_gyration_km", FeatureFamily.Geography, "km", "Radius of gyration of the interactions' cell positions; null without positions."),
        new("n_cells", FeatureFamily.Geography, "count", "Distinct cells of the interactions."),
        new("entropy_of_cells", FeatureFamily.Geography, "nats", "-sum p ln p over cells, p = share of located interactions; null without cells."),
        new("n_districts", FeatureFamily.Geography, "count", "Distinct districts of those cells."),
        new("home_district", FeatureFamily.Geography, "district_id|null", "District of the week's home cell (HomeWork)."),
        new("work_district", FeatureFamily.Geography, "district_id|null", "District of the week's work cell (HomeWork)."),
        new("home_work_distance_km", FeatureFamily.Geography, "km", "Great-circle distance home cell to work cell."),
        new("home_center_distance_km", FeatureFamily.Geography, "km", "Great-circle distance home cell to the city centre."),
        new("home_district_local_share", FeatureFamily.Geography, "[0,1]", "Share of locals among subjects whose home that week is in the same district."),
        new("churn_rate", FeatureFamily.Geography, "[0,1]", "1 - cosine of this and last week's cell-frequency vectors; null if either is empty."),
    ];

    /// <summary>Column names in file order.</summary>
    public static IReadOnlyList<string> Names { get; } = Columns.Select(c => c.Name).ToArray();
}
