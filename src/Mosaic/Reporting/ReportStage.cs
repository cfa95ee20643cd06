using System.Diagnostics;
using System.Net;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.Reporting;

/// <summary>
/// The report stage: reads what the other stages left in a run folder and writes
/// <c>RUN/report.html</c> (one self-contained page: inline CSS and SVG, no scripts, no network),
/// every figure as SVG under <c>RUN/figures/</c> and every table as CSV under
/// <c>RUN/tables/</c>, plus a <c>manifest.json</c> in each of those folders. A stage that has
/// not run gives a section that says "not run"; a promised column that is missing is named.
/// </summary>
public static class ReportStage
{
    /// <summary>The report's file name inside the run folder.</summary>
    public const string ReportFile = "report.html";

    /// <summary>Writes the report for <paramref name="runFolder"/>.</summary>
    /// <param name="options">Report options (validated first).</param>
    /// <param name="runFolder">The run folder (must exist).</param>
    /// <param name="dataFolder">The canonical data folder; when null, the one recorded in the stages' manifests (parameter <c>data</c>), else <c>RUN/data</c> when present.</param>
    /// <param name="progress">Optional progress sink.</param>
    /// <exception cref="MosaicInputException">The run folder does not exist.</exception>
    public static ReportResult Run(ReportOptions options, string runFolder, string? dataFolder = null, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!Directory.Exists(runFolder))
        {
            throw new MosaicInputException(runFolder, null, "run folder not found (run `mosaic run` or the stages first)");
        }

        var clock = Stopwatch.StartNew();
        var data = ResolveDataFolder(runFolder, dataFolder);
        var document = new ReportDocument(runFolder, options.Png);
        var context = new ReportContext(options, runFolder, data, document);
        var steps = new (string Name, Action<ReportContext> Write)[]
        {
            ("data", DataSection.Write),
            ("where groups live", IntegrationSections.WriteSpatial),
            ("who calls whom", IntegrationSections.WriteMixing),
            ("convergence", IntegrationSections.WriteConvergence),
            ("classification", ClassificationSection.Write),
            ("segregation", SegregationSection.Write),
            ("mitigation", MitigationSections.WriteMitigation),
            ("rent", MitigationSections.WriteRent),
            ("provenance", ProvenanceSection.Write),
        };
        for (var i = 0; i < steps.Length; i++)
        {
            progress.Step(steps[i].Name, (double)i / steps.Length);
            steps[i].Write(context);
        }

        var preface = $"<p>Run folder <code>{WebUtility.HtmlEncode(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder))))}</code>; Mosaic {WebUtility.HtmlEncode(Manifest.ToolVersion)}. "
            + "Every figure is also in <code>figures/</code> (SVG" + (options.Png ? " and PNG" : "") + ") and every table in <code>tables/</code> (CSV).</p>\n"
            + $"<p class=\"privacy\">Privacy: every published aggregate describing fewer than k subscribers is suppressed (each stage records the k it used; the report's own aggregates use k = {options.PrivacyK}). "
            + "Suppressed table cells read \"suppressed\"; suppressed or missing map districts and heatmap cells are hatched grey. No subscriber identifier appears in this report.</p>\n";
        var reportPath = Path.Combine(runFolder, ReportFile);
        AtomicFile.WriteAllText(reportPath, document.Render(options.Title, preface));
        progress.Step("done", 1);

        var manifest = new Manifest
        {
            Stage = "report",
            Parameters = new Dictionary<string, string>
            {
                ["run"] = runFolder,
                ["data"] = data ?? "",
                ["privacy_k"] = Manifest.Format(options.PrivacyK),
                ["top_flows"] = Manifest.Format(options.TopFlows),
                ["top_coefficients"] = Manifest.Format(options.TopCoefficients),
                ["max_feature_panels"] = Manifest.Format(options.MaxFeaturePanels),
                ["png"] = options.Png ? "true" : "false",
            },
            Inputs = [],
            Counts = new Dictionary<string, long>
            {
                ["figures"] = document.Figures.Count,
                ["figures_png"] = document.PngCount,
                ["tables"] = document.Tables.Count,
                ["sections_complete"] = document.Sections.Count(s => s.Status == SectionStatus.Complete),
                ["sections_partial"] = document.Sections.Count(s => s.Status == SectionStatus.Partial),
                ["sections_not_run"] = document.Sections.Count(s => s.Status == SectionStatus.NotRun),
            },
        };
        foreach (var folder in new[] { document.FiguresFolder, document.TablesFolder })
        {
            Directory.CreateDirectory(folder);
            manifest.WriteTo(folder);
        }

        return new ReportResult(reportPath, document.Figures, document.Tables, document.Sections, PngWritten: options.Png && document.PngCount == document.Figures.Count, clock.Elapsed.TotalSeconds);
    }

    private static string? ResolveDataFolder(string runFolder, string? dataFolder)
    {
        if (dataFolder is not null)
        {
            if (!Directory.Exists(dataFolder))
            {
                throw new MosaicInputException(dataFolder, null, "data folder not found");
            }

            return dataFolder;
        }

        foreach (var stage in new[] { "integration", "segregation", "mitigation", "features" })
        {
            var recorded = ReadManifest(Path.Combine(runFolder, stage))?.Parameters.GetValueOrDefault("data");
            if (!string.IsNullOrEmpty(recorded) && Directory.Exists(recorded))
            {
                return recorded;
            }
        }

        var inside = Path.Combine(runFolder, "data");
        return Directory.Exists(inside) ? inside : null;
    }

    /// <summary>Reads a stage manifest, tolerating a damaged file (the provenance section reports it).</summary>
    internal static Manifest? ReadManifest(string folder)
    {
        try
        {
            return Manifest.ReadFrom(folder);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
