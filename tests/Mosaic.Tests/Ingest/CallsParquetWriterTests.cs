using System.Globalization;
using Mosaic.Data;
using Mosaic.Ingest;
using Parquet;
using Parquet.Schema;

namespace Mosaic.Tests.Ingest;

/// <summary>
/// The fast path's own <c>calls.parquet</c> writer, read back by two independent readers
/// (DuckDB and Parquet.Net): same rows in the written order, nulls, kinds, timestamps and
/// several row groups, compressed or not.
/// </summary>
public class CallsParquetWriterTests
{
    private static CallColumns Sample(int rows, int seed)
    {
        var random = new Random(seed);
        var start = new DateTime(2026, 1, 1).Ticks;
        var order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        return new CallColumns(
            order,
            Enumerable.Range(0, rows).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
            Enumerable.Range(0, rows).Select(i => i % 7 == 0 ? long.MaxValue - i : random.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
            Enumerable.Range(0, rows).Select(_ => start + (random.Next(-100_000, 100_000) * TimeSpan.TicksPerSecond)).ToArray(),
            Enumerable.Range(0, rows).Select(_ => random.Next(0, 86_400)).ToArray(),
            Enumerable.Range(0, rows).Select(_ => random.Next(3) == 0).ToArray(),
            Enumerable.Range(0, rows).Select(_ => random.Next(5) == 0 ? -1 : random.Next(1, 2000)).ToArray(),
            Enumerable.Range(0, rows).Select(_ => random.Next(1, 2000)).ToArray());
    }

    private static List<string> Expected(CallColumns c) => c.Order.Select(r => string.Join('|',
        c.Caller[r].ToString(CultureInfo.InvariantCulture), c.Callee[r].ToString(CultureInfo.InvariantCulture),
        new DateTime(c.Ticks[r]).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), c.Duration[r].ToString(CultureInfo.InvariantCulture),
        c.IsText[r] ? "text" : "call", c.CallerCell[r] < 0 ? "null" : c.CallerCell[r].ToString(CultureInfo.InvariantCulture),
        c.CalleeCell[r] < 0 ? "null" : c.CalleeCell[r].ToString(CultureInfo.InvariantCulture))).ToList();

    private static string Text(object? value) => value switch
    {
        null => "null",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Write_ReadBackByDuckDbAndParquetNet_SameRowsInOrder(bool compress)
    {
        using var dir = new TempFolder();
        var columns = Sample(2500, seed: compress ? 3 : 4);
        var path = dir.File("calls.parquet");
        CallsParquetWriter.Write(path, columns, rowGroupRows: 1000, threads: 2, compress);
        var expected = Expected(columns);

        using (var session = new DuckDbSession())
        {
            var types = session.Query($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({Sql.Literal(path)}))", r => $"{r.GetString(0)} {r.GetString(1)}");
            Assert.Equal(["caller_id BIGINT", "callee_id BIGINT", "start_time TIMESTAMP", "duration_s INTEGER", "kind VARCHAR", "caller_cell INTEGER", "callee_cell INTEGER"], types);
            var rows = session.Query($"SELECT * FROM read_parquet({Sql.Literal(path)})", r => string.Join('|', Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null" : Text(r.GetValue(i)))));
            Assert.Equal(expected, rows);
            // Statistics must agree with the data, or filters pushed into the scan would drop rows.
            var minTime = new DateTime(columns.Ticks.Min()).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            Assert.Equal(columns.Ticks.Count(t => t == columns.Ticks.Min()), session.ScalarLong($"SELECT count(*) FROM read_parquet({Sql.Literal(path)}) WHERE start_time = TIMESTAMP '{minTime}'"));
            Assert.Equal(columns.CallerCell.Count(c => c < 0), session.ScalarLong($"SELECT count(*) FROM read_parquet({Sql.Literal(path)}) WHERE caller_cell IS NULL"));
            Assert.Equal(columns.CallerCell.Count(c => c > 1500), session.ScalarLong($"SELECT count(*) FROM read_parquet({Sql.Literal(path)}) WHERE caller_cell > 1500"));
        }

        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(3, reader.RowGroupCount);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["caller_id", "callee_id", "start_time", "duration_s", "kind", "caller_cell", "callee_cell"], fields.Select(f => f.Name));
        var read = new List<string>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = (int)group.RowCount;
            long[] caller = new long[n], callee = new long[n];
            var start = new DateTime[n];
            var duration = new int[n];
            var kind = new string[n];
            int?[] callerCell = new int?[n], calleeCell = new int?[n];
            await group.ReadAsync<long>(fields[0], caller);
            await group.ReadAsync<long>(fields[1], callee);
            await group.ReadAsync<DateTime>(fields[2], start);
            await group.ReadAsync<int>(fields[3], duration);
            await group.ReadAsync(fields[4], kind);
            await group.ReadAsync<int>(fields[5], callerCell);
            await group.ReadAsync<int>(fields[6], calleeCell);
            for (var i = 0; i < n; i++)
            {
                read.Add(string.Join('|', Text(caller[i]), Text(callee[i]), Text(start[i]), Text(duration[i]), kind[i], Text(callerCell[i]), Text(calleeCell[i])));
            }
        }

        Assert.Equal(expected, read);
    }
}
