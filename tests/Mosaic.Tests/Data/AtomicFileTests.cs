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

    [Fact]
    public void Write_RemovesLeftoversOfDeadProcessesOnly()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "out.csv");
        // A PID above the kernel's pid_max cannot be running; PID 1 always is.
        var dead = Path.Combine(dir.Path, ".out.csv.tmp-99999999-0123456789abcdef");
        var live = Path.Combine(dir.Path, ".out.csv.tmp-1-0123456789abcdef");
        var otherName = Path.Combine(dir.Path, ".other.csv.tmp-99999999-0123456789abcdef");
        foreach (var file in new[] { dead, live, otherName })
        {
            File.WriteAllText(file, "partial");
        }

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(otherName));
    }
}
