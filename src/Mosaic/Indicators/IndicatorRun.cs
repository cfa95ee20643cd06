using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Mosaic.Runs;

namespace Mosaic.Indicators;

/// <summary>
/// <c>mosaic indicators</c>: bandicoot-compatible individual indicators for every user of a
/// bandicoot records folder. Users are read and computed in parallel, in batches, and written in
/// ordinal order of their names, so the output is byte-identical whatever the thread count.
/// </summary>
/// <remarks>
/// The output holds one row per user keyed by the user's name, as bandicoot's: it is an
/// individual-level intermediate for the researcher's own pipeline, never a publishable table.
/// Error messages name the records folder and a file's position in it, never a user's name.
/// </remarks>
public static class IndicatorRun
{
    /// <summary>Computes and writes the indicators; returns counts and timings.</summary>
    public static IndicatorResult Run(IndicatorRequest request, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Validate();
        var total = Stopwatch.StartNew();
        if (!Directory.Exists(request.RecordsFolder))
        {
            throw new MosaicInputException(request.RecordsFolder, null, "records folder not found");
        }

        var json = request.OutPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (!json && !request.OutPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            throw new MosaicInputException(request.OutPath, null, "output must end in .json or .csv");
        }

        if (request.AttributesFolder is not null && !Directory.Exists(request.AttributesFolder))
        {
            throw new MosaicInputException(request.AttributesFolder, null, "attributes folder not found");
        }

        if (request.RechargesFolder is not null && !Directory.Exists(request.RechargesFolder))
        {
            throw new MosaicInputException(request.RechargesFolder, null, "recharges folder not found");
        }

        progress.Step("reading antennas");
        var antennas = BandicootReader.ReadAntennas(request.AntennasPath);
        var users = ListUsers(request);
        var schema = new IndicatorSchema(request.Options);
        var attributes = ReadAttributes(request, users);
        var attributeKeys = attributes.SelectMany(a => a ?? []).Select(a => a.Key).Distinct(StringComparer.Ordinal).ToArray();
        var rechargeKeys = request.RechargesFolder is null ? [] : RechargeIndicators.Keys(schema, schema.CellNames);
        var context = new OutputContext(request, schema, antennas.Count, attributeKeys, rechargeKeys);

        long read = 0, ignored = 0;
        var computeSeconds = 0.0;
        var batch = request.Options.BatchSize;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = request.Options.Threads ?? Environment.ProcessorCount };
        using (var writer = new IndicatorWriter(request.OutPath, json, context))
        {
            // Batch k is appended to the file while batch k+1 is computed.
            Task? appending = null;
            var buffers = new BufferPool();
            try
            {
                for (var first = 0; first < users.Count; first += batch)
                {
                    var count = Math.Min(batch, users.Count - first);
                    var rendered = new RenderedRow[count];
                    var clock = Stopwatch.StartNew();
                    try
                    {
                        Parallel.For(
                        0,
                        count,
                        parallel,
                        () => new Worker(schema),
                        (i, _, worker) =>
                        {
                            var index = first + i;
                            var row = ComputeUser(request, users, index, antennas, attributes, schema, rechargeKeys, worker.Calculator);
                            var bytes = writer.Render(row, worker.Renderer);
                            var copy = buffers.Rent(bytes.Length);
                            bytes.CopyTo(copy);
                            rendered[i] = new RenderedRow(copy, bytes.Length, row.RecordsRead, row.Report.Ignored.All);
                            return worker;
                        },
                        worker => worker.Renderer.Dispose());
                    }
                    catch (AggregateException e) when (e.Flatten().InnerExceptions.OfType<MosaicInputException>().Any())
                    {
                        // Report the input error itself (the first by message, so the choice does not depend on scheduling).
                        throw e.Flatten().InnerExceptions.OfType<MosaicInputException>().OrderBy(x => x.Message, StringComparer.Ordinal).First();
                    }

                    computeSeconds += clock.Elapsed.TotalSeconds;
                    foreach (var row in rendered)
                    {
                        read += row.RecordsRead;
                        ignored += row.Ignored;
                    }

                    appending?.GetAwaiter().GetResult();
                    appending = Task.Run(() => Append(writer, rendered, buffers));
                    progress.Step("computing indicators", (double)(first + count) / users.Count);
                }

                appending?.GetAwaiter().GetResult();
            }
            finally
            {
                // On failure, let a running append finish before the writer is disposed (its own error is moot then).
                ((IAsyncResult?)appending)?.AsyncWaitHandle.WaitOne();
            }

            writer.Commit();
        }

        var result = new IndicatorResult(users.Count, read, ignored, schema.Keys.Length, computeSeconds, total.Elapsed.TotalSeconds);
        WriteManifest(request, result);
        return result;
    }

    private static UserRow ComputeUser(
        IndicatorRequest request,
        List<(string Name, string Path)> users,
        int index,
        Dictionary<string, (double Lat, double Lon)> antennas,
        List<KeyValuePair<string, string>>?[] attributes,
        IndicatorSchema schema,
        string[] rechargeKeys,
        IndicatorCalculator calculator)
    {
        var (name, path) = users[index];
        BandicootUser user;
        try
        {
            user = BandicootReader.ReadUser(path, name, antennas, request.Options.Format);
        }
        catch (MosaicInputException e)
        {
            // Say which file by its position in the folder: the file name is a user identifier.
            throw new MosaicInputException($"{request.RecordsFolder} (records file {index + 1} of {users.Count}{LineOf(e)}): {Reason(e)}");
        }

        var network = request.Options.Network
            ? NetworkFilter.Apply(user, request.RecordsFolder, antennas, request.Options.Format, attributes[index], request.AttributesFolder)
            : null;
        var values = new double[schema.Keys.Length];
        calculator.Compute(user, values);
        var report = UserReport.Of(user, calculator.Home >= 0, request.Options.GroupBy, network);
        var recharges = request.RechargesFolder is null ? null : BandicootReader.ReadRecharges(Path.Combine(request.RechargesFolder, name + ".csv"));
        double[]? rechargeValues = null;
        if (recharges is { Count: > 0 })
        {
            rechargeValues = new double[rechargeKeys.Length];
            RechargeIndicators.Compute(schema, recharges, rechargeValues);
        }

        return new UserRow(name, values, report with { NumberOfRecharges = recharges?.Count ?? 0 }, user.RecordsRead, attributes[index], rechargeValues);
    }

    private static void Append(IndicatorWriter writer, RenderedRow[] rows, BufferPool buffers)
    {
        foreach (var row in rows)
        {
            writer.Append(row.Bytes.AsSpan(0, row.Length));
            buffers.Return(row.Bytes);
        }
    }

    /// <summary>
    /// Recycles the rendered rows' arrays between batches: rows of one run have similar sizes, so
    /// after the first two batches rendering allocates nothing (large rows would otherwise churn
    /// the large-object heap).
    /// </summary>
    private sealed class BufferPool
    {
        private readonly ConcurrentQueue<byte[]> free = new();

        public byte[] Rent(int length)
        {
            if (free.TryDequeue(out var array))
            {
                if (array.Length >= length)
                {
                    return array;
                }
            }

            return GC.AllocateUninitializedArray<byte>(Math.Max(length, (int)Math.Min(Array.MaxLength, length + (length / 4L))));
        }

        public void Return(byte[] array) => free.Enqueue(array);
    }

    /// <summary>One worker thread's reusable state.</summary>
    private sealed class Worker(IndicatorSchema schema)
    {
        public IndicatorCalculator Calculator { get; } = new(schema);

        public RowRenderer Renderer { get; } = new();
    }

    /// <summary>A user's rendered output (in a pooled array) and the counts the run totals.</summary>
    private readonly record struct RenderedRow(byte[] Bytes, int Length, long RecordsRead, long Ignored);

    private static string LineOf(MosaicInputException e) => e.Line is null ? "" : $", line {e.Line}";

    private static string Reason(MosaicInputException e)
    {
        var message = e.Message;
        if (e.File is not null)
        {
            var prefix = e.Line is null ? $"{e.File}: " : $"{e.File}:{e.Line}: ";
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                return message[prefix.Length..];
            }
        }

        return message;
    }

    private static List<(string Name, string Path)> ListUsers(IndicatorRequest request)
    {
        var antennasFull = Path.GetFullPath(request.AntennasPath);
        var files = Directory.EnumerateFiles(request.RecordsFolder, "*.csv")
            .Where(f => !string.Equals(Path.GetFullPath(f), antennasFull, StringComparison.Ordinal))
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Path: f))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        if (request.Users.Count == 0)
        {
            return files;
        }

        var byName = files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var selected = new List<(string, string)>();
        foreach (var name in request.Users.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!byName.TryGetValue(name, out var file))
            {
                throw new MosaicInputException(request.RecordsFolder, null, $"no records file for one of the {request.Users.Count} requested users (--user)");
            }

            selected.Add(file);
        }

        return selected;
    }

    private static List<KeyValuePair<string, string>>?[] ReadAttributes(IndicatorRequest request, List<(string Name, string Path)> users)
    {
        var result = new List<KeyValuePair<string, string>>?[users.Count];
        if (request.AttributesFolder is not null)
        {
            for (var i = 0; i < users.Count; i++)
            {
                result[i] = BandicootReader.ReadAttributes(Path.Combine(request.AttributesFolder, users[i].Name + ".csv"));
            }
        }

        return result;
    }

    private static void WriteManifest(IndicatorRequest request, IndicatorResult result)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(request.OutPath))!;
        var o = request.Options;
        new Manifest
        {
            Stage = "indicators",
            Parameters = new Dictionary<string, string>
            {
                ["records"] = request.RecordsFolder,
                ["antennas"] = request.AntennasPath,
                ["attributes"] = request.AttributesFolder ?? "",
                ["recharges"] = request.RechargesFolder ?? "",
                ["out"] = request.OutPath,
                ["format"] = o.Format.ToString().ToLowerInvariant(),
                ["groupby"] = o.GroupBy == IndicatorGrouping.Week ? "week" : "none",
                ["summary"] = o.Summary.ToString().ToLowerInvariant(),
                ["split_week"] = Manifest.Format(o.SplitWeek),
                ["split_day"] = Manifest.Format(o.SplitDay),
                ["network"] = Manifest.Format(o.Network),
                ["users_selected"] = Manifest.Format(request.Users.Count),
                ["semantics"] = "bandicoot 0.6",
            },
            Inputs = [InputFile.Of(request.AntennasPath)],
            Counts = new Dictionary<string, long>
            {
                ["users"] = result.Users,
                ["records_read"] = result.RecordsRead,
                ["records_ignored"] = result.RecordsIgnored,
                ["keys_per_user"] = result.Keys,
            },
            TimingsSeconds = new Dictionary<string, double> { ["compute"] = Math.Round(result.Seconds, 3) },
            FinishedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        }.WriteTo(folder);
    }
}

/// <summary>One user's computed output.</summary>
internal sealed record UserRow(string Name, double[] Values, UserReport Report, long RecordsRead, List<KeyValuePair<string, string>>? Attributes, double[]? RechargeValues = null);
