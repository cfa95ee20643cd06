using System.Text.Json;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class EgoNetworkTests
{
    private const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";

    private static string? Samples => SharedData.Path("bandicoot/bandicoot/tests/samples");

    [Fact]
    public void Run_BandicootSampleEgo_ClusteringMatchesHandDerivation()
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
            Options = new IndicatorOptions { Network = true },
        };
        IndicatorRun.Run(request);
        var actual = IndicatorRunTests.ReadUser(temp.File("ego.json"), "ego");

        // Ego network [ego, A, B, D, F, H]; directed weights are distinct half-hour blocks of
        // reciprocated records: ego→A 3, A→ego 1; ego→B 2, B→ego 2; ego→F 2, F→ego 1;
        // ego→D 1 but D has no file and nobody records an incoming text from D, so D→ego = 0;
        // ego–H: none of the six records match (a day apart), so both directions are 0;
        // A→B 1, B→A 1; F→H 1, H→F 1. Undirected (reciprocated) weights: ego–A 4, ego–B 4,
        // ego–F 3, A–B 2, F–H 2. Degree 3, one closed triplet (ego, A, B) of three possible:
        // C = 2·1/(3·2) = 1/3; weighted: (2·4·4)^(1/3) / max weight 4, times 2/(3·2).
        Assert.Equal(1.0 / 3.0, actual["clustering_coefficient_unweighted"].GetDouble(), 12);
        Assert.Equal(Math.Cbrt(32) / 4 / 3, actual["clustering_coefficient_weighted"].GetDouble(), 12);
        AssertNetworkx("sample_ego", actual);

        // No correspondent has an attributes file: bandicoot's None for every ego attribute.
        foreach (var key in new[] { "individual_id", "gender", "is_subscriber", "age" })
        {
            Assert.Equal(JsonValueKind.Null, actual["assortativity_attributes__" + key].ValueKind);
        }

        // bandicoot's order: individual and spatial keys, then the network block, then attributes.
        var keys = actual.Keys.ToList();
        Assert.Equal(keys.IndexOf("churn_rate__std") + 1, keys.IndexOf("clustering_coefficient_unweighted"));
        Assert.Equal(keys.IndexOf("clustering_coefficient_unweighted") + 1, keys.IndexOf("clustering_coefficient_weighted"));
        Assert.Equal(keys.IndexOf("clustering_coefficient_weighted") + 1, keys.IndexOf("assortativity_attributes__individual_id"));
        var firstAttribute = keys.IndexOf("attributes__individual_id");
        Assert.StartsWith("assortativity_indicators__", keys[keys.IndexOf("assortativity_attributes__age") + 1], StringComparison.Ordinal);
        Assert.StartsWith("assortativity_indicators__", keys[firstAttribute - 1], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_HandBuiltNetwork_ClusteringAndAssortativityMatchHandDerivation()
    {
        using var temp = new TempFolder();
        var towers = temp.Write("towers.csv", "antenna_id,latitude,longitude\n1,42.0,-71.0\n");
        temp.Write("records/ego.csv", Header +
            "call,out,X,2024-01-01 10:00:00,60,1\n" +
            "call,in,X,2024-01-01 11:00:00,30,1\n" +
            "text,out,X,2024-01-02 10:00:00,,1\n" +
            "text,out,X,2024-01-08 10:00:00,,1\n" + // X has no match: dropped
            "text,out,Y,2024-01-03 10:00:00,,1\n" +
            "text,in,Y,2024-01-03 10:10:00,,1\n" +
            "text,out,Z,2024-01-04 10:00:00,,1\n" +
            "text,in,Z,2024-01-04 12:00:00,,1\n" +
            "text,out,V,2024-01-04 13:00:00,,1\n" +
            "text,out,W,2024-01-05 10:00:00,,1\n");
        temp.Write("records/X.csv", Header +
            "call,in,ego,2024-01-01 10:00:00,60,1\n" +
            "call,out,ego,2024-01-01 11:00:00,30,1\n" +
            "text,in,ego,2024-01-02 10:00:00,,1\n" +
            "text,out,ego,2024-01-09 10:00:00,,1\n" + // ego has no match: dropped
            "text,out,Y,2024-01-06 10:00:00,,1\n" +
            "text,in,Y,2024-01-06 10:40:00,,1\n");
        temp.Write("records/Y.csv", Header +
            "text,in,ego,2024-01-03 10:00:00,,1\n" +
            "text,out,ego,2024-01-03 10:10:00,,1\n" +
            "text,in,X,2024-01-06 10:00:00,,1\n" +
            "text,out,X,2024-01-06 10:40:00,,1\n" +
            "text,out,Z,2024-01-07 10:00:00,,1\n");
        temp.Write("records/Z.csv", Header +
            "text,in,ego,2024-01-04 10:00:00,,1\n" +
            "text,out,ego,2024-01-04 12:00:00,,1\n" +
            "text,in,Y,2024-01-07 10:00:00,,1\n");
        temp.Write("records/V.csv", Header + "text,in,ego,2024-01-04 13:00:00,,1\n");
        temp.Write("attributes/ego.csv", "key,value\ngender,F\ncity,A\n");
        temp.Write("attributes/X.csv", "key,value\ngender,F\ncity,A\n");
        temp.Write("attributes/Y.csv", "key,value\ngender,M\ncity,A\n");
        temp.Write("attributes/V.csv", "key,value\ngender,F\ncity,A\n"); // not reciprocated: left out
        temp.Write("attributes/W.csv", "key,value\ngender,F\ncity,A\n"); // no records file: left out

        var request = new IndicatorRequest(temp.File("records"), towers, temp.File("out/n.json"))
        {
            AttributesFolder = temp.File("attributes"),
            Users = ["ego"],
            Options = new IndicatorOptions { Network = true },
        };
        IndicatorRun.Run(request);
        var actual = IndicatorRunTests.ReadUser(temp.File("out/n.json"), "ego");

        // Reciprocated weights: ego–X 2+1 = 3 (the unmatched texts on both sides dropped),
        // ego–Y 1+1 = 2 (same half hour), ego–Z 1+1 = 2, X–Y 1+1 = 2; Y→Z only one way, V only
        // one way, W has no file. Degree 3 (X, Y, Z), closed triplet (ego, X, Y) only.
        Assert.Equal(1.0 / 3.0, actual["clustering_coefficient_unweighted"].GetDouble(), 12);
        Assert.Equal(Math.Cbrt(2.0 * 3 * 2) / 3 * 2 / 6, actual["clustering_coefficient_weighted"].GetDouble(), 12);
        AssertNetworkx("hand_built", actual);

        // Reciprocated neighbours with attributes: X (F, A) and Y (M, A); Z has none.
        Assert.Equal(0.5, actual["assortativity_attributes__gender"].GetDouble(), 12);
        Assert.Equal(1.0, actual["assortativity_attributes__city"].GetDouble(), 12);

        // The CSV layout carries the same values under the same columns.
        request = request with { OutPath = temp.File("out/n.csv") };
        IndicatorRun.Run(request);
        var lines = File.ReadAllLines(temp.File("out/n.csv"));
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');

        // Index from the end: the quoted reporting__weekend value "[6, 7]" holds a comma.
        double Column(string key) => double.Parse(row[row.Length - header.Length + Array.IndexOf(header, key)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1.0, Column("assortativity_attributes__city"), 12);
        Assert.Equal(0.5, Column("assortativity_attributes__gender"), 12);
        Assert.Equal(1.0 / 3.0, Column("clustering_coefficient_unweighted"), 12);
    }

    [Fact]
    public void Run_HandBuiltNetwork_IndicatorAssortativityIsMeanSquaredDifferenceToNeighbours()
    {
        using var temp = new TempFolder();
        var towers = temp.Write("towers.csv", "antenna_id,latitude,longitude\n1,42.0,-71.0\n2,42.1,-71.1\n");
        const string egoRecords =
            "call,out,X,2024-01-01 10:00:00,60,1\n" +
            "call,in,X,2024-01-01 21:00:00,30,2\n" +
            "text,out,X,2024-01-09 10:00:00,,1\n" +
            "text,out,Y,2024-01-03 10:00:00,,2\n" +
            "text,in,Y,2024-01-10 23:10:00,,1\n" +
            "call,out,W,2024-01-05 10:00:00,5,1\n";
        const string xRecords =
            "call,in,ego,2024-01-01 10:00:00,60,2\n" +
            "call,out,ego,2024-01-01 21:00:00,30,2\n" +
            "text,in,ego,2024-01-09 10:00:00,,1\n" +
            "call,out,Q,2024-01-12 10:00:00,90,1\n";
        const string yRecords =
            "text,in,ego,2024-01-03 10:00:00,,1\n" +
            "text,out,ego,2024-01-10 23:10:00,,1\n";
        const string unmatched = "text,out,ego,2024-01-11 10:00:00,,1\n"; // no match in ego's file
        temp.Write("net/ego.csv", Header + egoRecords + "text,out,Y,2024-01-20 10:00:00,,1\n");
        temp.Write("net/X.csv", Header + xRecords + unmatched);
        temp.Write("net/Y.csv", Header + yRecords);

        // The same users as network mode leaves them, read without network mode.
        temp.Write("plain/ego.csv", Header + egoRecords);
        temp.Write("plain/X.csv", Header + xRecords);
        temp.Write("plain/Y.csv", Header + yRecords);

        IndicatorRun.Run(new IndicatorRequest(temp.File("net"), towers, temp.File("net.json")) { Users = ["ego"], Options = new IndicatorOptions { Network = true } });
        IndicatorRun.Run(new IndicatorRequest(temp.File("plain"), towers, temp.File("plain.json")));
        var network = IndicatorRunTests.ReadUser(temp.File("net.json"), "ego");
        var ego = IndicatorRunTests.ReadUser(temp.File("plain.json"), "ego");
        var neighbours = new[] { "X", "Y" }.Select(n => IndicatorRunTests.ReadUser(temp.File("plain.json"), n)).ToList();

        var expected = new List<(string Key, double Value)>();
        foreach (var (key, value) in ego)
        {
            if (key == "name" || key.StartsWith("reporting__", StringComparison.Ordinal) || value.ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            var pairs = neighbours.Where(n => n[key].ValueKind == JsonValueKind.Number).Select(n => Math.Pow(value.GetDouble() - n[key].GetDouble(), 2)).ToList();
            if (pairs.Count > 0)
            {
                expected.Add((key, pairs.Average()));
            }
        }

        var actual = network.Where(p => p.Key.StartsWith("assortativity_indicators__", StringComparison.Ordinal)).ToList();
        Assert.True(expected.Count > 20);
        Assert.Equal(expected.Select(e => "assortativity_indicators__" + e.Key), actual.Select(a => a.Key));
        foreach (var ((_, value), (_, element)) in expected.Zip(actual))
        {
            Assert.Equal(value, element.GetDouble(), 9);
        }

        // A non-trivial case by hand: number_of_contacts of calls, weekly mean. ego's calls: X in
        // week 1, W in week 1 → 2 contacts in its single week with calls; X: ego (week 1) and
        // Q (week 2) → 1 and 1, mean 1; Y has no calls → undefined, left out. (2 − 1)² / 1 = 1.
        Assert.Equal(1.0, network["assortativity_indicators__number_of_contacts__allweek__allday__call__mean"].GetDouble(), 12);
    }

    [Fact]
    public void Run_WithoutNetwork_EmitsNoNetworkKeys()
    {
        using var temp = new TempFolder();
        var towers = temp.Write("towers.csv", "antenna_id,latitude,longitude\n1,42.0,-71.0\n");
        temp.Write("records/ego.csv", Header + "text,out,X,2024-01-02 10:00:00,,1\n");
        temp.Write("records/X.csv", Header + "text,in,ego,2024-01-02 10:00:00,,1\n");
        IndicatorRun.Run(new IndicatorRequest(temp.File("records"), towers, temp.File("n.json")) { Users = ["ego"] });
        var actual = IndicatorRunTests.ReadUser(temp.File("n.json"), "ego");
        Assert.DoesNotContain(actual.Keys, k => k.StartsWith("clustering", StringComparison.Ordinal) || k.StartsWith("assortativity", StringComparison.Ordinal));
    }

    /// <summary>
    /// Both clustering coefficients against networkx's (TestData/Indicators/network/clustering_networkx.py,
    /// the reference bandicoot's own test_network.py uses) on the same weighted graph, to 6 significant digits.
    /// </summary>
    private static void AssertNetworkx(string graph, Dictionary<string, JsonElement> actual)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Indicators", "network", "clustering_networkx.json")));
        var expected = document.RootElement.GetProperty(graph);
        foreach (var key in new[] { "clustering_coefficient_unweighted", "clustering_coefficient_weighted" })
        {
            IndicatorRunTests.AssertSame(key, expected.GetProperty(key), actual);
        }
    }
}
