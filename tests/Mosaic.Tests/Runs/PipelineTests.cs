using Mosaic.Runs;

namespace Mosaic.Tests.Runs;

public class PipelineTests
{
    private static PipelineStage Stage(string run, string name, string parameters, List<string> log) =>
        new(name, Path.Combine(run, name), parameters, _ =>
        {
            log.Add(name);
            new Manifest { Stage = name, Parameters = new Dictionary<string, string>(), Inputs = [] }.WriteTo(Path.Combine(run, name));
            return $"{name} done";
        });

    [Fact]
    public void Run_Twice_SecondRunReusesEveryStage()
    {
        using var dir = new TempFolder();
        var log = new List<string>();
        var stages = new[] { Stage(dir.Path, "a", "1", log), Stage(dir.Path, "b", "1", log) };
        Pipeline.Run(dir.Path, stages);
        var second = Pipeline.Run(dir.Path, stages);
        Assert.Equal(["a", "b"], log);
        Assert.All(second, r => Assert.Equal(StageOutcome.Reused, r.Outcome));
        Assert.Equal("b done", second[1].Summary);
    }

    [Fact]
    public void Run_UpstreamParameterChanged_RerunsItAndEverythingDownstream()
    {
        using var dir = new TempFolder();
        var log = new List<string>();
        Pipeline.Run(dir.Path, [Stage(dir.Path, "a", "1", log), Stage(dir.Path, "b", "1", log), Stage(dir.Path, "c", "1", log)]);
        log.Clear();
        var reports = Pipeline.Run(dir.Path, [Stage(dir.Path, "a", "1", log), Stage(dir.Path, "b", "2", log), Stage(dir.Path, "c", "1", log)]);
        Assert.Equal(["b", "c"], log);
        Assert.Equal([StageOutcome.Reused, StageOutcome.Ran, StageOutcome.Ran], reports.Select(r => r.Outcome));
    }

    [Fact]
    public void Run_StageInterruptedBeforeManifest_IsRunAgain()
    {
        using var dir = new TempFolder();
        var log = new List<string>();
        var stages = new[] { Stage(dir.Path, "a", "1", log) };
        Pipeline.Run(dir.Path, stages);
        File.Delete(Path.Combine(dir.Path, "a", "manifest.json")); // as if killed before completing
        Pipeline.Run(dir.Path, stages);
        Assert.Equal(["a", "a"], log);
    }

    [Fact]
    public void Run_StageThrows_LaterStagesDoNotRunAndStateKeepsCompletedOnes()
    {
        using var dir = new TempFolder();
        var log = new List<string>();
        var failing = new PipelineStage("b", dir.File("b"), "1", _ => throw new InvalidOperationException("boom"));
        Assert.Throws<InvalidOperationException>(() => Pipeline.Run(dir.Path, [Stage(dir.Path, "a", "1", log), failing, Stage(dir.Path, "c", "1", log)]));
        Assert.Equal(["a"], log);
        var again = Pipeline.Run(dir.Path, [Stage(dir.Path, "a", "1", log), Stage(dir.Path, "b", "1", log), Stage(dir.Path, "c", "1", log)]);
        Assert.Equal([StageOutcome.Reused, StageOutcome.Ran, StageOutcome.Ran], again.Select(r => r.Outcome));
    }
}
