using Mosaic.Data;
using Mosaic.Definitions;

namespace Mosaic.Tests.Definitions;

public class HomeWorkTests
{
    private static List<(long Subscriber, int Cell)> Homes(string rows)
    {
        using var session = new DuckDbSession();
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Calls));
        session.Execute($"INSERT INTO calls VALUES {rows}");
        Events.CreateView(session);
        return session.Query(HomeWork.HomeCellsSql(Events.View) + " ORDER BY subscriber_id",
            r => (r.GetInt64(0), r.GetInt32(1)));
    }

    [Fact]
    public void HomeCells_TieBetweenCells_FirstSeenWins()
    {
        // Subscriber 1 is at cell 20 at 22:00 on day 1 and at cell 10 at 23:00; one each: 20 was first.
        var homes = Homes("""
            (1, 2, TIMESTAMP '2026-01-05 22:00:00', 10, 'call', 20, NULL),
            (1, 2, TIMESTAMP '2026-01-05 23:00:00', 10, 'call', 10, NULL)
            """);
        Assert.Equal([(1L, 20)], homes);
    }

    [Fact]
    public void HomeCells_BoundariesAndDaytime_OnlyNightCounts()
    {
        // 07:00:00 and 19:00:00 are night; 07:00:01 and 12:00 are not.
        var homes = Homes("""
            (1, 2, TIMESTAMP '2026-01-05 07:00:00', 0, 'text', 30, NULL),
            (1, 2, TIMESTAMP '2026-01-05 19:00:00', 0, 'text', 30, NULL),
            (1, 2, TIMESTAMP '2026-01-05 07:00:01', 0, 'text', 40, NULL),
            (1, 2, TIMESTAMP '2026-01-05 12:00:00', 0, 'text', 40, NULL),
            (1, 2, TIMESTAMP '2026-01-05 12:30:00', 0, 'text', 40, NULL)
            """);
        Assert.Equal([(1L, 30)], homes);
    }

    [Fact]
    public void HomeCells_CalleeSideUsesCalleeCell_NullCellsIgnored()
    {
        var homes = Homes("""
            (1, 2, TIMESTAMP '2026-01-05 23:00:00', 5, 'call', NULL, 7),
            (1, 2, TIMESTAMP '2026-01-06 23:00:00', 5, 'call', NULL, 7)
            """);
        Assert.Equal([(2L, 7)], homes);
    }
}
