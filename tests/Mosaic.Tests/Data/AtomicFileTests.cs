using Mosaic.Data;

namespace Mosaic.Tests.Data;

public class AtomicFileTests
{
    [Fact]
    public void Write_WriterThrows_LeavesNoFileUnderFinalNameAndNoTemp()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "out.csv");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "partial");
            throw new InvalidOperationException("killed");
        }));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_Success_ReplacesExistingFile()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "out.csv");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
