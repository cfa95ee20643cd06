namespace Mosaic.Indicators;

/// <summary>The kind of a record, as bandicoot's <c>interaction</c> field.</summary>
internal enum RecordKind : byte
{
    Call = 0,
    Text = 1,

    /// <summary>A location-only record (<c>gps</c> or an empty interaction).</summary>
    Other = 2,
}

/// <summary>One accepted record of a user; strings are interned per user.</summary>
internal struct UserRecord
{
    /// <summary>Local wall-clock time, ticks (whole seconds).</summary>
    public long Ticks;

    /// <summary>Index into <see cref="BandicootUser.Contacts"/>.</summary>
    public int Contact;

    /// <summary>Call duration in seconds; <see cref="NoDuration"/> when absent.</summary>
    public int Duration;

    /// <summary>Index into the user's positions.</summary>
    public int Position;

    /// <summary>bandicoot's 30-minute bin key: ((year·32 + day of month)·24 + hour)·2 + half hour.</summary>
    public int Bin;

    public RecordKind Kind;

    public bool Out;

    public const int NoDuration = int.MinValue;
}

/// <summary>Counts of records bandicoot ignores at load time, per faulty field (one record can fault several fields).</summary>
internal sealed class IgnoredCounts
{
    public long All;
    public long Interaction;
    public long Direction;
    public long CorrespondentId;
    public long Datetime;
    public long CallDuration;
    public long Location;
}

/// <summary>A user's accepted records, sorted by time (stable), with interned contacts and positions.</summary>
internal sealed class BandicootUser
{
    private string[]? contacts;

    public required string Name { get; init; }

    public required UserRecord[] Records { get; set; }

    /// <summary>
    /// Contact names by index. Only network mode needs them, so a reader may supply
    /// <see cref="ContactNames"/> instead and the strings are made on first use.
    /// </summary>
    public string[] Contacts
    {
        get => contacts ??= ContactNames!();
        init => contacts = value;
    }

    /// <summary>Makes <see cref="Contacts"/> on demand when it was not given.</summary>
    public Func<string[]>? ContactNames { get; init; }

    /// <summary>Number of distinct contacts (the length of <see cref="Contacts"/>).</summary>
    public required int ContactCount { get; init; }

    /// <summary>Number of distinct positions (antenna id, or a location, or the empty position).</summary>
    public int PositionCount => PositionLat.Length;

    /// <summary>Latitude of each position; NaN when it has no location.</summary>
    public required double[] PositionLat { get; init; }

    /// <summary>Longitude of each position; NaN when it has no location.</summary>
    public required double[] PositionLon { get; init; }

    /// <summary>Whether each position carries an antenna id (for <c>antennas_missing_locations</c>).</summary>
    public required bool[] PositionIsAntenna { get; init; }

    public required IgnoredCounts Ignored { get; init; }

    /// <summary>Attributes (key, value) in file order; empty when none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; init; } = [];

    /// <summary>Recharges sorted by time (stable).</summary>
    public IReadOnlyList<Recharge> Recharges { get; init; } = [];

    /// <summary>Records read before filtering.</summary>
    public long RecordsRead { get; init; }
}

/// <summary>A top-up: day and amount.</summary>
internal readonly record struct Recharge(DateTime Date, double Amount);
