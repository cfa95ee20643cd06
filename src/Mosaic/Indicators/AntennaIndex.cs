using System.Runtime.CompilerServices;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// The antennas file keyed by the UTF-8 bytes of the antenna id, so that a record's antenna is
/// looked up without making a string. Built once per antennas dictionary and shared by every
/// reader thread (lookups only).
/// </summary>
internal sealed class AntennaIndex
{
    private static readonly ConditionalWeakTable<IReadOnlyDictionary<string, (double Lat, double Lon)>, AntennaIndex> Cache = [];

    private readonly ByteInterner ids = new();
    private readonly (double Lat, double Lon)[] locations;

    private AntennaIndex(IReadOnlyDictionary<string, (double Lat, double Lon)> antennas)
    {
        locations = new (double, double)[antennas.Count];
        foreach (var (id, location) in antennas)
        {
            locations[ids.Intern(Encoding.UTF8.GetBytes(id), out _)] = location;
        }
    }

    /// <summary>The index of <paramref name="antennas"/>, built on first use.</summary>
    public static AntennaIndex Of(IReadOnlyDictionary<string, (double Lat, double Lon)> antennas) =>
        Cache.GetValue(antennas, a => new AntennaIndex(a));

    /// <summary>The location of the antenna whose id is <paramref name="id"/>; false when the file does not have it.</summary>
    public bool TryFind(ReadOnlySpan<byte> id, out (double Lat, double Lon) location)
    {
        var index = ids.Find(id);
        location = index >= 0 ? locations[index] : default;
        return index >= 0;
    }
}
