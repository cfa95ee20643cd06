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

        var clock = Stopwatch.StartNew();
        var threads = request.Options.Threads ?? Environment.ProcessorCount;
        OrderedOutput.Totals totals;
        using (var writer = new IndicatorWriter(request.OutPath, json, context))
        {
            // Workers take users one at a time from a shared counter (no barrier between batches,
            // so every core stays busy to the end) and hand the rendered rows to the ordered
            // output, which writes them in user order. At most BatchSize users are ahead of the
            // output, which bounds memory.
            using var output = new OrderedOutput(request.Options.BatchSize, users.Count, writer.Append, progress);
            var next = -1;
            void Work()
            {
                try
                {
                    using var renderer = writer.CreateRenderer();
                    var calculator = new IndicatorCalculator(schema);
                    while (output.Enter())
                    {
                        var index = Interlocked.Increment(ref next);
                        if (index >= users.Count)
                        {
                            return;
                        }

                        RenderedRow rendered;
                        try
                        {
                            var row = ComputeUser(request, users, index, antennas, attributes, schema, rechargeKeys, calculator);
                            rendered = new RenderedRow(writer.Render(row, renderer), row.RecordsRead, row.Report.Ignored.All, null);
                        }
                        catch (MosaicInputException e)
                        {
                            rendered = new RenderedRow(default, 0, 0, e);
                        }

                        output.Put(index, rendered);
                    }
                }
                catch
                {
                    // A bug or an output failure (disk full...): the other workers must not wait for this one's slots.
                    output.Stop();
                    throw;
                }
            }

            var workers = new Task[threads];
            for (var t = 0; t < threads; t++)
            {
                // A worker must always run, to see the stop and end.
                workers[t] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            totals = output.WaitFor(workers);
            writer.Commit();
        }

        var computeSeconds = clock.Elapsed.TotalSeconds;
        var result = new IndicatorResult(users.Count, totals.RecordsRead, totals.RecordsIgnored, schema.Keys.Length, computeSeconds, total.Elapsed.TotalSeconds);
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

    /// <summary>A user's rendered output (in a pooled array) and the counts the run totals, or the user's input error.</summary>
    private readonly record struct RenderedRow(RenderedBytes Rendered, long RecordsRead, long Ignored, MosaicInputException? Error);

    /// <summary>Users between two progress reports.</summary>
    private const int ProgressEvery = 512;

    /// <summary>
    /// Writes the workers' rendered rows in user order, without a writer thread: the worker that
    /// puts the row the output is waiting for writes it, and every row after it that is already
    /// there, while the others carry on computing. (A writer thread woken for every user cost
    /// about a tenth of the run's CPU in futex calls and rescheduling interrupts.) A ring of
    /// <c>capacity</c> slots and a count of free slots that a worker takes before it takes a
    /// user bound memory: user i is only computed once user i − capacity has been written.
    /// </summary>
    private sealed class OrderedOutput(int capacity, int users, Action<RenderedBytes> append, IProgress<StageProgress>? progress) : IDisposable
    {
        private readonly RenderedRow[] rows = new RenderedRow[capacity];
        private readonly bool[] full = new bool[capacity];
        private readonly SemaphoreSlim free = new(capacity);
        private readonly CancellationTokenSource stop = new();
        private readonly Lock gate = new();
        private int next;
        private bool writing;
        private MosaicInputException? failure;
        private long recordsRead;
        private long recordsIgnored;

        /// <summary>Record counts over the users written.</summary>
        public readonly record struct Totals(long RecordsRead, long RecordsIgnored);

        /// <summary>Waits for a free slot; false once the run is stopped or every user is written.</summary>
        public bool Enter()
        {
            try
            {
                free.Wait(stop.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        /// <summary>Stores user <paramref name="index"/>'s row and, if it is the next one due and nobody is writing, writes what is ready.</summary>
        public void Put(int index, RenderedRow row)
        {
            lock (gate)
            {
                rows[index % capacity] = row;
                full[index % capacity] = true;
                if (writing || index != next)
                {
                    return;
                }

                writing = true;
            }

            WriteReady();
        }

        /// <summary>Waits for the workers; throws the first input error in user order, or a worker's exception.</summary>
        public Totals WaitFor(Task[] workers)
        {
            try
            {
                Task.WaitAll(workers);
            }
            catch (AggregateException)
            {
                workers.First(w => w.IsFaulted).GetAwaiter().GetResult();
            }

            if (failure is not null)
            {
                throw failure;
            }

            if (next != users)
            {
                throw new InvalidOperationException($"indicators: {next} of {users} users written"); // a bug, not bad input
            }

            return new Totals(recordsRead, recordsIgnored);
        }

        /// <summary>Stops the run: workers waiting for a slot give up.</summary>
        public void Stop() => stop.Cancel();

        public void Dispose()
        {
            free.Dispose();
            stop.Dispose();
        }

        private void WriteReady()
        {
            while (true)
            {
                RenderedRow row;
                int written;
                lock (gate)
                {
                    var slot = next % capacity;
                    if (!full[slot] || failure is not null)
                    {
                        writing = false;
                        return;
                    }

                    row = rows[slot];
                    rows[slot] = default;
                    full[slot] = false;
                    if (row.Error is not null)
                    {
                        // The first bad file in user order, whatever the thread count.
                        failure = row.Error;
                        writing = false;
                        stop.Cancel();
                        return;
                    }

                    // Taken: the next row is due, and only this thread writes until it clears the flag.
                    written = ++next;
                }

                append(row.Rendered);
                recordsRead += row.RecordsRead;
                recordsIgnored += row.Ignored;
                free.Release();
                if (written % ProgressEvery == 0 || written == users)
                {
                    progress.Step("computing indicators", (double)written / users);
                }

                if (written == users)
                {
                    // Workers that find no user left keep their slot, so the last ones may wait in Enter.
                    stop.Cancel();
                }
            }
        }
    }

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
