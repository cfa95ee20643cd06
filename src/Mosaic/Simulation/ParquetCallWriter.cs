using Mosaic.Data;
using Parquet;
using Parquet.Schema;

namespace Mosaic.Simulation;

/// <summary>
/// Streams call blocks straight into <c>calls.parquet</c> with Parquet.Net, one row group per
/// block, written under a temporary name and renamed when complete. Memory is bounded by the
/// blocks in flight. Timestamps are INT64 microseconds, not adjusted to UTC (DuckDB reads
/// them as TIMESTAMP, local wall clock); cells are nullable INTEGER as the canonical schema says.
/// </summary>
internal sealed class ParquetCallWriter : ICallWriter
{
    private static readonly DataField<long> Caller = new("caller_id", false);
    private static readonly DataField<long> Callee = new("callee_id", false);
    private static readonly DateTimeDataField Start = new("start_time", DateTimeFormat.DateAndTime, isAdjustedToUTC: false, isNullable: false);
    private static readonly DataField<int> Duration = new("duration_s", false);
    private static readonly DataField<string> Kind = new("kind", false);
    private static readonly DataField<int?> CallerCell = new("caller_cell", true);
    private static readonly DataField<int?> CalleeCell = new("callee_cell", true);
    private static readonly ParquetSchema Schema = new(Caller, Callee, Start, Duration, Kind, CallerCell, CalleeCell);

    private readonly string finalPath;
    private readonly string tempPath;
    private readonly FileStream stream;
    private readonly ParquetWriter writer;
    private bool completed;

    public ParquetCallWriter(string finalPath)
    {
        this.finalPath = Path.GetFullPath(finalPath);
        tempPath = AtomicFile.TempPathFor(this.finalPath);
        stream = new FileStream(tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd, CompressionLevel = System.IO.Compression.CompressionLevel.Fastest };
        writer = ParquetWriter.CreateAsync(Schema, stream, options).GetAwaiter().GetResult();
    }

    public long Rows { get; private set; }

    public void Append(CallBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var n = buffer.Count;
        if (n == 0)
        {
            return;
        }

        var kinds = new string[n];
        var callerCells = new int?[n];
        var calleeCells = new int?[n];
        for (var r = 0; r < n; r++)
        {
            kinds[r] = buffer.IsText[r] ? "text" : "call";
            // A negative index marks an unknown cell (ingest of an empty cell field); the simulator never writes one.
            callerCells[r] = buffer.CallerCell[r] < 0 ? null : buffer.CallerCell[r] + 1;
            calleeCells[r] = buffer.CalleeCell[r] < 0 ? null : buffer.CalleeCell[r] + 1;
        }

        using var group = writer.CreateRowGroup();
        group.WriteAsync<long>(Caller, (ReadOnlyMemory<long>)buffer.Caller.AsMemory(0, n)).GetAwaiter().GetResult();
        group.WriteAsync<long>(Callee, (ReadOnlyMemory<long>)buffer.Callee.AsMemory(0, n)).GetAwaiter().GetResult();
        group.WriteAsync<DateTime>(Start, (ReadOnlyMemory<DateTime>)buffer.Start.AsMemory(0, n)).GetAwaiter().GetResult();
        group.WriteAsync<int>(Duration, (ReadOnlyMemory<int>)buffer.Duration.AsMemory(0, n)).GetAwaiter().GetResult();
        group.WriteAsync(Kind, kinds).GetAwaiter().GetResult();
        group.WriteAsync<int>(CallerCell, (ReadOnlyMemory<int?>)callerCells.AsMemory()).GetAwaiter().GetResult();
        group.WriteAsync<int>(CalleeCell, (ReadOnlyMemory<int?>)calleeCells.AsMemory()).GetAwaiter().GetResult();
        group.CompleteValidate();
        Rows += n;
    }

    public void Complete()
    {
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        stream.Dispose();
        File.Move(tempPath, finalPath, overwrite: true);
        completed = true;
    }

    public void Dispose()
    {
        if (!completed)
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            stream.Dispose();
            File.Delete(tempPath);
        }
    }
}
