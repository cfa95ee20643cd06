using System.Text.Json.Nodes;
using Mosaic.Reporting;
using Xunit.Abstractions;

namespace Mosaic.Tests.Reporting;

/// <summary>One Chromium for the class's tests (starting it dominates their time); null when not installed.</summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    internal HeadlessChromium? Browser { get; private set; }

    public async Task InitializeAsync() => Browser = HeadlessChromium.Available ? await HeadlessChromium.StartAsync() : null;

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
    }
}

/// <summary>The report in a real browser: Debian's headless Chromium (skips when absent).</summary>
public class ReportRenderTests(ITestOutputHelper output, ChromiumFixture browser) : IClassFixture<ChromiumFixture>
{
    private sealed record PageCheck(List<string> ConsoleErrors, List<string> Requests, int BrokenImages, int Svgs, int Sections, byte[] Screenshot);

    [Fact]
    public async Task Report_InHeadlessChromium_NoErrorsNoRequestsNoBrokenImages()
    {
        if (!HeadlessChromium.Available)
        {
            output.WriteLine($"skipped: {HeadlessChromium.Executable} is not installed (apt-get install chromium)");
            return;
        }

        using var dir = new TempFolder();
        var (run, data) = new ReportFixture().Write(dir.Path);
        var result = ReportStage.Run(new ReportOptions(), run, data);
        var check = await Load(browser.Browser!, result.ReportPath);
        var screenshot = Path.Combine(Path.GetTempPath(), "mosaic-report-screenshot.png");
        await File.WriteAllBytesAsync(screenshot, check.Screenshot);
        File.Copy(result.ReportPath, Path.ChangeExtension(screenshot, ".html"), overwrite: true);
        output.WriteLine($"screenshot: {screenshot} (page beside it); report written in {result.Seconds:F2} s, {result.Figures.Count} figures, {result.Tables.Count} tables, {new FileInfo(result.ReportPath).Length:N0} bytes");

        Assert.Empty(check.ConsoleErrors);
        Assert.Empty(check.Requests);
        Assert.Equal(0, check.BrokenImages);
        Assert.Equal(result.Figures.Count, check.Svgs);
        Assert.Equal(9, check.Sections);
        Assert.True(check.Screenshot.Length > 20_000, $"screenshot only {check.Screenshot.Length} bytes");
    }

    [Fact]
    public async Task Collector_PageWithExternalImage_ReportsRequestAndBrokenImage()
    {
        if (!HeadlessChromium.Available)
        {
            output.WriteLine($"skipped: {HeadlessChromium.Executable} is not installed");
            return;
        }

        // A negative control: the checks above must be able to fail.
        using var dir = new TempFolder();
        var page = dir.Write("bad.html", "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"><p>x</p></body></html>");
        var check = await Load(browser.Browser!, page);
        Assert.Contains(check.Requests, r => r.StartsWith("http://127.0.0.1:9/", StringComparison.Ordinal));
        Assert.Equal(1, check.BrokenImages);
    }

    private static async Task<PageCheck> Load(HeadlessChromium chromium, string path)
    {
        var target = await chromium.SendAsync("Target.createTarget", new { url = "about:blank" });
        var attached = await chromium.SendAsync("Target.attachToTarget", new { targetId = (string)target["targetId"]!, flatten = true });
        var session = (string)attached["sessionId"]!;
        foreach (var domain in new[] { "Page", "Runtime", "Log", "Network" })
        {
            await chromium.SendAsync($"{domain}.enable", null, session);
        }

        await chromium.SendAsync("Emulation.setDeviceMetricsOverride", new { width = 1280, height = 2400, deviceScaleFactor = 1, mobile = false }, session);
        await chromium.SendAsync("Page.navigate", new { url = new Uri(Path.GetFullPath(path)).AbsoluteUri }, session);
        await chromium.WaitForEventAsync("Page.loadEventFired", session, TimeSpan.FromSeconds(60));
        await Task.Delay(300); // let late console messages and failed loads arrive
        var probe = await chromium.SendAsync(
            "Runtime.evaluate",
            new { expression = "JSON.stringify({ broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length, svgs: document.querySelectorAll('figure > svg').length, sections: document.querySelectorAll('section').length })", returnByValue = true },
            session);
        var values = JsonNode.Parse((string)probe["result"]!["value"]!)!;
        var shot = await chromium.SendAsync("Page.captureScreenshot", new { format = "png" }, session);

        var errors = new List<string>();
        var requests = new List<string>();
        foreach (var e in chromium.Events.Where(e => (string?)e["sessionId"] == session))
        {
            var p = e["params"];
            switch ((string?)e["method"])
            {
                case "Runtime.consoleAPICalled" when (string?)p!["type"] is "error" or "assert":
                    errors.Add("console: " + p["args"]?.ToJsonString());
                    break;
                case "Runtime.exceptionThrown":
                    errors.Add("exception: " + p!["exceptionDetails"]?.ToJsonString());
                    break;
                case "Log.entryAdded" when (string?)p!["entry"]!["level"] == "error":
                    errors.Add("log: " + (string?)p["entry"]!["text"]);
                    break;
                case "Network.requestWillBeSent":
                    var url = (string)p!["request"]!["url"]!;
                    if (!url.StartsWith("file:", StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal) && url != "about:blank")
                    {
                        requests.Add(url);
                    }

                    break;
                case "Network.loadingFailed":
                    errors.Add("failed load: " + (string?)p!["errorText"]);
                    break;
            }
        }

        await chromium.SendAsync("Target.closeTarget", new { targetId = (string)target["targetId"]! });
        return new PageCheck(errors, requests, (int)values["broken"]!, (int)values["svgs"]!, (int)values["sections"]!, Convert.FromBase64String((string)shot["data"]!));
    }
}
