using Mosaic.Segregation;

namespace Mosaic.Tests.Segregation;

/// <summary>
/// The call matrices' sampled path (distinct callers counted on a hash sample, recounted exactly
/// below k) must publish exactly what the exact path publishes.
/// </summary>
public class CallMatrixQueryTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Run_SampledCallers_SameOutputsAsExact(long exactBelow)
    {
        using var temp = new TempFolder();
        // Three calls each: RR cells hold about a dozen callers, so some fall below k = 15 and some not.
        var data = PlantedCityTests.MakeCity(temp, effect: 0.1, planted: [1, 2], callsPerSubscriber: 3);
        var exact = SegregationStage.Run(new SegregationOptions(), data, Path.Combine(temp.Path, "exact"));
        var sampled = SegregationStage.Run(new SegregationOptions { ExactCallersBelow = exactBelow }, data, Path.Combine(temp.Path, "sampled"));

        var k = SegregationOptions.DefaultMinSubscribers;
        var rr = exact.Matrices.Callers["RR"].Cast<long>().ToList();
        Assert.Contains(rr, c => c is > 0 and < 15);
        Assert.Contains(exact.Matrices.Callers["TT"].Cast<long>(), c => c >= k);
        foreach (var network in CallMatrices.AllNetworks)
        {
            Assert.Equal(exact.Matrices.Calls[network], sampled.Matrices.Calls[network]);
            Assert.Equal(Capped(exact.Matrices.Callers[network].Cast<long>()), Capped(sampled.Matrices.Callers[network].Cast<long>()));
            Assert.Equal(Capped(exact.Matrices.OriginCallers[network]), Capped(sampled.Matrices.OriginCallers[network]));
        }

        foreach (var group in new[] { "R", "T" })
        {
            Assert.Equal(exact.Matrices.OutgoingCalls[group], sampled.Matrices.OutgoingCalls[group]);
            Assert.Equal(Capped(exact.Matrices.OutgoingCallers[group]), Capped(sampled.Matrices.OutgoingCallers[group]));
        }

        foreach (var file in new[] { "call_matrices.csv", "populations.csv", "district_tests.csv", "indices.json", "internal/call_matrices.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(exact.OutputFolder, file)), File.ReadAllText(Path.Combine(sampled.OutputFolder, file)));
        }

        IEnumerable<long> Capped(IEnumerable<long> callers) => callers.Select(c => Math.Min(c, k));
    }

    [Theory]
    [InlineData(1_000, 1_000, 0UL)]
    [InlineData(2_000, 1_000, 0UL)]
    [InlineData(2_001, 1_000, 1UL)]
    [InlineData(652_000_000, 1L << 22, 127UL)]
    public void SampleMask_PowerOfTwoMinusOne(long calls, long exactBelow, ulong expected) =>
        Assert.Equal(expected, CallMatrixQuery.SampleMask(calls, exactBelow));
}
