using System.Globalization;
using Mosaic.Runs;

namespace Mosaic.Reporting;

/// <summary>Section 9: for each stage, version, parameters, input hashes, counts and timings from its manifest.</summary>
internal static class ProvenanceSection
{
    private static readonly string[] Stages = ["features", "integration", "segregation", "mitigation"];

    public static void Write(ReportContext context)
    {
        var section = context.Document.Begin("provenance", "9. Provenance");
        var folders = new List<(string Name, string Folder)>();
        if (context.DataFolder is not null)
        {
            folders.Add(("data", context.DataFolder));
        }

        folders.AddRange(Stages.Select(s => (s, context.StageFolder(s))));
        var summary = new List<IReadOnlyList<string?>>();
        foreach (var (name, folder) in folders)
        {
            var manifest = Directory.Exists(folder) ? ReportStage.ReadManifest(folder) : null;
            if (manifest is null)
            {
                summary.Add([name, Directory.Exists(folder) ? "no readable manifest.json" : "not run", "", "", ""]);
                continue;
            }

            summary.Add([name, manifest.Stage, manifest.Version, manifest.FinishedUtc ?? "", manifest.TimingsSeconds.Values.Sum().ToString("0.##", CultureInfo.InvariantCulture)]);
            var rows = new List<IReadOnlyList<string?>>();
            rows.AddRange(manifest.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string?>)["parameter", p.Key, p.Value]));
            rows.AddRange(manifest.Inputs.Select(i => (IReadOnlyList<string?>)["input", Path.GetFileName(i.Path), $"{i.Bytes.ToString("#,0", CultureInfo.InvariantCulture)} bytes, sha256 {i.Sha256}"]));
            rows.AddRange(manifest.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (IReadOnlyList<string?>)["count", c.Key, c.Value.ToString("#,0", CultureInfo.InvariantCulture)]));
            rows.AddRange(manifest.TimingsSeconds.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (IReadOnlyList<string?>)["seconds", t.Key, t.Value.ToString("0.###", CultureInfo.InvariantCulture)]));
            section.Heading($"{name} ({manifest.Stage})");
            section.Table($"provenance_{name}", $"Manifest of {name}", ["kind", "name", "value"], rows);
        }

        section.Table("provenance_stages", "Stages of this run", ["folder", "stage", "version", "finished (UTC)", "seconds"], summary, new HashSet<int> { 4 });
        section.Paragraph($"Report written by Mosaic {Manifest.ToolVersion}. Figures are SVG only: no raster (PNG) renderer is bundled.");
        section.End();
    }
}
