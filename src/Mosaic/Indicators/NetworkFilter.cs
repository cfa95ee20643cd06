namespace Mosaic.Indicators;

/// <summary>Out-of-network shares of a user's records (bandicoot's <c>percent_outofnetwork_*</c>).</summary>
internal sealed record NetworkReport(double Calls, double Texts, double Contacts, double CallDurations)
{
    /// <summary>Clustering coefficients and attribute assortativity of the user's ego network.</summary>
    public NetworkIndicators? Indicators { get; init; }
}

/// <summary>
/// bandicoot's network loading: the correspondents of a user that have their own records file
/// in the same folder are read, and a record with such a correspondent is kept only when the
/// correspondent's file holds a matching record (same interaction and call duration, opposite
/// direction, less than 30 seconds apart). Records with correspondents without a file are kept
/// and counted as out of network.
/// </summary>
internal static class NetworkFilter
{
    private static readonly long Window = TimeSpan.FromSeconds(30).Ticks;

    /// <summary>bandicoot's assortativity_indicators calls utils.all with default options, whatever the run's options.</summary>
    private static readonly Lazy<IndicatorSchema> DefaultSchema = new(() => new IndicatorSchema(new IndicatorOptions()));

    /// <summary>The indicator keys compared by the indicator assortativity (CSV columns, in schema order).</summary>
    public static string[] AssortativityKeys => DefaultSchema.Value.Keys;

    /// <summary>Filters <paramref name="user"/>'s records in place; returns the out-of-network report (null when the user has no records).</summary>
    public static NetworkReport? Apply(
        BandicootUser user,
        string folder,
        IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas,
        RecordFormat format,
        IReadOnlyList<KeyValuePair<string, string>>? userAttributes = null,
        string? attributesFolder = null)
    {
        var records = user.Records;
        if (records.Length == 0)
        {
            return null;
        }

        // Correspondents, each read once; null when it has no file.
        var correspondents = new BandicootUser?[user.ContactCount];
        var used = new bool[user.ContactCount];
        foreach (var r in records)
        {
            used[r.Contact] = true;
        }

        for (var c = 0; c < user.Contacts.Length; c++)
        {
            var name = user.Contacts[c];
            if (!used[c] || name.Length == 0 || name.AsSpan().IndexOfAny("/\\") >= 0 || name is "." or "..")
            {
                continue;
            }

            if (name == user.Name)
            {
                correspondents[c] = user;
                continue;
            }

            var path = Path.Combine(folder, name + ".csv");
            if (File.Exists(path))
            {
                correspondents[c] = BandicootReader.ReadUser(path, name, antennas, format);
            }
        }

        var kept = new List<UserRecord>(records.Length);
        foreach (var r in records)
        {
            var other = correspondents[r.Contact];
            if (other is null || HasMatch(r, other.Records))
            {
                kept.Add(r);
            }
        }

        // bandicoot filters every loaded correspondent the same way, against the ego's network,
        // before building the ego network's matrices. The match relation is symmetric, so
        // filtering against unfiltered records gives the same result as its sequential filtering.
        var members = new Dictionary<string, BandicootUser?>(StringComparer.Ordinal);
        for (var c = 0; c < user.Contacts.Length; c++)
        {
            if (used[c] && user.Contacts[c] != user.Name)
            {
                members[user.Contacts[c]] = correspondents[c];
            }
        }

        var filtered = new Dictionary<string, BandicootUser?>(StringComparer.Ordinal);
        foreach (var (name, member) in members)
        {
            filtered[name] = member is null ? null : FilterAgainst(member, user, members);
        }

        user.Records = [.. kept];
        var indicators = EgoNetwork.Compute(user, filtered, name =>
            name == user.Name ? userAttributes
            : attributesFolder is null ? null
            : BandicootReader.ReadAttributes(Path.Combine(attributesFolder, name + ".csv")),
            new IndicatorCalculator(DefaultSchema.Value));
        int calls = 0, texts = 0, oonCalls = 0, oonTexts = 0;
        double durations = 0, oonDurations = 0;
        var contacts = new HashSet<int>();
        var oonContacts = new HashSet<int>();
        foreach (var r in user.Records)
        {
            var outOfNetwork = correspondents[r.Contact] is null;
            contacts.Add(r.Contact);
            if (outOfNetwork)
            {
                oonContacts.Add(r.Contact);
            }

            if (r.Kind == RecordKind.Call)
            {
                calls++;
                durations += r.Duration;
                if (outOfNetwork)
                {
                    oonCalls++;
                    oonDurations += r.Duration;
                }
            }
            else if (r.Kind == RecordKind.Text)
            {
                texts++;
                oonTexts += outOfNetwork ? 1 : 0;
            }
        }

        return new NetworkReport(
            Share(oonCalls, calls),
            Share(oonTexts, texts),
            Share(oonContacts.Count, contacts.Count),
            Share(oonDurations, durations))
        {
            Indicators = indicators,
        };
    }

    /// <summary>A copy of <paramref name="member"/> keeping the records reciprocated within the ego's network.</summary>
    private static BandicootUser FilterAgainst(BandicootUser member, BandicootUser ego, Dictionary<string, BandicootUser?> members)
    {
        var kept = new List<UserRecord>(member.Records.Length);
        foreach (var r in member.Records)
        {
            var name = member.Contacts[r.Contact];
            var other = name == ego.Name ? ego : members.GetValueOrDefault(name);
            if (other is null || HasMatch(r, other.Records))
            {
                kept.Add(r);
            }
        }

        return new BandicootUser
        {
            Name = member.Name,
            Records = [.. kept],
            Contacts = member.Contacts,
            ContactCount = member.ContactCount,
            PositionLat = member.PositionLat,
            PositionLon = member.PositionLon,
            PositionIsAntenna = member.PositionIsAntenna,
            Ignored = member.Ignored,
        };
    }

    private static double Share(double part, double whole) => whole != 0 ? part / whole : 0;

    /// <summary>Whether <paramref name="others"/> (time-sorted) holds a record matching <paramref name="r"/>.</summary>
    private static bool HasMatch(in UserRecord r, UserRecord[] others)
    {
        // First record later than r − 30 s.
        int lo = 0, hi = others.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (others[mid].Ticks > r.Ticks - Window)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        for (var i = lo; i < others.Length && others[i].Ticks < r.Ticks + Window; i++)
        {
            ref readonly var o = ref others[i];
            if (o.Kind == r.Kind && o.Out != r.Out && o.Duration == r.Duration)
            {
                return true;
            }
        }

        return false;
    }
}
