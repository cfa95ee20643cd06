using Mosaic.Data;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class BandicootExportTests
{
    private static void WriteCanonical(string folder)
    {
        using var session = new DuckDbSession();
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        session.Execute("""
            INSERT INTO districts VALUES (1, 'a', 1000, 100.0, 10);
            INSERT INTO cells VALUES (10, 'c10', 41.0, 29.0, 1), (11, 'c11', 41.1, 29.1, 1), (12, 'c12', NULL, NULL, 1);
            INSERT INTO subscribers VALUES (1, 'city', false, 30, 'F'), (2, 'x', true, 25, 'M'), (3, 'x', false, NULL, NULL);
            INSERT INTO calls VALUES
                (1, 2, TIMESTAMP '2024-03-04 10:00:00', 60, 'call', 10, 11),
                (2, 1, TIMESTAMP '2024-03-04 11:00:00', 0, 'text', 11, NULL),
                (1, 99, TIMESTAMP '2024-03-05 20:00:00', 0, 'text', 12, NULL);
            """);
        DataFolder.Write(session, folder);
    }

    [Fact]
    public void Run_CanonicalFolder_WritesOneBandicootFilePerSubscriberAndAntennasWithLocations()
    {
        using var temp = new TempFolder();
        WriteCanonical(temp.File("data"));
        var result = BandicootExport.Run(temp.File("data"), temp.File("bc"));

        Assert.Equal(3, result.Users);
        Assert.Equal(2, result.Antennas);
        Assert.Equal(5, result.Records); // 3 for subscriber 1, 2 for subscriber 2
        Assert.Equal(
            "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n" +
            "call,out,2,2024-03-04 10:00:00,60,10\n" +
            "text,in,2,2024-03-04 11:00:00,,\n" +
            "text,out,99,2024-03-05 20:00:00,,12\n",
            File.ReadAllText(temp.File("bc/1.csv")));
        Assert.Equal("interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n", File.ReadAllText(temp.File("bc/3.csv")));
        Assert.Equal("antenna_id,latitude,longitude\n10,41,29\n11,41.1,29.1\n", File.ReadAllText(temp.File("bc/antennas.csv")));
        Assert.True(File.Exists(temp.File("bc/manifest.json")));

        // The export is valid bandicoot input: indicators read it back.
        var indicators = IndicatorRun.Run(new IndicatorRequest(temp.File("bc"), temp.File("bc/antennas.csv"), temp.File("out/i.json")));
        Assert.Equal(3, indicators.Users);
        Assert.Equal(0, indicators.RecordsIgnored);
        var user1 = IndicatorRunTests.ReadUser(temp.File("out/i.json"), "1");
        Assert.Equal(1.0, user1["number_of_interactions__allweek__allday__call__mean"].GetDouble());
        Assert.Equal(2.0, user1["number_of_interactions__allweek__allday__text__mean"].GetDouble());
    }

    [Fact]
    public void Run_MaxUsers_ExportsTheFirstSubscribersOnly()
    {
        using var temp = new TempFolder();
        WriteCanonical(temp.File("data"));
        var result = BandicootExport.Run(temp.File("data"), temp.File("bc"), maxUsers: 1);
        Assert.Equal(1, result.Users);
        Assert.True(File.Exists(temp.File("bc/1.csv")));
        Assert.False(File.Exists(temp.File("bc/2.csv")));
    }

    [Fact]
    public void Run_MissingDataFolder_ThrowsInputError()
    {
        using var temp = new TempFolder();
        Assert.Throws<MosaicInputException>(() => BandicootExport.Run(temp.File("none"), temp.File("bc")));
    }
}
