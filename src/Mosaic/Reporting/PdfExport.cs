using System.Diagnostics;
using System.Text;

namespace Mosaic.Reporting;

/// <summary>What <see cref="PdfExport.Write"/> did.</summary>
/// <param name="Written">True when the PDF was written.</param>
/// <param name="Path">The PDF's path (also when skipped: where it would have gone).</param>
/// <param name="Message">One line for the user: what was written, or why it was skipped.</param>
public sealed record PdfResult(bool Written, string Path, string Message);

/// <summary>
/// Exports <c>report.html</c> as PDF with a headless Chromium (<c>--print-to-pdf</c>) when one
/// is installed. Chromium is optional: without it the export is skipped with a message, never an
/// error. The page has no scripts and no network references (its CSP is <c>default-src 'none'</c>),
/// so printing it needs no network either.
/// </summary>
public static class PdfExport
{
    /// <summary>The PDF's file name inside the run folder.</summary>
    public const string PdfFile = "report.pdf";

    /// <summary>Environment variable naming the browser executable, overriding the PATH search.</summary>
    public const string BrowserVariable = "MOSAIC_CHROMIUM";

    private static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

    /// <summary>
    /// The browser used for PDF export: <see cref="BrowserVariable"/> when set (an empty value
    /// disables the export), else the first of chromium, chromium-browser, google-chrome,
    /// google-chrome-stable, chrome on PATH; null when there is none.
    /// </summary>
    public static string? FindBrowser()
    {
        var configured = Environment.GetEnvironmentVariable(BrowserVariable);
        if (configured is not null)
        {
            return configured.Length > 0 && File.Exists(configured) ? configured : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => Candidates.Select(name => System.IO.Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Writes <c>RUN/report.pdf</c> from <paramref name="reportPath"/>, or says why it did not.</summary>
    /// <param name="reportPath">The report's HTML file.</param>
    /// <param name="timeout">How long the browser may take.</param>
    /// <param name="browser">The browser executable; default <see cref="FindBrowser"/>.</param>
    /// <exception cref="FileNotFoundException">The report does not exist.</exception>
    public static PdfResult Write(string reportPath, TimeSpan timeout, string? browser = null)
    {
        var html = System.IO.Path.GetFullPath(reportPath);
        if (!File.Exists(html))
        {
            throw new FileNotFoundException("report not found", html);
        }

        var pdf = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(html)!, PdfFile);
        browser ??= FindBrowser();
        if (browser is null)
        {
            return new PdfResult(false, pdf, $"PDF skipped: no Chromium found (install chromium, or set {BrowserVariable}); open report.html and print it from any browser instead.");
        }

        var profile = Directory.CreateTempSubdirectory("mosaic-pdf-");
        var temp = pdf + ".tmp-" + Environment.ProcessId + ".pdf";
        try
        {
            var info = new ProcessStartInfo(browser) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--no-pdf-header-footer", "--user-data-dir=" + profile.FullName,
                "--print-to-pdf=" + temp, new Uri(html).AbsoluteUri,
            })
            {
                info.ArgumentList.Add(arg);
            }

            // Chromium refuses to start its sandbox as root (containers, CI); the page runs no script.
            if (Environment.UserName == "root")
            {
                info.ArgumentList.Insert(0, "--no-sandbox");
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {browser}");
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return new PdfResult(false, pdf, $"PDF skipped: {System.IO.Path.GetFileName(browser)} did not finish within {timeout.TotalSeconds:0} s.");
            }

            if (!IsPdf(temp))
            {
                var last = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                return new PdfResult(false, pdf, $"PDF skipped: {System.IO.Path.GetFileName(browser)} exited with code {process.ExitCode} without writing a PDF. {last}".TrimEnd());
            }

            File.Move(temp, pdf, overwrite: true);
            return new PdfResult(true, pdf, $"Wrote {pdf} ({new FileInfo(pdf).Length / 1024:N0} KiB) with {System.IO.Path.GetFileName(browser)}.");
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }

            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A browser helper still holding the profile; it is only a temp folder.
            }
        }
    }

    private static bool IsPdf(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> head = stackalloc byte[5];
        using var stream = File.OpenRead(path);
        return stream.Read(head) == 5 && head.SequenceEqual("%PDF-"u8);
    }
}
