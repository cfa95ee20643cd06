using System.Globalization;
using System.Text;

namespace Mosaic.Indicators;

/// <summary>
/// Writes a seeded synthetic population in bandicoot's per-user CSV layout (for tests and
/// benchmarks): each user calls and texts a skewed set of contacts over eight weeks from a few
/// home and work antennas, with conversations, nights and weekends. Deterministic for a seed.
/// </summary>
internal static class SyntheticUsers
{
    private static readonly DateTime Start = new(2026, 1, 5);

    /// <summary>Writes <paramref name="users"/> files into <paramref name="folder"/> and the antennas file; returns the antennas path.</summary>
    public static string Write(string folder, string antennasPath, int users, int recordsPerUser, int seed, int antennas = 500)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var csv = new StringBuilder("antenna_id,latitude,longitude\n");
        for (var a = 0; a < antennas; a++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{a + 1},{41.0 + (random.NextDouble() * 0.2):F6},{28.8 + (random.NextDouble() * 0.4):F6}\n");
        }

        File.WriteAllText(antennasPath, csv.ToString());
        var times = new long[recordsPerUser];
        for (var u = 0; u < users; u++)
        {
            var home = random.Next(antennas) + 1;
            var work = random.Next(antennas) + 1;
            var contacts = 5 + random.Next(60);
            var text = new StringBuilder(recordsPerUser * 48);
            text.Append("interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n");
            for (var i = 0; i < recordsPerUser; i++)
            {
                times[i] = Start.Ticks + (long)(random.NextDouble() * TimeSpan.FromDays(56).Ticks) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond;
            }

            Array.Sort(times);
            for (var i = 0; i < recordsPerUser; i++)
            {
                var when = new DateTime(times[i]);
                var call = random.NextDouble() < 0.4;
                var contact = (int)(contacts * Math.Pow(random.NextDouble(), 2.5));
                var night = when.Hour is >= 19 or < 7;
                var antenna = random.NextDouble() < 0.7 ? (night ? home : work) : random.Next(antennas) + 1;
                text.Append(call ? "call," : "text,")
                    .Append(random.NextDouble() < 0.5 ? "in," : "out,")
                    .Append(CultureInfo.InvariantCulture, $"c{u % 997}_{contact},")
                    .Append(when.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(',');
                if (call)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{(int)(-Math.Log(1 - random.NextDouble()) * 120)}");
                }

                text.Append(',').Append(antenna.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            File.WriteAllText(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"u{u:D7}.csv")), text.ToString());
        }

        return antennasPath;
    }
}
