using System.Globalization;
using Mosaic.Features;

namespace Mosaic.Tests.Features;

/// <summary>
/// On random small data sets the production path (DuckDB + CSR kernel) equals the naive LINQ
/// reference <see cref="NaiveFeatures"/> in every column of every row.
/// </summary>
public class FeaturePropertyTests
{
    /// <summary>A seeded random city: few subscribers so contacts repeat, every awkward case present.</summary>
    internal static TestDataset RandomDataset(int seed)
    {
        var random = new Random(seed);
        var data = new TestDataset();
        var people = random.Next(6, 30);
        string?[] birthplaces = ["city", "city", "north", "south", null];
        string?[] genders = ["F", "M", null];
        for (var id = 1; id <= people; id++)
        {
            if (random.NextDouble() < 0.75)
            {
                data.Subscribers.Add(new TestSubscriber(id * 7919L, birthplaces[random.Next(birthplaces.Length)],
                    random.Next(3) switch { 0 => true, 1 => false, _ => null },
                    random.NextDouble() < 0.8 ? random.Next(15, 80) : null,
                    genders[random.Next(genders.Length)]));
            }
        }

        var districts = random.Next(1, 4);
        for (var d = 1; d <= districts; d++)
        {
            data.Districts.Add(new TestDistrict(d, random.NextDouble() < 0.7 ? random.Next(1, 100_000) : null));
        }

        var cells = random.Next(2, 9);
        for (var c = 1; c <= cells; c++)
        {
            var located = random.NextDouble() < 0.8;
            data.Cells.Add(new TestCell(c, located ? 41 + random.NextDouble() * 0.3 : null, located ? 28.8 + random.NextDouble() * 0.5 : null,
                random.NextDouble() < 0.85 ? random.Next(1, districts + 1) : null));
        }

        int? Cell() => random.Next(10) switch { 0 => null, 1 => 99, _ => random.Next(1, cells + 1) };
        var calls = random.Next(20, 300);
        for (var i = 0; i < calls; i++)
        {
            var caller = random.Next(1, people + 1) * 7919L;
            var callee = random.NextDouble() < 0.03 ? caller : random.Next(1, people + 1) * 7919L;
            // Minutes over three weeks, with exact 07:00 and 19:00 boundaries now and then.
            var time = TestDataset.Monday.AddMinutes(random.Next(0, 21 * 24 * 60));
            if (random.NextDouble() < 0.1)
            {
                time = time.Date.AddHours(random.NextDouble() < 0.5 ? 7 : 19);
            }

            if (random.NextDouble() < 0.6)
            {
                data.Call(caller, callee, time, random.Next(0, 600), Cell(), Cell());
            }
            else
            {
                data.Text(caller, callee, time, Cell(), Cell());
            }
        }

        return data;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Run_RandomDataset_EqualsNaiveReference(int seed)
    {
        var data = RandomDataset(seed);
        var options = new FeatureOptions { MachineThreshold = 40, Engine = new Mosaic.Data.EngineOptions(Threads: 2) };
        var actual = data.Features(options);
        var expected = NaiveFeatures.Compute(data, options);

        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.Equal(FeatureCatalogue.Names, actual.Values.First().Keys);
        foreach (var (key, row) in expected)
        {
            foreach (var column in FeatureCatalogue.Names)
            {
                AssertSame(row[column], actual[key][column], $"seed {seed}, row {key}, column {column}");
            }
        }
    }

    internal static void AssertSame(object? expected, object? actual, string where)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{where}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }

        if (expected is double e)
        {
            var a = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"{where}: expected {e:R}, got {a:R}");
            return;
        }

        if (expected is string or bool)
        {
            Assert.True(Equals(expected, actual), $"{where}: expected {expected}, got {actual}");
            return;
        }

        Assert.True(Convert.ToInt64(expected, CultureInfo.InvariantCulture) == Convert.ToInt64(actual, CultureInfo.InvariantCulture),
            $"{where}: expected {expected}, got {actual}");
    }
}

public class FeatureDeterminismTests
{
    [Fact]
    public void Run_OneThreadAndTwo_ByteIdenticalParquet()
    {
        var data = FeaturePropertyTests.RandomDataset(11);
        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "data");
        data.WriteTo(folder);
        var one = FeatureStage.Run(new FeatureOptions { Engine = new Mosaic.Data.EngineOptions(Threads: 1) }, folder, Path.Combine(temp.Path, "r1"));
        var two = FeatureStage.Run(new FeatureOptions { Engine = new Mosaic.Data.EngineOptions(Threads: 2) }, folder, Path.Combine(temp.Path, "r2"));
        Assert.True(one.Report.Rows > 10);
        Assert.Equal(File.ReadAllBytes(one.FeaturesPath), File.ReadAllBytes(two.FeaturesPath));

        var again = FeatureStage.Run(new FeatureOptions { Engine = new Mosaic.Data.EngineOptions(Threads: 2) }, folder, Path.Combine(temp.Path, "r2"));
        Assert.Equal(FeatureExitReason.Reused, again.Report.ExitReason);
        Assert.Equal(one.Report.Rows, again.Report.Rows);
    }
}
