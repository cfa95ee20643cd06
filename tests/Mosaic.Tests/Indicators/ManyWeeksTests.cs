using System.Text.Json;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

/// <summary>
/// A simulated user over 30 ISO weeks (four of them empty, across a new year) against values
/// computed independently from bandicoot's definitions by
/// <c>TestData/Indicators/many_weeks/reference.py</c> (standard-library Python, stored with its
/// input and output).
/// </summary>
public class ManyWeeksTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "Indicators", "many_weeks");

    [Theory]
    [InlineData("default", false)]
    [InlineData("extended_split_week_split_day", true)]
    public void Run_SimulatedUserOverManyWeeks_EveryKeyMatchesIndependentReferenceToSixDigits(string configuration, bool extended)
    {
        using var temp = new TempFolder();
        var options = extended
            ? new IndicatorOptions { Summary = IndicatorSummary.Extended, SplitWeek = true, SplitDay = true }
            : new IndicatorOptions();
        IndicatorRun.Run(new IndicatorRequest(Path.Combine(Folder, "records"), Path.Combine(Folder, "antennas.csv"), temp.File("sim.json")) { Options = options });
        var actual = IndicatorRunTests.ReadUser(temp.File("sim.json"), "sim");

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        var expected = document.RootElement.GetProperty("expected").GetProperty(configuration).EnumerateObject().ToList();
        Assert.Equal(extended ? 1442 : 82, expected.Count);
        foreach (var property in expected)
        {
            IndicatorRunTests.AssertSame(property.Name, property.Value, actual);
        }

        // Every indicator key Mosaic emits is one the reference computed (nothing unchecked).
        var names = expected.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(actual.Keys.Where(k => k != "name" && !k.StartsWith("reporting__", StringComparison.Ordinal)), k => Assert.Contains(k, names));
        Assert.Equal(1052, actual["reporting__number_of_records"].GetInt64());
    }
}
