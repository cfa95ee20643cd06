namespace Mosaic.Integration;

/// <summary>The four feature families of the migrant study (DESIGN.md, "Feature catalogue").</summary>
public enum FeatureFamily
{
    /// <summary>Call behaviour: volumes, durations, timing.</summary>
    CallBehaviour,

    /// <summary>Ego-network characteristics: contacts, entropy, reciprocity, clustering.</summary>
    EgoNetwork,

    /// <summary>Demographics of friends: who the contacts are.</summary>
    DemographicsOfFriends,

    /// <summary>Geography: where the subscriber is and moves.</summary>
    Geography,
}

/// <summary>
/// The feature catalogue as the integration stage uses it: every numeric model input of
/// <c>features.parquet</c> with its family, mirroring DESIGN.md. Identifier-valued columns
/// (<c>home_district</c>, <c>work_district</c>) are not model inputs: a district id has no
/// order, so they feed the spatial analysis instead.
/// </summary>
public static class FeatureCatalogue
{
    /// <summary>Column → family, in catalogue order (the order of every output).</summary>
    public static IReadOnlyList<(string Column, FeatureFamily Family)> Columns { get; } =
    [
        ("calls_out", FeatureFamily.CallBehaviour),
        ("calls_in", FeatureFamily.CallBehaviour),
        ("texts_out", FeatureFamily.CallBehaviour),
        ("texts_in", FeatureFamily.CallBehaviour),
        ("pct_initiated", FeatureFamily.CallBehaviour),
        ("call_duration_mean_s", FeatureFamily.CallBehaviour),
        ("call_duration_median_s", FeatureFamily.CallBehaviour),
        ("call_duration_total_s", FeatureFamily.CallBehaviour),
        ("pct_nocturnal", FeatureFamily.CallBehaviour),
        ("pct_weekend", FeatureFamily.CallBehaviour),
        ("active_days", FeatureFamily.CallBehaviour),
        ("interevent_time_mean_s", FeatureFamily.CallBehaviour),
        ("interevent_time_std_s", FeatureFamily.CallBehaviour),
        ("n_contacts", FeatureFamily.EgoNetwork),
        ("n_contacts_out", FeatureFamily.EgoNetwork),
        ("n_contacts_in", FeatureFamily.EgoNetwork),
        ("interactions_per_contact_mean", FeatureFamily.EgoNetwork),
        ("entropy_of_contacts", FeatureFamily.EgoNetwork),
        ("entropy_of_contacts_norm", FeatureFamily.EgoNetwork),
        ("pct_reciprocal_contacts", FeatureFamily.EgoNetwork),
        ("pct_pareto_interactions", FeatureFamily.EgoNetwork),
        ("clustering_coefficient", FeatureFamily.EgoNetwork),
        ("pct_new_contacts", FeatureFamily.EgoNetwork),
        ("share_contacts_local", FeatureFamily.DemographicsOfFriends),
        ("share_contacts_settled", FeatureFamily.DemographicsOfFriends),
        ("share_contacts_new", FeatureFamily.DemographicsOfFriends),
        ("share_contacts_unknown", FeatureFamily.DemographicsOfFriends),
        ("share_calls_local", FeatureFamily.DemographicsOfFriends),
        ("share_calls_settled", FeatureFamily.DemographicsOfFriends),
        ("share_calls_new", FeatureFamily.DemographicsOfFriends),
        ("share_townsmen", FeatureFamily.DemographicsOfFriends),
        ("contacts_age_mean", FeatureFamily.DemographicsOfFriends),
        ("contacts_age_std", FeatureFamily.DemographicsOfFriends),
        ("contacts_age_gap_mean", FeatureFamily.DemographicsOfFriends),
        ("share_contacts_female", FeatureFamily.DemographicsOfFriends),
        ("radius_of_gyration_km", FeatureFamily.Geography),
        ("n_cells", FeatureFamily.Geography),
        ("entropy_of_cells", FeatureFamily.Geography),
        ("n_districts", FeatureFamily.Geography),
        ("home_work_distance_km", FeatureFamily.Geography),
        ("home_center_distance_km", FeatureFamily.Geography),
        ("home_district_local_share", FeatureFamily.Geography),
        ("churn_rate", FeatureFamily.Geography),
    ];

    /// <summary>Columns that identify a district: present in the table, never model inputs.</summary>
    public static IReadOnlyList<string> IdentifierColumns { get; } = ["home_district", "work_district"];

    /// <summary>The name a family carries in output tables (<c>feature_set</c> column).</summary>
    public static string Name(FeatureFamily family) => family switch
    {
        FeatureFamily.CallBehaviour => "call_behaviour",
        FeatureFamily.EgoNetwork => "ego_network",
        FeatureFamily.DemographicsOfFriends => "demographics_of_friends",
        FeatureFamily.Geography => "geography",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown feature family"),
    };

    /// <summary>The family of a catalogue column, or null when the column is not a model input.</summary>
    public static FeatureFamily? FamilyOf(string column)
    {
        foreach (var (name, family) in Columns)
        {
            if (string.Equals(name, column, StringComparison.Ordinal))
            {
                return family;
            }
        }

        return null;
    }
}
