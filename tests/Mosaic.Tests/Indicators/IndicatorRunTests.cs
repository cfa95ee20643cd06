using System.Text.Json;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class IndicatorRunTests
{
    private static string? Samples => SharedData.Path("bandicoot/bandicoot/tests/samples");

    private static readonly IndicatorOptions Regression = new()
    {
        Summary = IndicatorSummary.Extended,
        SplitWeek = true,
        SplitDay = true,
    };

    [Fact]
    public void Run_BandicootEgoNetwork_MatchesBandicootRegressionToSixDigits()
    {
        if (Samples is null)
        {
            return; // ../shared absent: nothing to compare against
        }

        using var temp = new TempFolder();
        var request = new IndicatorRequest(Path.Combine(Samples, "network"), Path.Combine(Samples, "towers.csv"), temp.File("ego.json"))
        {
            AttributesFolder = Path.Combine(Samples, "attributes"),
            Users = ["ego"],
            Options = Regression with { Network = true },
        };
        IndicatorRun.Run(request);

        var actual = ReadUser(temp.File("ego.json"), "ego");
        var expected = ReadExpected("bandicoot_ego_v0.5.2.json");
        Assert.True(expected.Count > 350);
        foreach (var (key, value) in expected)
        {
            AssertSame(key, value, actual);
        }
    }

    [Theory]
    [InlineData("A", RecordFormat.Bandicoot)]
    [InlineData("A_orange", RecordFormat.Orange)]
    public void Run_BandicootManualUserA_MatchesBandicootRegressionToSixDigits(string user, RecordFormat format)
    {
        if (Samples is null)
        {
            return;
        }

        using var temp = new TempFolder();
        var request = new IndicatorRequest(Path.Combine(Samples, "manual"), Path.Combine(Samples, "towers.csv"), temp.File("a.json"))
        {
            Users = [user],
            Options = Regression with { Format = format },
        };
        IndicatorRun.Run(request);

        var actual = ReadUser(temp.File("a.json"), user);
        var expected = ReadExpected("bandicoot_manual_a_v0.4.0.json");
        var checkedKeys = 0;
        foreach (var (key, value) in expected)
        {
            if (key.StartsWith("reporting__", StringComparison.Ordinal) || key.StartsWith("churn_rate", StringComparison.Ordinal))
            {
                AssertSame(key, value, actual);
                continue;
            }

            var target = value;
            if (key.StartsWith("radius_of_gyration", StringComparison.Ordinal))
            {
                // bandicoot 0.4.0 counted each term twice (see the file's radius_note).
                target = JsonSerializer.SerializeToElement(value.GetDouble() / Math.Sqrt(2));
            }

            // Same values in every weekday-night cell of the single ISO week, std 0 over weeks, null elsewhere.
            foreach (var cell in new[] { "allweek__allday", "weekday__allday", "weekday__night", "allweek__night" })
            {
                var name = key.Replace("allweek__allday", cell, StringComparison.Ordinal);
                AssertSame(name + "__mean", target, actual);
                AssertSame(name + "__std", JsonSerializer.SerializeToElement(0.0), actual);
                checkedKeys += 2;
            }

            foreach (var cell in new[] { "allweek__day", "weekday__day", "weekend__allday", "weekend__day", "weekend__night" })
            {
                var name = key.Replace("allweek__allday", cell, StringComparison.Ordinal);
                Assert.Equal(JsonValueKind.Null, actual[name + "__mean"].ValueKind);
                Assert.Equal(JsonValueKind.Null, actual[name + "__std"].ValueKind);
                checkedKeys += 2;
            }
        }

        // Every indicator key bandicoot emits for these options, checked (1,440 + churn's 2).
        Assert.Equal(1440, checkedKeys);
        Assert.Equal(1442, actual.Keys.Count(k => !k.StartsWith("reporting__", StringComparison.Ordinal) && k != "name"));
    }

    [Fact]
    public void Run_UserWithFaultyRecords_CountsIgnoredRecordsPerField()
    {
        if (Samples is null)
        {
            return;
        }

        using var temp = new TempFolder();
        IndicatorRun.Run(new IndicatorRequest(Samples, Path.Combine(Samples, "towers.csv"), temp.File("u.json")) { Users = ["user_ignored"] });
        var actual = ReadUser(temp.File("u.json"), "user_ignored");

        // By bandicoot's per-field rules: row 2 bad direction; row 3 bad interaction and direction;
        // row 4 bad interaction; row 5 a call without duration. Row 1 (correspondent " ") is valid.
        Assert.Equal(1, actual["reporting__number_of_records"].GetInt64());
        Assert.Equal(4, actual["reporting__ignored_records__all"].GetInt64());
        Assert.Equal(2, actual["reporting__ignored_records__interaction"].GetInt64());
        Assert.Equal(2, actual["reporting__ignored_records__direction"].GetInt64());
        Assert.Equal(0, actual["reporting__ignored_records__correspondent_id"].GetInt64());
        Assert.Equal(0, actual["reporting__ignored_records__datetime"].GetInt64());
        Assert.Equal(1, actual["reporting__ignored_records__call_duration"].GetInt64());
        Assert.Equal(0, actual["reporting__ignored_records__location"].GetInt64());
        // Antenna 42042 is not in towers.csv.
        Assert.Equal(1.0, actual["reporting__percent_records_missing_location"].GetDouble());
        Assert.Equal(1, actual["reporting__antennas_missing_locations"].GetInt64());
    }

    [Fact]
    public void Run_ManualUserAWithRecharges_RechargeIndicatorsAsDerivedByHand()
    {
        if (Samples is null)
        {
            return;
        }

        using var temp = new TempFolder();
        IndicatorRun.Run(new IndicatorRequest(Path.Combine(Samples, "manual"), Path.Combine(Samples, "towers.csv"), temp.File("a.json"))
        {
            RechargesFolder = Path.Combine(Samples, "manual", "recharges"),
            Users = ["A"],
            Options = new IndicatorOptions { GroupBy = IndicatorGrouping.None },
        });
        var actual = ReadUser(temp.File("a.json"), "A");

        // Recharges 2015-01-13: 12, 02-01: 4, 02-02: 4, 02-03: 2, 02-03: (empty amount = 0); five, as bandicoot's test_parsers.
        Assert.Equal(5, actual["reporting__number_of_recharges"].GetInt64());
        Assert.Equal(4.4, actual["amount_recharges__allweek__allday__mean"].GetDouble(), 12);
        // Gaps of 19, 1, 1 and 0 days.
        Assert.Equal(453600.0, actual["interevent_time_recharges__allweek__allday__mean"].GetDouble(), 9);
        // Sorted amounts 12, 4, 4 reach 0.8 x 22 = 17.6 at the third of five.
        Assert.Equal(0.6, actual["percent_pareto_recharges__allweek__allday"].GetDouble(), 12);
        Assert.Equal(5.0, actual["number_of_recharges__allweek__allday"].GetDouble());
        // (12 x 19 / 2 + 4 x 1 / 2 + 4 x 1 / 2 + 2 x 0 / 2) / 21 days.
        Assert.Equal(118.0 / 21, actual["average_balance_recharges"].GetDouble(), 12);
    }

    [Fact]
    public void Run_MissingAntennasFile_ThrowsInputError()
    {
        using var temp = new TempFolder();
        temp.Write("records/u.csv", "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n");
        var error = Assert.Throws<MosaicInputException>(() =>
            IndicatorRun.Run(new IndicatorRequest(temp.File("records"), temp.File("none.csv"), temp.File("out.json"))));
        Assert.Contains("antennas file not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingRecordsFolder_ThrowsInputError()
    {
        using var temp = new TempFolder();
        var antennas = temp.Write("antennas.csv", "antenna_id,latitude,longitude\n1,0,0\n");
        Assert.Throws<MosaicInputException>(() =>
            IndicatorRun.Run(new IndicatorRequest(temp.File("nope"), antennas, temp.File("out.json"))));
    }

    [Fact]
    public void Run_FileWithoutRequiredColumn_ErrorNamesFilePositionNotUser()
    {
        using var temp = new TempFolder();
        var antennas = temp.Write("antennas.csv", "antenna_id,latitude,longitude\n1,0,0\n");
        temp.Write("records/secret-user-42.csv", "interaction,direction,correspondent_id,call_duration,antenna_id\n");
        var error = Assert.Throws<MosaicInputException>(() =>
            IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("out.json"))));
        Assert.Contains("records file 1 of 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("datetime", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-user-42", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_TwoBadFiles_ReportsTheFirstInUserOrderAndLeavesNoOutput(int threads)
    {
        using var temp = new TempFolder();
        var antennas = SyntheticUsers.Write(temp.File("records"), temp.File("antennas.csv"), users: 40, recordsPerUser: 50, seed: 3);
        var files = Directory.GetFiles(temp.File("records"), "*.csv").Order(StringComparer.Ordinal).ToArray();
        File.WriteAllText(files[9], "interaction,direction,correspondent_id,call_duration,antenna_id\n");
        File.WriteAllText(files[29], "interaction,direction,correspondent_id,call_duration,antenna_id\n");
        var options = new IndicatorOptions { BatchSize = 4, Threads = threads };
        var error = Assert.Throws<MosaicInputException>(() =>
            IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("out/out.json")) { Options = options }));
        Assert.Contains("records file 10 of 40", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("out/out.json")));
        Assert.Empty(Directory.GetFiles(temp.File("out")));
    }

    [Fact]
    public void Run_SyntheticUsers_OutputIdenticalForOneAndTwoThreadsAndCsvHasOneRowPerUser()
    {
        using var temp = new TempFolder();
        var antennas = SyntheticUsers.Write(temp.File("records"), temp.File("antennas.csv"), users: 40, recordsPerUser: 300, seed: 7);
        var options = new IndicatorOptions { BatchSize = 16, SplitDay = true };
        IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("one/out.json")) { Options = options with { Threads = 1 } });
        IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("two/out.json")) { Options = options with { Threads = 2 } });
        Assert.Equal(File.ReadAllBytes(temp.File("one/out.json")), File.ReadAllBytes(temp.File("two/out.json")));
        Assert.True(File.Exists(temp.File("one/manifest.json")));

        var result = IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("csv/out.csv")) { Options = options });
        var lines = File.ReadAllLines(temp.File("csv/out.csv"));
        Assert.Equal(41, lines.Length);
        Assert.Equal(40, result.Users);
        Assert.Equal(40 * 300, result.RecordsRead);
        var header = lines[0].Split(',');
        Assert.Equal("name", header[0]);
        Assert.Contains("active_days__allweek__night__callandtext__mean", header);
        // The only quoted field is the weekend list "[6, 7]".
        Assert.All(lines.Skip(1), line => Assert.Equal(header.Length, line.Replace("\"[6, 7]\"", "weekend", StringComparison.Ordinal).Split(',').Length));
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 8)]
    [InlineData(3, 5)]
    public void Run_ManyWorkersSmallWindow_WritesEveryUserOnceInOrder(int batchSize, int threads)
    {
        // The worker that finishes the user the output waits for writes it and what follows; with
        // more workers than slots, rows are handed over under contention on every user.
        using var temp = new TempFolder();
        var antennas = SyntheticUsers.Write(temp.File("records"), temp.File("antennas.csv"), users: 120, recordsPerUser: 40, seed: 11);
        var serial = IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("one/out.csv")) { Options = new IndicatorOptions { Threads = 1 } });
        var parallel = IndicatorRun.Run(new IndicatorRequest(temp.File("records"), antennas, temp.File("many/out.csv")) { Options = new IndicatorOptions { BatchSize = batchSize, Threads = threads } });
        Assert.Equal(File.ReadAllBytes(temp.File("one/out.csv")), File.ReadAllBytes(temp.File("many/out.csv")));
        Assert.Equal(120, parallel.Users);
        Assert.Equal(120 * 40, parallel.RecordsRead);
        Assert.Equal(serial.RecordsIgnored, parallel.RecordsIgnored);
        var names = File.ReadAllLines(temp.File("many/out.csv")).Skip(1).Select(l => l[..l.IndexOf(',', StringComparison.Ordinal)]).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(120, names.Distinct(StringComparer.Ordinal).Count());
    }

    internal static Dictionary<string, JsonElement> ReadUser(string path, string user)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty(user).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    private static Dictionary<string, JsonElement> ReadExpected(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "Indicators", file);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("expected").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    /// <summary>Equal to 6 significant digits for numbers (absolute 1e-9 near zero), exactly otherwise.</summary>
    internal static void AssertSame(string key, JsonElement expected, Dictionary<string, JsonElement> actual)
    {
        Assert.True(actual.TryGetValue(key, out var value), $"missing key {key}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.True(value.ValueKind == JsonValueKind.Null, $"{key}: expected null, got {value}");
                break;
            case JsonValueKind.Number:
                Assert.True(value.ValueKind == JsonValueKind.Number, $"{key}: expected {expected}, got {value}");
                var e = expected.GetDouble();
                var a = value.GetDouble();
                Assert.True(Math.Abs(e - a) <= (1e-6 * Math.Max(Math.Abs(e), Math.Abs(a))) + 1e-9, $"{key}: expected {e}, got {a}");
                break;
            default:
                Assert.Equal(expected.ToString(), value.ToString());
                break;
        }
    }
}
