using BenchmarkDotNet.Attributes;
using Mosaic.Data;
using Mosaic.Integration;

namespace Mosaic.Benchmarks;

/// <summary>
/// The whole integration stage on a synthetic study: N subjects over 4 weeks (55% local, 40%
/// settled, 5% new, new migrants from week 2), every catalogue column, and 8 calls per subject
/// and week. Data are generated in DuckDB from hashes (no RNG state), so every run sees the same
/// bytes. Run: <c>dotnet run -c Release --project bench/Mosaic.Benchmarks -- --filter '*IntegrationStage*' --job Dry</c>.
/// </summary>
[MemoryDiagnoser]
public class IntegrationStageBenchmark
{
    private string root = "";

    /// <summary>Subjects in the features table.</summary>
    [Params(200_000)]
    public int Subscribers { get; set; }

    /// <summary>Writes the data folder and the features table once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        root = Path.Combine(Path.GetTempPath(), "mosaic-bench-integration", Subscribers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!File.Exists(IntegrationStage.FeaturesPath(Path.Combine(root, "run"))))
        {
            SyntheticIntegrationData.Write(Path.Combine(root, "data"), Path.Combine(root, "run"), Subscribers, callsPerWeek: 8);
        }
    }

    /// <summary>The stage, end to end (read, mixing, spatial, evolution, classification, write).</summary>
    [Benchmark]
    public IntegrationResult Run() => IntegrationStage.Run(new IntegrationOptions(), Path.Combine(root, "data"), Path.Combine(root, "run"));

    /// <summary>Removes the generated files, unless MOSAIC_BENCH_KEEP=1 (to time the CLI on them afterwards).</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(root) && Environment.GetEnvironmentVariable("MOSAIC_BENCH_KEEP") != "1")
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>Hash-based synthetic data for the integration benchmark (also usable from a script).</summary>
public static class SyntheticIntegrationData
{
    /// <summary>Writes <paramref name="dataFolder"/> (canonical tables) and <c>RUN/features/features.parquet</c>.</summary>
    public static void Write(string dataFolder, string runFolder, int subscribers, int callsPerWeek)
    {
        using var session = new DuckDbSession();
        foreach (var table in CanonicalTables.Required)
        {
            session.Execute(CanonicalTables.CreateStatement(table));
        }

        // u(i, salt): a uniform number in [0, 1) from a hash, independent of threads.
        const string U = "((hash({0}, {1}) % 1000000) / 1000000.0)";
        string Uniform(string key, string salt) => string.Format(System.Globalization.CultureInfo.InvariantCulture, U, key, salt);
        var n = subscribers;
        session.Execute($"""
            INSERT INTO districts SELECT d, 'district ' || d, 100000, 300 + d, NULL FROM range(1, 40) t(d);
            INSERT INTO cells SELECT c, 'cell' || c, 41 + c / 1000.0, 29 + c / 1000.0, 1 + c % 39 FROM range(1, 400) t(c);
            CREATE TABLE subjects AS
                SELECT i AS idx, 1000000 + i AS subscriber_id,
                       CASE WHEN i % 20 < 11 THEN 'local' WHEN i % 20 < 19 THEN 'settled' ELSE 'new' END AS grp
                FROM range({n}) t(i);
            INSERT INTO subscribers SELECT subscriber_id, CASE WHEN grp = 'local' THEN 'city' ELSE 'elsewhere' END, false, 30, 'F' FROM subjects;
            """);
        var columns = string.Join(",\n", FeatureCatalogue.Columns.Select((c, j) =>
            $"{Uniform("s.idx * 8 + w.week", j.ToString(System.Globalization.CultureInfo.InvariantCulture))} + CASE WHEN s.grp <> 'local' AND {j} % 5 = 0 THEN 0.2 ELSE 0 END AS {c.Column}"));
        session.Execute($"""
            CREATE TABLE features AS
            SELECT s.subscriber_id, w.week::INTEGER AS week, s.grp AS "group", false AS is_refugee,
                   (1 + hash(s.idx, 'home') % 39)::INTEGER AS home_district, (1 + hash(s.idx, 'work') % 39)::INTEGER AS work_district,
                   {columns}
            FROM subjects s CROSS JOIN range(1, 5) w(week)
            WHERE s.grp <> 'new' OR w.week >= 2;
            INSERT INTO calls
            SELECT s.subscriber_id,
                   CASE WHEN {Uniform("c.i", "'unknown'")} < 0.1 THEN 9000000000 + hash(c.i) % 100000
                        ELSE 1000000 + hash(c.i, 'callee') % {n} END,
                   TIMESTAMP '2026-09-07 00:00:00' + to_seconds((w.week - 1) * 604800 + 60 + hash(c.i, 'time') % 604000),
                   (hash(c.i, 'duration') % 600)::INTEGER, 'call', (1 + hash(c.i, 'cell') % 399)::INTEGER, NULL
            FROM subjects s CROSS JOIN range(1, 5) w(week) CROSS JOIN range({callsPerWeek}) k(j)
            CROSS JOIN LATERAL (SELECT (s.idx * 8 + w.week) * {callsPerWeek} + k.j AS i) c
            WHERE s.grp <> 'new' OR w.week >= 2;
            """);
        DataFolder.Write(session, dataFolder);
        Directory.CreateDirectory(Path.Combine(runFolder, "features"));
        session.CopyToParquet("SELECT * FROM features ORDER BY subscriber_id, week", IntegrationStage.FeaturesPath(runFolder));
    }
}
