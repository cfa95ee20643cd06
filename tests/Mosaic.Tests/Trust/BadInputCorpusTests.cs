using System.Text;

namespace Mosaic.Tests.Trust;

/// <summary>
/// Every file of <c>TestData/bad-input</c> through <c>mosaic ingest</c>: the exit code listed in
/// <c>cases.tsv</c> and the <see cref="IngestContract"/>. The file's prefix is its role (calls,
/// cells, districts, geojson, subscribers); the other roles get the corpus's good files. The third
/// column is, for exit 0, the file's rejected rows by reason, for exit 2 a part of the message.
/// </summary>
public class BadInputCorpusTests
{
    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(IngestContract.Corpus, "cases.tsv")).Skip(1))
        {
            var fields = line.Split('\t');
            data.Add(fields[0], int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields.Length > 2 ? fields[2] : "");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ingest_CorpusFile_ExitsCleanlyAndReconciles(string file, int expectedCode, string expected)
    {
        using var dir = new TempFolder();
        var role = file[..file.IndexOf('-', StringComparison.Ordinal)];
        var (code, error, output) = IngestContract.Ingest(dir, role, Path.Combine(IngestContract.Corpus, file));
        IngestContract.Check(file, code, error, output);
        var path = Path.Combine(IngestContract.Corpus, file);
        var outcome = code == 0 ? IngestContract.Rejects(output, path) : IngestContract.Messages(error);
        Assert.True(expectedCode == code, $"{file}: expected exit {expectedCode}, got {code}: {outcome}");
        if (code == 0)
        {
            Assert.Equal(expected, outcome);
        }
        else
        {
            Assert.Contains(expected, outcome, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Corpus_EveryFileIsACase()
    {
        var listed = Cases().Select(c => (string)c[0]).ToHashSet();
        var files = Directory.GetFiles(IngestContract.Corpus).Select(f => Path.GetFileName(f))
            .Where(f => f is not ("cases.tsv" or "README.md") && !f.Contains("-good.", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Contains(f, listed));
    }

    [Theory]
    [InlineData(2 << 20, "malformed_csv=1")] // beyond the 1 MiB line limit: rejected, counted
    [InlineData(600 << 10, "")] // a 600 KiB id: read, pseudonymised, accepted
    public void Ingest_EnormousLine_ExitsCleanlyAndReconciles(int fieldLength, string expectedRejects)
    {
        using var dir = new TempFolder();
        var text = new StringBuilder(File.ReadAllText(Path.Combine(IngestContract.Corpus, "calls-good.csv")));
        text.Append(new string('9', fieldLength)).Append(",b,2026-01-05 13:00:00,5,call,C1,C2\n");
        var calls = dir.Write("calls-enormous.csv", text.ToString());
        var (code, error, output) = IngestContract.Ingest(dir, "calls", calls);
        IngestContract.Check("enormous line", code, error, output);
        Assert.Equal(0, code);
        Assert.Equal(expectedRejects, IngestContract.Rejects(output, calls));
    }
}
