using System.Text.RegularExpressions;
using Mosaic.Data;
using Mosaic.Tests.Cli;

namespace Mosaic.Tests.Trust;

/// <summary>
/// The tiny simulated city as an operator would deliver it: CSV files with phone-number-shaped
/// subscriber ids (<c>+90555</c> and seven digits), ingested with a key, then run end to end by
/// <c>mosaic run</c> twice, with one and with two engine threads, and k = 20. Standard output and
/// error of every command are kept as the logs.
/// </summary>
public sealed partial class IngestedCityRun : IDisposable
{
    public const int K = 20;
    private readonly TempFolder temp = new();

    public IngestedCityRun()
    {
        var simulated = temp.File("simulated");
        Logs.Add(Cli("simulate", "--preset", "tiny", "--seed", "7", "--out", simulated, "--threads", "1"));
        ExportAsOperatorCsv(simulated, temp.File("delivery"));
        var key = temp.Write("key.txt", IngestContract.Key);
        var delivery = temp.File("delivery");
        Logs.Add(Cli("ingest", "--calls", Path.Combine(delivery, "calls.csv"), "--subscribers", Path.Combine(delivery, "subscribers.csv"),
            "--cells", Path.Combine(delivery, "cells.csv"), "--districts", Path.Combine(delivery, "districts.csv"),
            "--geojson", Path.Combine(simulated, "districts.geojson"), "--key-file", key, "--out", Data, "--max-reject-rate", "1"));
        Logs.Add(Cli("run", "--data", Data, "--out", Run, "--min-cell", $"{K}", "--threads", "1"));
        Logs.Add(Cli("run", "--data", Data, "--out", RunTwoThreads, "--min-cell", $"{K}", "--threads", "2"));
        using var session = new DuckDbSession();
        RawIds = session.Query($"SELECT DISTINCT subscriber_id FROM read_csv({Sql.Literal(Path.Combine(delivery, "subscribers.csv"))}, all_varchar = true)",
            r => r.GetString(0)).ToHashSet();
        Pseudonyms = session.Query($"""
            SELECT subscriber_id FROM read_parquet({Sql.Literal(Path.Combine(Data, "subscribers.parquet"))})
            UNION SELECT caller_id FROM read_parquet({Sql.Literal(Path.Combine(Data, "calls.parquet"))})
            UNION SELECT callee_id FROM read_parquet({Sql.Literal(Path.Combine(Data, "calls.parquet"))})
            """, r => r.GetInt64(0)).ToHashSet();
    }

    public string Data => temp.File("data");

    public string Run => temp.File("run");

    public string RunTwoThreads => temp.File("run-2");

    /// <summary>Raw ids as delivered (<c>+90555…</c>).</summary>
    public HashSet<string> RawIds { get; }

    /// <summary>Every pseudonym in the ingested data.</summary>
    public HashSet<long> Pseudonyms { get; }

    /// <summary>Standard output and error of every command.</summary>
    public List<string> Logs { get; } = [];

    private static string Cli(params string[] args)
    {
        var (code, output, error) = CliAppTests.Run(args);
        Assert.True(code == 0, $"mosaic {args[0]}: {error}");
        return output + error;
    }

    /// <summary>Canonical tables back to the operator layout, with phone-number-shaped ids and cell codes.</summary>
    internal static void ExportAsOperatorCsv(string data, string folder)
    {
        Directory.CreateDirectory(folder);
        using var session = new DuckDbSession();
        DataFolder.Attach(session, data);
        string To(string name) => Sql.Literal(Path.Combine(folder, name));
        session.Execute($"""
            CREATE TEMP TABLE phone AS
            SELECT id, '+90555' || lpad(CAST(row_number() OVER (ORDER BY id) AS VARCHAR), 7, '0') AS raw
            FROM (SELECT subscriber_id AS id FROM subscribers UNION SELECT caller_id FROM calls UNION SELECT callee_id FROM calls);
            COPY (SELECT p.raw AS subscriber_id, birthplace, is_refugee, age, gender FROM subscribers s JOIN phone p ON p.id = s.subscriber_id ORDER BY 1)
              TO {To("subscribers.csv")} (HEADER);
            COPY (SELECT a.raw AS caller_id, b.raw AS callee_id, strftime(start_time, '%Y-%m-%d %H:%M:%S') AS start_time, duration_s, kind,
                         c1.cell_code AS caller_cell, c2.cell_code AS callee_cell
                  FROM calls c JOIN phone a ON a.id = c.caller_id JOIN phone b ON b.id = c.callee_id
                  LEFT JOIN cells c1 ON c1.cell_id = c.caller_cell LEFT JOIN cells c2 ON c2.cell_id = c.callee_cell
                  ORDER BY start_time, caller_id, callee_id)
              TO {To("calls.csv")} (HEADER);
            COPY (SELECT cell_code AS cell_id, lat, lon, district_id FROM cells ORDER BY cell_id) TO {To("cells.csv")} (HEADER);
            COPY (SELECT district_id, name, population, monthly_rent, refugee_population FROM districts ORDER BY district_id) TO {To("districts.csv")} (HEADER);
            """);
    }

    /// <summary>Runs of digits, with sign: a decimal pseudonym or the digits of a phone number.</summary>
    [GeneratedRegex("-?[0-9]+")]
    public static partial Regex Decimals();

    /// <summary>Exactly 16 hex digits: a pseudonym as written in file names and reject text.</summary>
    [GeneratedRegex("(?<![0-9a-fA-F])[0-9a-fA-F]{16}(?![0-9a-fA-F])")]
    public static partial Regex Hexadecimals();

    public void Dispose() => temp.Dispose();
}
