namespace Mosaic.Tests.Reporting;

/// <summary>
/// Snapshot files under TestData/Reporting/snapshots: a test fails when what people read changes,
/// so that the change shows in review. Set MOSAIC_UPDATE_SNAPSHOTS=1 to rewrite them in the
/// source tree (then review the diff and commit).
/// </summary>
internal static class Snapshot
{
    public static void Match(string name, string actual)
    {
        var source = SourceFolder();
        var path = Path.Combine(source, name);
        if (Environment.GetEnvironmentVariable("MOSAIC_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(source);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"snapshot {path} missing; run the tests with MOSAIC_UPDATE_SNAPSHOTS=1 and review it");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "TestData", "Reporting", "snapshots");
}
