using System.Globalization;

namespace Mosaic.ScaleOut;

/// <summary>
/// Bookkeeping shared by the per-partition steps of every stage: where a stage keeps its
/// partials (<c>RUN/partitions/STAGE/part-K/</c>), the layout check, and the refusal to go on
/// with an incomplete set of partitions.
/// </summary>
public static class PartitionSteps
{
    /// <summary>Folder of one partition's intermediates of <paramref name="stage"/> inside a run.</summary>
    public static string Folder(string runFolder, string stage, int index) =>
        Path.Combine(StageFolder(runFolder, stage), PartitionSpec.FolderName(index));

    /// <summary>Folder of all partitions' intermediates of <paramref name="stage"/>.</summary>
    public static string StageFolder(string runFolder, string stage) => Path.Combine(runFolder, "partitions", stage);

    /// <summary>Reads the layout and checks it has <paramref name="spec"/>'s N partitions.</summary>
    /// <exception cref="MosaicInputException">Not a partition folder, or another N.</exception>
    public static PartitionLayout CheckLayout(string partitionFolder, PartitionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var layout = PartitionLayout.Read(partitionFolder);
        if (layout.Partitions != spec.Count)
        {
            throw new MosaicInputException("--partition", null,
                $"{spec} does not match the {layout.Partitions.ToString(CultureInfo.InvariantCulture)} partitions of {partitionFolder}");
        }

        return layout;
    }

    /// <summary>Throws naming every partition whose step has not finished (its marker file is absent).</summary>
    /// <param name="runFolder">The run folder.</param>
    /// <param name="stage">The stage's folder name under <c>RUN/partitions/</c>.</param>
    /// <param name="count">N.</param>
    /// <param name="marker">The file a finished step leaves in its partition's folder.</param>
    /// <param name="step">The command that writes it, for the message.</param>
    public static void RequireAll(string runFolder, string stage, int count, string marker, string step)
    {
        var missing = Enumerable.Range(0, count).Where(k => !File.Exists(Path.Combine(Folder(runFolder, stage, k), marker))).ToList();
        if (missing.Count > 0)
        {
            throw new MosaicInputException(StageFolder(runFolder, stage), null,
                $"incomplete set of partitions: {missing.Count.ToString(CultureInfo.InvariantCulture)} of {count.ToString(CultureInfo.InvariantCulture)} have not finished `{step}`: "
                + string.Join(", ", missing.Select(k => k.ToString(CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The engine of a per-partition task: it spills into the partition's own folder unless told otherwise.</summary>
    public static Data.EngineOptions SpillInto(Data.EngineOptions engine, string partitionOutput)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return engine.TempDirectory is null ? engine with { TempDirectory = Path.Combine(partitionOutput, ".duckdb-tmp") } : engine;
    }

    /// <summary>Quoted DuckDB list of one file of every partition: <c>'…/part-0000/NAME', …</c>.</summary>
    public static string FileList(string runFolder, string stage, int count, string name) =>
        string.Join(", ", Enumerable.Range(0, count).Select(k => Data.Sql.Literal(Path.Combine(Folder(runFolder, stage, k), name))));
}
