using Mosaic.Features;
using Mosaic.Simulation;

namespace Mosaic.Tests.ScaleOut;

/// <summary>The tiny simulated city and its single-machine features: the reference every scale-out test compares with.</summary>
public sealed class TinyCityRun : IDisposable
{
    private readonly TempFolder temp = new();

    private readonly Lazy<string> wholeRun;

    public TinyCityRun()
    {
        Simulator.Run(new SimulationOptions { Preset = SimulationPreset.Tiny, Seed = 7, Threads = 2 }, Data);
        OneMachine = FeatureStage.Run(new FeatureOptions { Engine = new Mosaic.Data.EngineOptions(Threads: 2) }, Data, temp.File("single"));
        wholeRun = new Lazy<string>(() =>
        {
            var run = temp.File("single-run");
            var error = new StringWriter();
            var code = Mosaic.Cli.CliApp.Run(["run", "--data", Data, "--out", run, .. ClusterEngineArgs], TextWriter.Null, error);
            return code == 0 ? run : throw new InvalidOperationException(error.ToString());
        });
    }

    /// <summary>Engine options every cluster test's tasks get, and the single-machine whole run too.</summary>
    public static string[] ClusterEngineArgs { get; } = ["--threads", "1", "--memory-limit", "1GB"];

    /// <summary>`mosaic run` of the city on one machine (whole pipeline), computed on first use: what a cluster run must equal.</summary>
    public string WholeRun => wholeRun.Value;

    public string Data => temp.File("city");

    public FeatureResult OneMachine { get; }

    public TempFolder Temp => temp;

    /// <summary>report.json without its timings (the only part that legitimately differs between runs).</summary>
    public static string ReportWithoutTimings(string featuresFolder)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(featuresFolder, FeatureStage.ReportFile)))!.AsObject();
        node.Remove("timings_seconds");
        return node.ToJsonString();
    }

    public void Dispose() => temp.Dispose();
}
