using System.Text.RegularExpressions;
using Mosaic.Reporting;
using Xunit.Abstractions;

namespace Mosaic.Tests.Reporting;

public partial class PdfExportTests(ITestOutputHelper output)
{
    [Fact]
    public void Write_WithChromium_WritesAMultiPagePdf()
    {
        if (!HeadlessChromium.Available)
        {
            output.WriteLine($"skipped: {HeadlessChromium.Executable} is not installed (apt-get install chromium)");
            return;
        }

        using var dir = new TempFolder();
        var (run, data) = new ReportFixture { WithCalls = false }.Write(dir.Path);
        var report = ReportStage.Run(new ReportOptions { Png = false }, run, data);
        var result = PdfExport.Write(report.ReportPath, TimeSpan.FromMinutes(2), HeadlessChromium.Executable);
        Assert.True(result.Written, result.Message);
        Assert.Equal(Path.Combine(run, PdfExport.PdfFile), result.Path);
        var bytes = File.ReadAllBytes(result.Path);
        Assert.Equal("%PDF-"u8.ToArray(), bytes[..5]);
        var pages = PageObject().Count(System.Text.Encoding.Latin1.GetString(bytes));
        Assert.True(pages >= 3, $"{pages} pages");
        Assert.Empty(Directory.GetFiles(run, "*.tmp-*"));
    }

    [Fact]
    public void Write_BrowserThatWritesNothing_SkippedWithReasonNotError()
    {
        if (!File.Exists("/bin/false"))
        {
            return;
        }

        using var dir = new TempFolder();
        var html = Path.Combine(dir.Path, "report.html");
        File.WriteAllText(html, "<!DOCTYPE html><p>x</p>");
        var result = PdfExport.Write(html, TimeSpan.FromSeconds(30), "/bin/false");
        Assert.False(result.Written);
        Assert.StartsWith("PDF skipped: false exited with code 1", result.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(result.Path));
    }

    [GeneratedRegex(@"/Type\s*/Page[^s]")]
    private static partial Regex PageObject();
}
