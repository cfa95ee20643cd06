using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// Accumulates one user's records, applying bandicoot's per-field validity rules and its
/// position rules (with an antennas file, an antenna's location comes from the file, and a
/// record without an antenna has no location).
/// </summary>
internal sealed class UserBuilder
{
    private string name;
    private IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas;
    private AntennaIndex? antennaIndex;
    private readonly ByteInterner contacts = new();
    private readonly ByteInterner positions = new();
    private readonly List<double> lats = [];
    private readonly List<double> lons = [];
    private readonly List<bool> isAntenna = [];
    private IgnoredCounts ignored = new();
    private UserRecord[] records;
    private BandicootReader.SameDay day;
    private int count;
    private long read;

    public UserBuilder(string name, IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas, int expectedRecords = 64)
    {
        this.name = name;
        this.antennas = antennas;
        antennaIndex = antennas is null ? null : AntennaIndex.Of(antennas);
        records = new UserRecord[Math.Max(16, expectedRecords)];
    }

    /// <summary>Whether a datetime on the previous record's date reuses that date (false: every datetime is read whole).</summary>
    public bool ReuseDays { get; init; } = true;

    /// <summary>
    /// Empties the builder for the next user, keeping its grown arrays: a reader thread reuses
    /// one builder, so a user costs no fresh (zeroed) records buffer, tables or lists.
    /// <see cref="Build"/> copies everything the user keeps, so the reuse is never visible.
    /// </summary>
    public void Reset(string name, IReadOnlyDictionary<string, (double Lat, double Lon)>? antennas, int expectedRecords)
    {
        this.name = name;
        if (!ReferenceEquals(antennas, this.antennas))
        {
            this.antennas = antennas;
            antennaIndex = antennas is null ? null : AntennaIndex.Of(antennas);
        }

        contacts.Clear();
        positions.Clear();
        lats.Clear();
        lons.Clear();
        isAntenna.Clear();
        ignored = new IgnoredCounts();
        count = 0;
        read = 0;
        day = default;
        if (records.Length < expectedRecords)
        {
            records = GC.AllocateUninitializedArray<UserRecord>(expectedRecords);
        }
    }

    /// <summary>Adds one CSV row (fields as ranges into <paramref name="line"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddCsv(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int fieldCount, int[] col, bool hasLatLon)
    {
        read++;
        var interactionPresent = TryField(line, fields, fieldCount, col[0], out var interaction);
        var directionPresent = TryField(line, fields, fieldCount, col[1], out var direction);
        TryField(line, fields, fieldCount, col[2], out var correspondent);
        TryField(line, fields, fieldCount, col[3], out var datetime);
        TryField(line, fields, fieldCount, col[4], out var duration);
        TryField(line, fields, fieldCount, col[5], out var antenna);

        // Missing, empty or "gps": a location record; "call" or "text"; anything else is faulty.
        var kind = RecordKind.Other;
        var interactionOk = true;
        if (interactionPresent)
        {
            switch (interaction.Length)
            {
                case 0:
                    break;
                case 3:
                    interactionOk = interaction.SequenceEqual("gps"u8);
                    break;
                case 4:
                    var word = BinaryPrimitives.ReadUInt32LittleEndian(interaction);
                    if (word == CallWord)
                    {
                        kind = RecordKind.Call;
                    }
                    else if (word == TextWord)
                    {
                        kind = RecordKind.Text;
                    }
                    else
                    {
                        interactionOk = false;
                    }

                    break;
                default:
                    interactionOk = false;
                    break;
            }
        }

        var callAndText = interactionOk && kind != RecordKind.Other;
        var isOut = direction.SequenceEqual("out"u8);
        // A missing field is Python's None (valid for a location record), an empty one is ''.
        var directionOk = isOut || direction.SequenceEqual("in"u8) || (!callAndText && !directionPresent);
        var correspondentOk = !callAndText || !correspondent.IsEmpty;
        var datetimeOk = ReuseDays
            ? BandicootReader.TryDateTime(datetime, ref day, out var ticks, out var bin)
            : BandicootReader.TryDateTime(datetime, out ticks, out bin);
        var durationParsed = BandicootReader.TryInt(duration, out var seconds);
        var durationOk = !interactionOk || kind != RecordKind.Call || durationParsed;

        var position = -1;
        var locationOk = true;
        if (!antenna.IsEmpty)
        {
            position = InternAntenna(antenna);
        }
        else if (hasLatLon && TryField(line, fields, fieldCount, col[6], out var la) && TryField(line, fields, fieldCount, col[7], out var lo)
                 && !la.IsEmpty && !lo.IsEmpty)
        {
            if (BandicootReader.TryFloat(la, out var lat) && BandicootReader.TryFloat(lo, out var lon))
            {
                position = InternGps(lat, lon);
            }
            else
            {
                locationOk = false;
            }
        }

        if (position < 0)
        {
            position = InternEmpty();
            locationOk &= callAndText;
        }

        Accept(interactionOk, directionOk, correspondentOk, datetimeOk, durationOk, locationOk, new UserRecord
        {
            Ticks = ticks,
            Kind = kind,
            Out = isOut,
            Contact = correspondentOk ? contacts.Intern(correspondent, out _) : 0,
            Duration = durationParsed ? seconds : UserRecord.NoDuration,
            Position = position,
            Bin = bin,
        });
    }

    /// <summary>The largest records buffer a reused builder keeps (8 MB).</summary>
    private const int KeptRecords = 1 << 18;

    private static readonly uint CallWord = BinaryPrimitives.ReadUInt32LittleEndian("call"u8);
    private static readonly uint TextWord = BinaryPrimitives.ReadUInt32LittleEndian("text"u8);

    /// <summary>Adds one orange-format row; false when the row cannot be read at all (bandicoot fails then).</summary>
    public bool AddOrange(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int fieldCount)
    {
        if (fieldCount < 8)
        {
            return false;
        }

        read++;
        var type = line[fields[0]];
        var service = line[fields[1]];
        var partner = line[fields[3]];
        var kind = service.SequenceEqual("11"u8) || service.SequenceEqual("12"u8) ? RecordKind.Call : RecordKind.Text;
        if (!BandicootReader.TryDateTime(line[fields[4]], out var ticks, out var bin)
            || !BandicootReader.TryFloat(line[fields[6]], out var lon) || !BandicootReader.TryFloat(line[fields[7]], out var lat))
        {
            return false;
        }

        var durationField = line[fields[5]];
        var duration = UserRecord.NoDuration;
        if (!durationField.IsEmpty)
        {
            if (!BandicootReader.TryFloat(durationField, out var d))
            {
                return false;
            }

            duration = (int)d;
        }

        var record = new UserRecord
        {
            Ticks = ticks,
            Kind = kind,
            Out = type.SequenceEqual("1"u8),
            Contact = partner.IsEmpty ? 0 : contacts.Intern(partner, out _),
            Duration = duration,
            Position = InternOrange(lat, lon),
            Bin = bin,
        };
        Accept(true, true, !partner.IsEmpty, true, kind != RecordKind.Call || duration != UserRecord.NoDuration, true, record);
        return true;
    }

    public BandicootUser Build(List<KeyValuePair<string, string>>? attributes = null, List<Recharge>? recharges = null)
    {
        // Every element is overwritten: no need to zero the array first.
        var result = GC.AllocateUninitializedArray<UserRecord>(count);
        records.AsSpan(0, count).CopyTo(result);
        if (records.Length > KeptRecords)
        {
            // A reused builder does not hold a very large user's buffer for the rest of the run.
            records = new UserRecord[16];
        }

        SortStable(result);
        return new BandicootUser
        {
            Name = name,
            Records = result,
            ContactNames = contacts.Snapshot(),
            ContactCount = contacts.Count,
            PositionLat = [.. lats],
            PositionLon = [.. lons],
            PositionIsAntenna = [.. isAntenna],
            Ignored = ignored,
            Attributes = attributes ?? [],
            Recharges = recharges ?? [],
            RecordsRead = read,
        };
    }

    /// <summary>bandicoot sorts records by time with Python's stable sort: equal times keep file order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SortStable(UserRecord[] result)
    {
        for (var i = 1; i < result.Length; i++)
        {
            if (result[i].Ticks < result[i - 1].Ticks)
            {
                var keys = new (long, int)[result.Length];
                for (var k = 0; k < result.Length; k++)
                {
                    keys[k] = (result[k].Ticks, k);
                }

                Array.Sort(keys, result);
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Accept(bool interaction, bool direction, bool correspondent, bool datetime, bool duration, bool location, UserRecord record)
    {
        if (interaction && direction && correspondent && datetime && duration && location)
        {
            if (count == records.Length)
            {
                Array.Resize(ref records, count * 2);
            }

            records[count++] = record;
            return;
        }

        ignored.All++;
        ignored.Interaction += interaction ? 0 : 1;
        ignored.Direction += direction ? 0 : 1;
        ignored.CorrespondentId += correspondent ? 0 : 1;
        ignored.Datetime += datetime ? 0 : 1;
        ignored.CallDuration += duration ? 0 : 1;
        ignored.Location += location ? 0 : 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryField(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int fieldCount, int index, out ReadOnlySpan<byte> value)
    {
        if (index < 0 || index >= fieldCount)
        {
            value = default;
            return false;
        }

        value = line[fields[index]];
        return true;
    }

    private int InternAntenna(ReadOnlySpan<byte> bytes)
    {
        var index = positions.Intern(bytes, out var added);
        if (added)
        {
            var (lat, lon) = antennaIndex is not null && antennaIndex.TryFind(bytes, out var at) ? at : (double.NaN, double.NaN);
            AddPosition(lat, lon, true);
        }

        return index;
    }

    private int InternGps(double lat, double lon)
    {
        // Keys that cannot be an antenna id: a 0x01 byte, then the location.
        var key = string.Create(CultureInfo.InvariantCulture, $"\u0001{lat:R},{lon:R}");
        var index = positions.Intern(Encoding.UTF8.GetBytes(key), out var added);
        if (added)
        {
            // With an antennas file, bandicoot re-derives every location from antennas: a record without an antenna loses its own.
            AddPosition(antennas is null ? lat : double.NaN, antennas is null ? lon : double.NaN, false);
        }

        return index;
    }

    private int InternOrange(double lat, double lon)
    {
        // read_orange numbers antennas by first appearance of each (lat, lon) and keeps the location.
        var key = string.Create(CultureInfo.InvariantCulture, $"{lat:R},{lon:R}");
        var index = positions.Intern(Encoding.UTF8.GetBytes(key), out var added);
        if (added)
        {
            AddPosition(lat, lon, true);
        }

        return index;
    }

    private int InternEmpty()
    {
        var index = positions.Intern([0], out var added);
        if (added)
        {
            AddPosition(double.NaN, double.NaN, false);
        }

        return index;
    }

    private void AddPosition(double lat, double lon, bool antenna)
    {
        lats.Add(lat);
        lons.Add(lon);
        isAntenna.Add(antenna);
    }
}
