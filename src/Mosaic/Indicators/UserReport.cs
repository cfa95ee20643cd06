using System.Globalization;

namespace Mosaic.Indicators;

/// <summary>bandicoot's per-user <c>reporting</c> block (the parts that depend on the user).</summary>
internal sealed record UserReport
{
    public string? StartTime { get; init; }

    public string? EndTime { get; init; }

    public long NumberOfRecords { get; init; }

    public int Bins { get; init; }

    public int BinsWithData { get; init; }

    public bool HasCall { get; init; }

    public bool HasText { get; init; }

    public bool HasHome { get; init; }

    public double PercentRecordsMissingLocation { get; init; }

    public int AntennasMissingLocations { get; init; }

    public required IgnoredCounts Ignored { get; init; }

    /// <summary>Recharges read for the user.</summary>
    public int NumberOfRecharges { get; init; }

    /// <summary>Out-of-network shares in network mode; null otherwise (or without records).</summary>
    public NetworkReport? Network { get; init; }

    public static UserReport Of(BandicootUser user, bool hasHome, IndicatorGrouping grouping, NetworkReport? network)
    {
        var records = user.Records;
        var n = records.Length;
        int bins, withData;
        if (grouping == IndicatorGrouping.None)
        {
            bins = 1;
            withData = n > 0 ? 1 : 0;
        }
        else if (n == 0)
        {
            bins = withData = 0;
        }
        else
        {
            // Records are in time order: a week starts when a record reaches the next Monday.
            withData = 1;
            var nextMonday = ((long)Monday(records[0].Ticks) + 7) * TimeSpan.TicksPerDay;
            foreach (ref readonly var r in records.AsSpan(1))
            {
                if (r.Ticks >= nextMonday)
                {
                    withData++;
                    nextMonday = ((long)Monday(r.Ticks) + 7) * TimeSpan.TicksPerDay;
                }
            }

            bins = ((Monday(records[^1].Ticks) - Monday(records[0].Ticks)) / 7) + 1;
        }

        var missing = 0;
        var kinds = 0;
        HashSet<int>? missingAntennas = null;
        var positionLat = user.PositionLat;
        foreach (ref readonly var r in records.AsSpan())
        {
            kinds |= 1 << (int)r.Kind;
            if (double.IsNaN(positionLat[r.Position]))
            {
                missing++;
                if (user.PositionIsAntenna[r.Position])
                {
                    (missingAntennas ??= []).Add(r.Position);
                }
            }
        }

        return new UserReport
        {
            StartTime = n == 0 ? null : Format(records[0].Ticks),
            EndTime = n == 0 ? null : Format(records[^1].Ticks),
            NumberOfRecords = n,
            Bins = bins,
            BinsWithData = withData,
            HasCall = (kinds & (1 << (int)RecordKind.Call)) != 0,
            HasText = (kinds & (1 << (int)RecordKind.Text)) != 0,
            HasHome = hasHome,
            PercentRecordsMissingLocation = n == 0 ? 0.0 : (double)missing / n,
            AntennasMissingLocations = missingAntennas?.Count ?? 0,
            Ignored = user.Ignored,
            Network = network,
        };
    }

    /// <summary>The day number (days since 0001-01-01, a Monday) of the Monday that starts the week of <paramref name="ticks"/>.</summary>
    private static int Monday(long ticks)
    {
        var dayNumber = (int)(ticks / TimeSpan.TicksPerDay);
        return dayNumber - (dayNumber % 7);
    }

    private static string Format(long ticks) => new DateTime(ticks).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
