using System.Globalization;
using System.Text;
using Mosaic.Data;
using Mosaic.Ingest;

namespace Mosaic.Tests.Trust;

/// <summary>
/// Bounded fuzzing of <c>mosaic ingest</c>: valid call files mutated at random (fixed seeds) by
/// byte flips, truncation, line duplication, delimiter swaps, quote injection, huge fields,
/// invalid UTF-8, stray CR and NUL bytes; every case must obey <see cref="IngestContract"/>.
/// Files whose header still reads and whose body DuckDB's CSV reader can parse are ingested a
/// batch at a time (one report line per file, so reconciliation is still checked per file); the
/// others (about one in six) are ingested alone and must fail cleanly. An ingest costs about the
/// same for 1 file as for 100 (the DuckDB session and reference tables dominate), so sorting
/// the files first saves most of the ingests that halving failed batches used to cost.
/// MOSAIC_FUZZ_CASES sets the number of cases per seed (default 1,000, two seeds: 2,000 cases;
/// set it lower while iterating).
/// </summary>
public class IngestFuzzTests
{
    private const int BatchSize = 100;
    private static readonly string[] Ids = ["+905551234567", "+905559876543", "+905550000001", "905551112233", "0555 123 45 67", "a", "b"];

    private static int CasesPerSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("MOSAIC_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 1000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Ingest_MutatedCallFiles_ExitCleanlyAndReconcile(int seed)
    {
        var rng = new Random(seed);
        using var dir = new TempFolder();
        using var probe = new DuckDbSession(new EngineOptions(Threads: 1));
        var key = dir.Write("key.txt", IngestContract.Key);
        var batch = new List<string>();
        var alone = 0;
        for (var i = 0; i < CasesPerSeed; i++)
        {
            var path = dir.File($"seed{seed}-case{i}.csv");
            File.WriteAllBytes(path, Mutate(Valid(rng), rng));
            if (!HeaderReads(path))
            {
                RunAlone(key, dir, path);
                alone++;
            }
            else if (!CsvReaderParses(probe, path, i))
            {
                RunAlone(key, dir, path);
            }
            else
            {
                batch.Add(path);
            }

            if (batch.Count == BatchSize || (i == CasesPerSeed - 1 && batch.Count > 0))
            {
                RunBatch(key, dir, batch);
                batch.Clear();
            }
        }

        // The mutations must leave most headers readable, or the body parser is barely exercised.
        Assert.InRange(alone, 0, CasesPerSeed / 2);
    }

    private static void RunBatch(string key, TempFolder dir, List<string> files)
    {
        var output = dir.File($"out-{Guid.NewGuid():N}");
        var (code, error) = IngestContract.IngestCalls(key, output, files);
        if (code == 2)
        {
            // Some file of the batch is unreadable as a whole (the probe missed it): the batch must
            // fail cleanly, and each file that fails must do so alone, cleanly. Set aside the files
            // the error names, or else halve the batch, and ingest the rest again.
            IngestContract.Check(files.Count == 1 ? Path.GetFileName(files[0]) : $"failed batch from {files[0]}", code, error, output);
            if (files.Count == 1)
            {
                return;
            }

            var named = files.Where(f => IngestContract.Messages(error).Contains(f, StringComparison.Ordinal)).ToList();
            foreach (var file in named)
            {
                RunAlone(key, dir, file);
            }

            var rest = files.Except(named).ToList();
            if (named.Count > 0 && rest.Count > 0)
            {
                RunBatch(key, dir, rest);
            }
            else if (named.Count == 0)
            {
                RunBatch(key, dir, files[..(files.Count / 2)]);
                RunBatch(key, dir, files[(files.Count / 2)..]);
            }

            return;
        }

        IngestContract.Check($"batch from {files[0]}", code, error, output);
        Assert.Equal(0, code);
        Directory.Delete(output, recursive: true);
    }

    private static void RunAlone(string key, TempFolder dir, string file)
    {
        var output = dir.File($"out-{Guid.NewGuid():N}");
        var (code, error) = IngestContract.IngestCalls(key, output, [file]);
        IngestContract.Check(Path.GetFileName(file), code, error, output);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>
    /// Whether DuckDB's CSV reader, as the ingest calls it, parses the whole file: a file it cannot
    /// parse fails every ingest it is in. Only routing: a wrong guess costs an ingest, never a check.
    /// </summary>
    private static bool CsvReaderParses(DuckDbSession probe, string path, int index)
    {
        var csv = CsvFile.Open(path);
        try
        {
            csv.Load(probe, $"CREATE OR REPLACE TEMP TABLE probe AS SELECT * FROM {csv.ReadCsvSql($"rejects_{index}", $"scans_{index}")}");
            return true;
        }
        catch (MosaicInputException)
        {
            return false;
        }
    }

    private static bool HeaderReads(string path)
    {
        try
        {
            CsvFile.Open(path).Require(["caller_id", "callee_id", "start_time", "duration_s"]);
            return true;
        }
        catch (MosaicInputException)
        {
            return false;
        }
    }

    /// <summary>A valid call file of 5 to 30 rows; line ends, BOM, quoting and optional columns vary.</summary>
    private static byte[] Valid(Random rng)
    {
        var newline = rng.Next(4) == 0 ? "\r\n" : "\n";
        var text = new StringBuilder(rng.Next(5) == 0 ? "\uFEFF" : "");
        text.Append("caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell").Append(newline);
        var rows = rng.Next(5, 31);
        for (var r = 0; r < rows; r++)
        {
            var caller = Ids[rng.Next(Ids.Length)];
            var callee = Ids[rng.Next(Ids.Length)];
            var text0 = rng.Next(4) == 0;
            var time = new DateTime(2026, 1, 1, 0, 0, 0).AddSeconds(rng.Next(0, 60 * 86_400));
            var stamp = time.ToString(rng.Next(3) == 0 ? "yyyy-MM-ddTHH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var duration = text0 ? "" : rng.Next(0, 3600).ToString(CultureInfo.InvariantCulture);
            var quote = rng.Next(6) == 0 ? "\"" : "";
            text.Append(CultureInfo.InvariantCulture, $"{quote}{caller}{quote},{callee},{stamp},{duration},{(text0 ? "text" : "call")},C{rng.Next(1, 3)},{(rng.Next(5) == 0 ? "" : $"C{rng.Next(1, 3)}")}")
                .Append(newline);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>One to three mutations; most spare the header so that the body parser is reached.</summary>
    private static byte[] Mutate(byte[] input, Random rng)
    {
        var bytes = new List<byte>(input);
        var headerEnd = Math.Max(1, bytes.IndexOf((byte)'\n') + 1);
        var count = rng.Next(1, 4);
        for (var m = 0; m < count; m++)
        {
            var from = rng.Next(6) == 0 ? 0 : Math.Min(headerEnd, bytes.Count);
            int At() => bytes.Count <= from ? bytes.Count : rng.Next(from, bytes.Count + 1);
            switch (rng.Next(10))
            {
                case 0: // byte flips
                    for (var k = rng.Next(1, 6); k > 0 && bytes.Count > from; k--)
                    {
                        bytes[rng.Next(from, bytes.Count)] = (byte)rng.Next(256);
                    }

                    break;
                case 1: // truncation
                    var cut = At();
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    break;
                case 2: // line duplication
                    var lines = Lines(bytes);
                    var (start, length) = lines[rng.Next(lines.Count)];
                    var line = bytes.GetRange(start, length);
                    bytes.InsertRange(Math.Min(start + length, bytes.Count), Enumerable.Repeat(line, rng.Next(1, 4)).SelectMany(l => l));
                    break;
                case 3: // delimiter swaps
                    var swap = (byte)";\t|,"[rng.Next(4)];
                    for (var i = from; i < bytes.Count; i++)
                    {
                        if (bytes[i] == ',' && rng.Next(3) == 0)
                        {
                            bytes[i] = swap;
                        }
                    }

                    break;
                case 4: // quote injection
                    for (var k = rng.Next(1, 4); k > 0; k--)
                    {
                        bytes.Insert(At(), (byte)'"');
                    }

                    break;
                case 5: // huge field: mostly below the 1 MiB line limit, sometimes above
                    var size = rng.Next(40) == 0 ? (1 << 20) + rng.Next(1000) : rng.Next(1_000, 100_000);
                    bytes.InsertRange(At(), Enumerable.Repeat((byte)"9x,\""[rng.Next(4) == 0 ? rng.Next(4) : 0], size));
                    break;
                case 6: // invalid UTF-8
                    byte[][] invalid = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0xBC], [0xC0, 0xAF], [0xED, 0xA0, 0x80]];
                    bytes.InsertRange(At(), invalid[rng.Next(invalid.Length)]);
                    break;
                case 7: // stray CR or NUL
                    bytes.Insert(At(), rng.Next(2) == 0 ? (byte)'\r' : (byte)0);
                    break;
                case 8: // a line removed, or an empty one added
                    var all = Lines(bytes);
                    var pick = all[rng.Next(all.Count)];
                    if (rng.Next(2) == 0 && pick.Start >= from)
                    {
                        bytes.RemoveRange(pick.Start, pick.Length);
                    }
                    else
                    {
                        bytes.Insert(Math.Min(pick.Start + pick.Length, bytes.Count), (byte)'\n');
                    }

                    break;
                default: // a field replaced by a hostile value
                    string[] hostile = ["-1", "1e999", "NaN", "99999999999999999999", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "", " ", "\"\"", "call\ntext", "C99", "'; DROP TABLE calls; --"];
                    var target = bytes.IndexOf((byte)',', At() >= bytes.Count ? Math.Max(0, bytes.Count - 1) : At());
                    if (target >= 0)
                    {
                        bytes.InsertRange(target + 1, Encoding.UTF8.GetBytes(hostile[rng.Next(hostile.Length)] + ","));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static List<(int Start, int Length)> Lines(List<byte> bytes)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] == '\n')
            {
                lines.Add((start, i + 1 - start));
                start = i + 1;
            }
        }

        if (start < bytes.Count || lines.Count == 0)
        {
            lines.Add((start, bytes.Count - start));
        }

        return lines;
    }
}
