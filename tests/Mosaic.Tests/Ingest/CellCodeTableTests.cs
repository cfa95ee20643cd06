using System.Text;
using Mosaic.Ingest;

namespace Mosaic.Tests.Ingest;

/// <summary>The fast reader's cell lookup against a dictionary of the same codes.</summary>
public class CellCodeTableTests
{
    [Fact]
    public void IdOf_RandomCodesOfEveryLength_MatchesADictionary()
    {
        var random = new Random(11);
        const string Alphabet = "AC01239,é-";
        string Code(int length) => new(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var cells = Enumerable.Range(0, 3000).Select(i => (Code: Code(random.Next(1, 13)), Id: i + 1)).ToList();
        cells.Add(("AB\0", -7)); // a NUL inside: only the long table may hold it
        cells.Add((cells[5].Code, 99_999)); // a repeated code keeps its last id
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (code, id) in cells)
        {
            expected[code] = id;
        }

        var table = new CellCodeTable(cells);
        var probes = expected.Keys.Concat(Enumerable.Range(0, 3000).Select(_ => Code(random.Next(1, 13)))).Concat(["AB", "AB\0", "AB\0\0", "x"]);
        foreach (var probe in probes)
        {
            var want = expected.TryGetValue(probe, out var id) ? id : CellCodeTable.Unknown;
            Assert.Equal(want, table.IdOf(Encoding.UTF8.GetBytes(probe)));
        }

        Assert.Equal(99_999, table.IdOf(Encoding.UTF8.GetBytes(cells[5].Code)));
    }

    [Fact]
    public void IdOf_EmptyTable_KnowsNothing()
    {
        var table = new CellCodeTable([]);
        Assert.Equal(CellCodeTable.Unknown, table.IdOf("C00001"u8));
        Assert.Equal(CellCodeTable.Unknown, table.IdOf("a-much-longer-code"u8));
    }
}
