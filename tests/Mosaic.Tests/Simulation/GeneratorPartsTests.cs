using Mosaic.Simulation;

namespace Mosaic.Tests.Simulation;

public sealed class GeneratorPartsTests
{
    [Fact]
    public void AliasTable_Draws_MatchTheWeights()
    {
        var table = new AliasTable([1.0, 2.0, 0.0, 5.0]);
        var rng = new Rng(1, 2, 3);
        var counts = new int[4];
        const int N = 200_000;
        for (var i = 0; i < N; i++)
        {
            counts[table.Next(ref rng)]++;
        }

        Assert.Equal(0, counts[2]);
        Assert.Equal(1.0 / 8, counts[0] / (double)N, 0.005);
        Assert.Equal(2.0 / 8, counts[1] / (double)N, 0.005);
        Assert.Equal(5.0 / 8, counts[3] / (double)N, 0.005);
    }

    [Fact]
    public void Rng_SameStream_RepeatsAndOtherBlockDiffers()
    {
        var a = new Rng(42, 7, 0);
        var b = new Rng(42, 7, 0);
        var c = new Rng(42, 7, 1);
        var first = a.NextULong();
        Assert.Equal(first, b.NextULong());
        Assert.NotEqual(first, c.NextULong());
    }

    [Fact]
    public void Rng_PoissonAndLogNormal_HaveTheRequestedMeans()
    {
        var rng = new Rng(5, 5, 5);
        const int N = 100_000;
        double poisson = 0, poissonLarge = 0, logNormal = 0;
        for (var i = 0; i < N; i++)
        {
            poisson += rng.Poisson(0.6);
            poissonLarge += rng.Poisson(45);
            logNormal += rng.LogNormalWithMean(110, 0.9);
        }

        Assert.Equal(0.6, poisson / N, 0.01);
        Assert.InRange(poissonLarge / N, 44.8, 45.2);
        Assert.InRange(logNormal / N, 108, 112);
    }

    [Theory]
    [InlineData(2.3, 0.0, 2)]
    [InlineData(2.3, 0.69, 2)]
    [InlineData(2.3, 0.71, 3)]
    [InlineData(0.0, 0.99, 0)]
    public void StochasticRound_FloorOfValuePlusUniform_HasTheValueAsMean(double x, double u, int expected) =>
        Assert.Equal(expected, Rng.StochasticRound(x, u));

    [Fact]
    public void Id_FirstMillionIndices_AreDistinctNonNegativeAndUnordered()
    {
        var pop = new Population(10, 1_000_000, 0, 4, seed: 9);
        var ids = new HashSet<long>();
        var increasing = 0;
        var previous = -1L;
        for (long i = 0; i < 1_000_000; i++)
        {
            var id = pop.Id(i);
            Assert.True(id >= 0);
            Assert.True(ids.Add(id));
            increasing += id > previous ? 1 : 0;
            previous = id;
        }

        // An order-free scramble: about half the neighbours increase.
        Assert.InRange(increasing, 480_000, 520_000);
        Assert.NotEqual(pop.Id(0), new Population(10, 1_000_000, 0, 4, seed: 10).Id(0));
    }

    [Fact]
    public void SyntheticCity_Districts_TileTheDiscWithDensityFallingFromTheCentre()
    {
        var rng = new Rng(3, 0xC1, 0);
        var city = SyntheticCity.Build(24, 1500, 1_000_000, ref rng);
        Assert.Equal(24, city.Districts.Count);
        var area = city.Districts.Sum(d => city.Plane.Map(d.Polygon, toPlane: true).Area);
        Assert.Equal(Math.PI * 30 * 30, area, 0.02 * Math.PI * 900); // a 32-segment disc is 0.6% smaller
        Assert.InRange(city.Districts.Sum(d => d.Population), 990_000, 1_010_000);

        // Density (people per km²) falls with distance from the centre: negative rank correlation.
        var density = city.Districts.Select(d => (R: Math.Sqrt((d.X * d.X) + (d.Y * d.Y)), D: d.Population / city.Plane.Map(d.Polygon, toPlane: true).Area)).ToList();
        var rankR = Ranks(density.Select(x => x.R).ToArray());
        var rankD = Ranks(density.Select(x => x.D).ToArray());
        var n = density.Count;
        var rho = 1 - (6 * rankR.Zip(rankD, (a, b) => (a - b) * (a - b)).Sum() / (n * ((n * n) - 1.0)));
        Assert.True(rho < -0.5, $"Spearman rho {rho}");

        // Cells follow population (at least two per district).
        Assert.All(city.CellsOfDistrict, cells => Assert.True(cells.Length >= 2));
        var big = city.Districts.OrderByDescending(d => d.Population).First();
        var small = city.Districts.OrderBy(d => d.Population).First();
        Assert.True(city.CellsOfDistrict[big.Id - 1].Length > city.CellsOfDistrict[small.Id - 1].Length);
    }

    [Fact]
    public void NearestCell_GridSearch_AgreesWithBruteForce()
    {
        var rng = new Rng(4, 0xC1, 0);
        var city = SyntheticCity.Build(12, 300, 100_000, ref rng);
        var probe = new Rng(8, 8, 8);
        for (var t = 0; t < 2_000; t++)
        {
            var x = (probe.NextDouble() * 90) - 45;
            var y = (probe.NextDouble() * 90) - 45;
            var brute = Enumerable.Range(0, city.CellCount)
                .OrderBy(c => ((city.CellX[c] - x) * (city.CellX[c] - x)) + ((city.CellY[c] - y) * (city.CellY[c] - y))).ThenBy(c => c).First();
            Assert.Equal(brute, city.NearestCell(x, y));
        }
    }

    [Fact]
    public void RadiusOfGyration_TwoPointsEquallyWeighted_IsHalfTheirDistance()
    {
        var rng = new Rng(4, 0xC1, 0);
        var city = SyntheticCity.Build(12, 300, 100_000, ref rng);
        var d = City.GreatCircleKm(city.CellLat[0], city.CellLon[0], city.CellLat[1], city.CellLon[1]);
        Assert.Equal(d / 2, city.RadiusOfGyrationKm([0, 1], [1.0, 1.0]), 2);
        Assert.Equal(0, city.RadiusOfGyrationKm([5, 5], [1.0, 3.0]), 9);

        // Haversine against a hand computation: one degree of latitude is 6371·π/180 km.
        Assert.Equal(6371 * Math.PI / 180, City.GreatCircleKm(41, 29, 42, 29), 9);
    }

    [Fact]
    public void Options_Invalid_AreBadInput()
    {
        Assert.Throws<MosaicInputException>(() => new SimulationOptions { Weeks = 0 }.Validate());
        Assert.Throws<MosaicInputException>(() => new SimulationOptions { Subscribers = 100, Attributed = 90 }.Validate());
        Assert.Throws<MosaicInputException>(() => new SimulationOptions { GeoJsonPath = "x.geojson" }.Validate());
        Assert.Throws<MosaicInputException>(() => new SimulationOptions { Parameters = SimulationParameters.Default with { IntegrationRate = 1.5 } }.Validate());
        new SimulationOptions().Validate();
    }

    private static double[] Ranks(double[] values)
    {
        var order = values.Select((v, i) => (v, i)).OrderBy(p => p.v).Select(p => p.i).ToArray();
        var ranks = new double[values.Length];
        for (var r = 0; r < order.Length; r++)
        {
            ranks[order[r]] = r;
        }

        return ranks;
    }
}
