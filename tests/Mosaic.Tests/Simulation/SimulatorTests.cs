using System.Globalization;
using System.Text.Json;
using Mosaic.Definitions;
using Mosaic.Simulation;
using Xunit.Abstractions;

namespace Mosaic.Tests.Simulation;

public sealed class SimulatorTests(SimulatedCity city, ITestOutputHelper output) : IClassFixture<SimulatedCity>
{
    [Fact]
    public void Run_TinyCity_ReproducesEveryExpectedFeatureWithinTolerance()
    {
        using var session = city.Open();
        var measured = SimulatedCity.MeasureFeatures(session, new StudyCalendar(city.Options.Start));
        var failures = new List<string>();
        var expected = city.Truth.GetProperty("expected").EnumerateArray().ToList();
        Assert.NotEmpty(expected);
        foreach (var e in expected)
        {
            var key = (e.GetProperty("group").GetString()!, e.GetProperty("week").GetInt32(), e.GetProperty("feature").GetString()!);
            var value = e.GetProperty("value").GetDouble();
            var tolerance = e.GetProperty("tolerance").GetDouble();
            Assert.True(measured.TryGetValue(key, out var actual), $"no measurement for {key}");
            var line = string.Create(CultureInfo.InvariantCulture, $"{key}: expected {value:F4} ± {tolerance:F4}, measured {actual:F4}");
            output.WriteLine(line);
            if (Math.Abs(actual - value) > tolerance)
            {
                failures.Add(line);
            }
        }

        Assert.Empty(failures);
    }
}
