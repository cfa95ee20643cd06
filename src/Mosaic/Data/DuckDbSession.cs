using System.Globalization;
using DuckDB.NET.Data;

namespace Mosaic.Data;

/// <summary>Resource settings passed to DuckDB.</summary>
/// <param name="Threads">Worker threads; null lets DuckDB use every core.</param>
/// <param name="MemoryLimit">DuckDB's <c>memory_limit</c>, e.g. <c>8GB</c>; null keeps its default (80% of RAM).</param>
/// <param name="TempDirectory">Where DuckDB spills when a query exceeds memory; null keeps its default.</param>
public sealed record EngineOptions(int? Threads = null, string? MemoryLimit = null, string? TempDirectory = null)
{
    /// <summary>DuckDB's own defaults.</summary>
    public static EngineOptions Default { get; } = new();
}

/// <summary>
/// An embedded, in-memory DuckDB database: the relational engine of every stage.
/// Thin helpers keep SQL at call sites readable and every statement's failure attributable.
/// </summary>
public sealed class DuckDbSession : IDisposable
{
    private readonly DuckDBConnection connection;

    /// <summary>Opens a fresh in-memory database with the given resource settings.</summary>
    public DuckDbSession(EngineOptions? options = null)
    {
        options ??= EngineOptions.Default;
        connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        if (options.Threads is int threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(options));
            Execute($"SET threads = {threads.ToString(CultureInfo.InvariantCulture)}");
        }

        if (options.MemoryLimit is { } limit)
        {
            Execute($"SET memory_limit = {Sql.Literal(limit)}");
        }

        if (options.TempDirectory is { } temp)
        {
            Execute($"SET temp_directory = {Sql.Literal(temp)}");
        }

        // Results must not depend on scheduling: keep file order where a query relies on it.
        Execute("SET preserve_insertion_order = true");
    }

    /// <summary>The underlying connection, for appenders and readers.</summary>
    public DuckDBConnection Connection => connection;

    /// <summary>Runs one or more statements that return no rows.</summary>
    public void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a query and returns the first column of the first row (null when none).</summary>
    public object? Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>Runs a query that returns one integer.</summary>
    public long ScalarLong(string sql) => Convert.ToInt64(Scalar(sql) ?? 0L, CultureInfo.InvariantCulture);

    /// <summary>Runs a query and maps every row.</summary>
    public List<T> Query<T>(string sql, Func<DuckDBDataReader, T> map)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = (DuckDBDataReader)command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Copies a table or query to a Parquet file (zstd), atomically.</summary>
    public void CopyToParquet(string tableOrQuery, string path)
    {
        var source = tableOrQuery.Contains(' ', StringComparison.Ordinal) ? $"({tableOrQuery})" : tableOrQuery;
        AtomicFile.Write(path, temp => Execute(
            $"COPY {source} TO {Sql.Literal(temp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"));
    }

    /// <summary>Copies a table or query to a CSV file with a header, atomically.</summary>
    public void CopyToCsv(string tableOrQuery, string path)
    {
        var source = tableOrQuery.Contains(' ', StringComparison.Ordinal) ? $"({tableOrQuery})" : tableOrQuery;
        AtomicFile.Write(path, temp => Execute(
            $"COPY {source} TO {Sql.Literal(temp)} (FORMAT csv, HEADER true)"));
    }

    /// <inheritdoc />
    public void Dispose() => connection.Dispose();
}

/// <summary>SQL text helpers.</summary>
public static class Sql
{
    /// <summary>A single-quoted SQL string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A double-quoted SQL identifier.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
