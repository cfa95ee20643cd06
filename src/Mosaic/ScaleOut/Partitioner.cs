using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Runs;

namespace Mosaic.ScaleOut;

/// <summary>
/// What <c>mosaic partition</c> wrote: <c>PDIR/partition.json</c>. Read by every per-partition
/// task (study range, number of partitions) and by the merge (the original inputs, for the manifest).
/// </summary>
public sealed record PartitionLayout
{
    /// <summary>File name of the layout inside the partition folder.</summary>
    public const string FileName = "partition.json";

    /// <summary>Number of partitions N.</summary>
    public required int Partitions { get; init; }

    /// <summary>Calls in the source data folder (each owned by exactly one partition: its caller's).</summary>
    public required long Calls { get; init; }

    /// <summary>Calls stored per partition (a call is stored in the partitions of both endpoints).</summary>
    public required IReadOnlyList<long> CallsStored { get; init; }

    /// <summary>Calls owned per partition (the caller's partition); they sum to <see cref="Calls"/>.</summary>
    public required IReadOnlyList<long> CallsOwned { get; init; }

    /// <summary>Attributed subscribers per partition.</summary>
    public required IReadOnlyList<long> Subscribers { get; init; }

    /// <summary>Earliest call start in the whole data (null without calls): the default study start.</summary>
    public DateTime? FirstCall { get; init; }

    /// <summary>Latest call start in the whole data.</summary>
    public DateTime? LastCall { get; init; }

    /// <summary>The source data folder's tables (path, size, SHA-256), recorded in merged manifests.</summary>
    public required IReadOnlyList<InputFile> Inputs { get; init; }

    /// <summary>Reads <c>PDIR/partition.json</c>; a missing or unreadable file is a <see cref="MosaicInputException"/>.</summary>
    public static PartitionLayout Read(string partitionFolder)
    {
        var path = Path.Combine(partitionFolder, FileName);
        if (!File.Exists(path))
        {
            throw new MosaicInputException(path, null, "not a partitioned data folder (run `mosaic partition` first)");
        }

        try
        {
            return JsonSerializer.Deserialize<PartitionLayout>(File.ReadAllText(path), Manifest.JsonOptions)
                ?? throw new MosaicInputException(path, null, "empty partition layout");
        }
        catch (JsonException e)
        {
            throw new MosaicInputException(path, e.LineNumber + 1, $"unreadable partition layout: {e.Message}");
        }
    }

    /// <summary>The data folder of partition <paramref name="index"/>.</summary>
    public static string PartFolder(string partitionFolder, int index) => Path.Combine(partitionFolder, PartitionSpec.FolderName(index));
}

/// <summary>
/// <c>mosaic partition</c>: hash-partitions a data folder by subscriber. Partition K's data folder
/// holds every call with at least one endpoint in K (so every K subscriber's events are complete
/// there and no task reads the whole call table), K's attributed subscribers, and copies of the
/// small reference tables (cells, districts, polygons). A call stored twice is owned once, by its
/// caller's partition: counts of calls are taken over owned calls only, so they never double.
/// </summary>
public static class Partitioner
{
    private const string CallOrder = "start_time, caller_id, callee_id, duration_s, kind, caller_cell NULLS FIRST, callee_cell NULLS FIRST";

    /// <summary>Writes <paramref name="count"/> partitions of <paramref name="dataFolder"/> into <paramref name="outputFolder"/>.</summary>
    /// <exception cref="MosaicInputException">A table is missing, or the count is out of range.</exception>
    public static PartitionLayout Run(string dataFolder, string outputFolder, int count, EngineOptions? engine = null, IProgress<StageProgress>? progress = null)
    {
        if (count < 1 || count > PartitionSpec.MaxCount)
        {
            throw new MosaicInputException("--partitions", null, $"{count.ToString(CultureInfo.InvariantCulture)} is not between 1 and {PartitionSpec.MaxCount.ToString(CultureInfo.InvariantCulture)}");
        }

        using var session = new DuckDbSession(engine);
        DataFolder.Attach(session, dataFolder);
        progress.Step("hashing inputs");
        var inputs = CanonicalTables.Required.Select(t => InputFile.Of(DataFolder.TablePath(dataFolder, t))).ToList();
        Directory.CreateDirectory(outputFolder);
        var calls = session.ScalarLong("SELECT count(*) FROM calls");
        var range = session.Query("SELECT min(start_time), max(start_time) FROM calls",
            r => r.IsDBNull(0) ? ((DateTime?)null, (DateTime?)null) : (r.GetDateTime(0), r.GetDateTime(1))).Single();
        var stored = new List<long>();
        var owned = new List<long>();
        var subscribers = new List<long>();
        var clock = Stopwatch.StartNew();
        // One pass over the calls: each call goes to its caller's partition and, when different,
        // its callee's. DuckDB writes every partition's rows at once (hive folders part=K/).
        var staging = Path.Combine(outputFolder, ".staging");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var caller = PartitionSpec.OwnerSql("caller_id", count);
        var callee = PartitionSpec.OwnerSql("callee_id", count);
        progress.Step("splitting calls");
        session.Execute($"""
            COPY (SELECT *, {caller} AS part FROM calls
                  UNION ALL
                  SELECT *, {callee} AS part FROM calls WHERE {callee} <> {caller})
            TO {Sql.Literal(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part))
            """);
        for (var k = 0; k < count; k++)
        {
            progress.Step($"partition {k + 1} of {count}", (double)k / count);
            var spec = new PartitionSpec(k, count);
            var part = PartitionLayout.PartFolder(outputFolder, k);
            Directory.CreateDirectory(part);
            var split = Path.Combine(staging, "part=" + k.ToString(CultureInfo.InvariantCulture));
            // Sorted as DataFolder sorts calls, so the same data always gives the same partition files.
            var source = Directory.Exists(split)
                ? $"read_parquet({Sql.Literal(Path.Combine(split, "*.parquet"))}, hive_partitioning = false)"
                : "(SELECT * FROM calls LIMIT 0)";
            session.CopyToParquet($"SELECT * FROM {source} ORDER BY {CallOrder}", DataFolder.TablePath(part, CanonicalTables.Calls));
            session.CopyToParquet($"SELECT * FROM subscribers WHERE {spec.Owns("subscriber_id")} ORDER BY subscriber_id",
                DataFolder.TablePath(part, CanonicalTables.Subscribers));
            foreach (var table in new[] { CanonicalTables.Cells, CanonicalTables.Districts })
            {
                File.Copy(DataFolder.TablePath(dataFolder, table), DataFolder.TablePath(part, table), overwrite: true);
            }

            var polygons = Path.Combine(dataFolder, CanonicalTables.DistrictsGeoJson);
            if (File.Exists(polygons))
            {
                File.Copy(polygons, Path.Combine(part, CanonicalTables.DistrictsGeoJson), overwrite: true);
            }

            var file = $"read_parquet({Sql.Literal(DataFolder.TablePath(part, CanonicalTables.Calls))})";
            stored.Add(session.ScalarLong($"SELECT count(*) FROM {file}"));
            owned.Add(session.ScalarLong($"SELECT count(*) FROM {file} WHERE {spec.Owns("caller_id")}"));
            subscribers.Add(session.ScalarLong($"SELECT count(*) FROM read_parquet({Sql.Literal(DataFolder.TablePath(part, CanonicalTables.Subscribers))})"));
        }

        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var layout = new PartitionLayout
        {
            Partitions = count,
            Calls = calls,
            CallsStored = stored,
            CallsOwned = owned,
            Subscribers = subscribers,
            FirstCall = range.Item1,
            LastCall = range.Item2,
            Inputs = inputs,
        };
        AtomicFile.WriteAllText(Path.Combine(outputFolder, PartitionLayout.FileName), JsonSerializer.Serialize(layout, Manifest.JsonOptions) + "\n");
        progress.Step(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed.TotalSeconds:F1} s"), 1.0);
        return layout;
    }
}
