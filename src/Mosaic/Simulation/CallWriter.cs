using System.Globalization;
using DuckDB.NET.Data;
using Mosaic.Data;

namespace Mosaic.Simulation;

/// <summary>A sink for call blocks, written in the order given.</summary>
internal interface ICallWriter : IDisposable
{
    /// <summary>Rows written so far.</summary>
    long Rows { get; }

    /// <summary>Appends one block.</summary>
    void Append(CallBuffer buffer);

    /// <summary>Finishes the file (atomically).</summary>
    void Complete();
}

/// <summary>
/// Streams call blocks, in block order, into <c>calls.parquet</c> through a DuckDB appender and
/// a staging table. When the staging table holds <see cref="PartRows"/> rows it is written to a
/// part file and emptied, so memory stays bounded; at the end the parts are concatenated, in
/// order, into the final file (a single part is written there directly).
/// </summary>
internal sealed class DuckDbCallWriter : ICallWriter
{
    private const string Stage = "calls_stage";
    private readonly DuckDbSession session;
    private readonly string finalPath;
    private readonly string partsFolder;
    private readonly List<string> parts = [];
    private DuckDBAppender? appender;
    private long staged;

    public DuckDbCallWriter(DuckDbSession session, string finalPath, long partRows)
    {
        this.session = session;
        this.finalPath = finalPath;
        PartRows = partRows;
        partsFolder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(finalPath))!, $".calls-parts-{Environment.ProcessId}");
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Calls, Stage));
        appender = session.Connection.CreateAppender(Stage);
    }

    /// <summary>Rows per part file.</summary>
    public long PartRows { get; }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    public void Append(CallBuffer buffer)
    {
        var a = appender!;
        for (var r = 0; r < buffer.Count; r++)
        {
            a.CreateRow()
                .AppendValue(buffer.Caller[r])
                .AppendValue(buffer.Callee[r])
                .AppendValue(buffer.Start[r])
                .AppendValue(buffer.Duration[r])
                .AppendValue(buffer.IsText[r] ? "text" : "call")
                .AppendValue(buffer.CallerCell[r] + 1)
                .AppendValue(buffer.CalleeCell[r] + 1)
                .EndRow();
        }

        staged += buffer.Count;
        Rows += buffer.Count;
        if (staged >= PartRows)
        {
            FlushPart();
        }
    }

    private void FlushPart()
    {
        appender!.Close();
        appender.Dispose();
        Directory.CreateDirectory(partsFolder);
        var part = Path.Combine(partsFolder, $"part-{parts.Count.ToString("D5", CultureInfo.InvariantCulture)}.parquet");
        session.Execute($"COPY {Stage} TO {Sql.Literal(part)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)");
        parts.Add(part);
        session.Execute($"DELETE FROM {Stage}");
        staged = 0;
        appender = session.Connection.CreateAppender(Stage);
    }

    /// <summary>Writes the final file and removes the parts.</summary>
    public void Complete()
    {
        appender!.Close();
        appender.Dispose();
        appender = null;
        if (parts.Count == 0)
        {
            session.CopyToParquet(Stage, finalPath);
        }
        else
        {
            if (staged > 0)
            {
                appender = session.Connection.CreateAppender(Stage);
                FlushPart();
                appender.Close();
                appender.Dispose();
                appender = null;
            }

            var list = "[" + string.Join(", ", parts.Select(Sql.Literal)) + "]";
            session.CopyToParquet($"SELECT * FROM read_parquet({list})", finalPath);
        }

        session.Execute($"DROP TABLE {Stage}");
        DeleteParts();
    }

    private void DeleteParts()
    {
        if (Directory.Exists(partsFolder))
        {
            Directory.Delete(partsFolder, recursive: true);
        }
    }

    public void Dispose()
    {
        appender?.Dispose();
        DeleteParts();
    }
}
