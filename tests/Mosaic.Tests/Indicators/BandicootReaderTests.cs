using System.Text;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class BandicootReaderTests
{
    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("text,out,c0_0,2026-01-05 00:52:26,,378")]
    [InlineData("call,in,c0_0,2026-01-05 04:55:58,3,319,,")]
    [InlineData("a,b,c,d,e,f,g,h,i,j,k,l")]
    public void SplitUnquoted_LineWithoutQuotes_SameFieldsAsSplit(string text)
    {
        var line = Encoding.UTF8.GetBytes(text);
        foreach (var capacity in new[] { 3, 9, 64 })
        {
            var expected = new Range[capacity];
            var actual = new Range[capacity];
            var count = BandicootReader.Split(line, (byte)',', expected);
            Assert.Equal(count, BandicootReader.SplitUnquoted(line, actual));
            Assert.Equal(expected[..count], actual[..count]);
        }
    }

    [Theory]
    [InlineData("\"text\",out,c0_0")]
    [InlineData("text,out,\"c0,0\"")]
    [InlineData("text,out,c0\"0")]
    [InlineData("a,b,c,d,\"e\"")] // the quote is past the fields asked for: still a quoted line
    public void SplitUnquoted_LineWithAQuote_MinusOne(string text) =>
        Assert.Equal(-1, BandicootReader.SplitUnquoted(Encoding.UTF8.GetBytes(text), new Range[3]));

    [Fact]
    public void ParseUser_QuotedAndPlainRows_SameRecords()
    {
        const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";
        var plain = Header + "call,in,c0_0,2026-01-05 04:55:58,3,319\ntext,out,c1,2026-01-06 10:00:00,,7\n";
        var quoted = Header + "\"call\",in,c0_0,2026-01-05 04:55:58,\"3\",319\ntext,out,\"c1\",2026-01-06 10:00:00,,7\n";
        var a = BandicootReader.ParseUser("a", Encoding.UTF8.GetBytes(plain), "u", null, RecordFormat.Bandicoot);
        var b = BandicootReader.ParseUser("b", Encoding.UTF8.GetBytes(quoted), "u", null, RecordFormat.Bandicoot);
        Assert.Equal(2, a.Records.Length);
        Assert.Equal(a.Records, b.Records);
        Assert.Equal(["c0_0", "c1"], b.Contacts);
        Assert.Equal(a.Contacts, b.Contacts);
    }

    /// <summary>
    /// The one-pass parser (vector marks of commas, quotes and line feeds; dates reused within a
    /// day; a reused builder) reads the same users as the plain line-by-line reference, on seeded
    /// random files full of edge cases: quotes (doubled, around commas), CRLF and bare CR, blank
    /// lines, short and long rows, empty and faulty fields, long and non-ASCII values, lines that
    /// cross the 64-byte blocks, no line feed at the end, several header orders.
    /// </summary>
    [Fact]
    public void ParseUser_RandomEdgeCaseFiles_SameAsLineByLine()
    {
        var random = new Random(20261124);
        var antennas = new Dictionary<string, (double, double)>(StringComparer.Ordinal)
        {
            ["1"] = (1, 2),
            ["22"] = (3, 4),
            ["antenna-with-a-long-id"] = (5, 6),
        };
        for (var file = 0; file < 400; file++)
        {
            var text = RandomRecordsFile(random);
            var bytes = Encoding.UTF8.GetBytes(text);
            var withAntennas = file % 2 == 0 ? antennas : null;
            var expected = BandicootReader.ParseUserLineByLine("f", bytes, "u", withAntennas);
            var actual = BandicootReader.ParseUser("f", bytes, "u", withAntennas, RecordFormat.Bandicoot);
            var context = $"file {file}:\n{text}";
            Assert.True(expected.Records.AsSpan().SequenceEqual(actual.Records), context);
            Assert.True(expected.Contacts.SequenceEqual(actual.Contacts), context);
            Assert.True(expected.PositionLat.SequenceEqual(actual.PositionLat), context);
            Assert.True(expected.PositionLon.SequenceEqual(actual.PositionLon), context);
            Assert.True(expected.PositionIsAntenna.SequenceEqual(actual.PositionIsAntenna), context);
            Assert.Equal(expected.RecordsRead, actual.RecordsRead);
            var (e, a) = (expected.Ignored, actual.Ignored);
            Assert.Equal((e.All, e.Interaction, e.Direction, e.CorrespondentId, e.Datetime, e.CallDuration, e.Location), (a.All, a.Interaction, a.Direction, a.CorrespondentId, a.Datetime, a.CallDuration, a.Location));
        }
    }

    /// <summary>The reused per-thread builder leaks nothing from one user into the next: each user read alone reads the same.</summary>
    [Fact]
    public void ParseUser_AfterAnotherUser_SameAsAlone()
    {
        var random = new Random(7);
        var files = Enumerable.Range(0, 50).Select(_ => Encoding.UTF8.GetBytes(RandomRecordsFile(random))).ToArray();
        var together = files.Select(f => BandicootReader.ParseUser("f", f, "u", null, RecordFormat.Bandicoot)).ToArray();
        for (var i = 0; i < files.Length; i++)
        {
            var alone = BandicootReader.ParseUserLineByLine("f", files[i], "u", null);
            Assert.Equal(alone.Records, together[i].Records);
            Assert.Equal(alone.Contacts, together[i].Contacts);
            Assert.Equal(alone.PositionLat, together[i].PositionLat);
            Assert.Equal(alone.Ignored.All, together[i].Ignored.All);
        }
    }

    private static string RandomRecordsFile(Random random)
    {
        string[][] headers =
        [
            ["interaction", "direction", "correspondent_id", "datetime", "call_duration", "antenna_id"],
            ["datetime", "interaction", "antenna_id", "direction", "call_duration", "correspondent_id", "extra"],
            ["interaction", "direction", "correspondent_id", "datetime", "call_duration", "antenna_id", "latitude", "longitude"],
            ["interaction", "direction", "correspondent_id", "datetime", "call_duration", "latitude", "longitude"],
        ];
        var header = headers[random.Next(headers.Length)];
        var text = new StringBuilder(string.Join(',', header));
        var days = new[] { "2026-01-05", "2026-01-06", "2024-02-29", "2023-02-29", "2026-12-31", "2026-1-5", "0000-01-01" };
        var day = days[0];
        var lines = random.Next(0, 120);
        for (var line = 0; line < lines; line++)
        {
            text.Append(random.Next(12) == 0 ? "\r\n" : "\n");
            switch (random.Next(40))
            {
                case 0:
                    continue; // a blank line
                case 1:
                    text.Append('\r'); // a blank CRLF line
                    continue;
                case 2:
                    text.Append(string.Join(',', Enumerable.Range(0, random.Next(1, 5)).Select(_ => Value(random, ["call", "x", "", "\"q\""]))));
                    continue; // a short row
                default:
                    break;
            }

            if (random.Next(4) == 0)
            {
                day = days[random.Next(days.Length)];
            }

            var fields = header.Select(column => column switch
            {
                "interaction" => Value(random, ["call", "text", "call", "text", "gps", "", "CALL", "call ", "textt", "tex"]),
                "direction" => Value(random, ["in", "out", "in", "out", "", "inn", "OUT", "o"]),
                "correspondent_id" => Value(random, ["c1", "c2", "c_12345678", "", "contact-with-a-much-longer-identifier", "é🙂", "a\"b", "x,y", "c1"]),
                "datetime" => random.Next(15) == 0
                    ? Value(random, ["", "2026-01-05 24:00:00", "2026-01-05 10:60:00", "2026-01-05 10:00:60", "2026-01-05  10:00:00", "2026-01-05 1:2:3", "2026-01-05T10:00:00", "2026-01-05 10:00:0x", "2026-01-05 10:00:00 "])
                    : $"{day} {random.Next(24):D2}:{random.Next(60):D2}:{random.Next(60):D2}",
                "call_duration" => Value(random, ["", "0", "12", "345", " 7 ", "-3", "+4", "1e3", "99999999999", "x"]),
                "antenna_id" => Value(random, ["1", "22", "333", "", "antenna-with-a-long-id", "ü", "1,2"]),
                "latitude" or "longitude" => Value(random, ["", "1.5", "-2", "x", " 3 ", "1e2"]),
                _ => Value(random, ["", "extra", new string('z', random.Next(0, 90))]),
            });
            text.Append(string.Join(',', fields));
            if (random.Next(10) == 0)
            {
                text.Append(",more,fields");
            }
        }

        if (random.Next(3) == 0)
        {
            text.Append(random.Next(2) == 0 ? "\n" : "\r");
        }

        return text.ToString();
    }

    /// <summary>One of <paramref name="choices"/>, sometimes quoted (quotes inside doubled), once in a while with a quote or bare CR inside.</summary>
    private static string Value(Random random, string[] choices)
    {
        var value = choices[random.Next(choices.Length)];
        return random.Next(14) switch
        {
            0 => $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
            1 => value + "\r",
            _ => value.Contains(',', StringComparison.Ordinal) ? $"\"{value}\"" : value,
        };
    }
}
