using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mosaic.Data;

namespace Mosaic.Runs;

/// <summary>How one stage of a pipeline ended.</summary>
public enum StageOutcome
{
    /// <summary>The stage ran.</summary>
    Ran,

    /// <summary>Its inputs and parameters were unchanged, so the previous outputs were kept.</summary>
    Reused,
}

/// <summary>One stage of <see cref="Pipeline"/>: a name, its output folder, a key of everything it depends on, and the work.</summary>
/// <param name="Name">Stage name (also the progress label).</param>
/// <param name="OutputFolder">Folder the stage writes; it must contain a <c>manifest.json</c> when complete.</param>
/// <param name="Parameters">Everything besides upstream outputs that changes the result, as text.</param>
/// <param name="Run">Runs the stage; returns a one-line summary for people.</param>
public sealed record PipelineStage(string Name, string OutputFolder, string Parameters, Func<IProgress<StageProgress>?, string> Run);

/// <summary>What happened to one stage.</summary>
/// <param name="Name">Stage name.</param>
/// <param name="Outcome">Ran or reused.</param>
/// <param name="Seconds">Wall-clock seconds (0 when reused).</param>
/// <param name="Summary">One line for people (no subscriber data).</param>
public sealed record StageReport(string Name, StageOutcome Outcome, double Seconds, string Summary);

/// <summary>
/// Runs stages in order, reusing a stage whose parameters and upstream keys are unchanged and
/// whose outputs are complete. A stage's key chains the keys of every stage before it, so a
/// changed input re-runs everything downstream. Keys live in <c>RUN/pipeline.json</c>, written
/// after each stage so that an interrupted run resumes where it stopped.
/// </summary>
public static class Pipeline
{
    /// <summary>File in the run folder recording each completed stage's key and summary.</summary>
    public const string StateFile = "pipeline.json";

    private sealed record StageState(string Key, string Summary);

    /// <summary>Runs (or reuses) every stage. <paramref name="progressFor"/> gives each stage its progress sink.</summary>
    public static IReadOnlyList<StageReport> Run(
        string runFolder,
        IReadOnlyList<PipelineStage> stages,
        Func<string, Func<IProgress<StageProgress>?, string>, string>? progressFor = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        Directory.CreateDirectory(runFolder);
        var statePath = Path.Combine(runFolder, StateFile);
        var state = File.Exists(statePath)
            ? JsonSerializer.Deserialize<Dictionary<string, StageState>>(File.ReadAllText(statePath), Manifest.JsonOptions) ?? []
            : new Dictionary<string, StageState>();
        var reports = new List<StageReport>();
        var upstream = Manifest.ToolVersion;
        foreach (var stage in stages)
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{upstream}\n{stage.Name}\n{stage.Parameters}")));
            upstream = key;
            if (state.TryGetValue(stage.Name, out var previous) && previous.Key == key
                && File.Exists(Path.Combine(stage.OutputFolder, "manifest.json")))
            {
                reports.Add(new StageReport(stage.Name, StageOutcome.Reused, 0, previous.Summary));
                continue;
            }

            var clock = Stopwatch.StartNew();
            var summary = progressFor is null ? stage.Run(null) : progressFor(stage.Name, stage.Run);
            reports.Add(new StageReport(stage.Name, StageOutcome.Ran, clock.Elapsed.TotalSeconds, summary));
            state[stage.Name] = new StageState(key, summary);
            AtomicFile.WriteAllText(statePath, JsonSerializer.Serialize(state, Manifest.JsonOptions) + "\n");
        }

        return reports;
    }
}
