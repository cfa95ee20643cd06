using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Geography;
using Mosaic.Privacy;
using Mosaic.Runs;

namespace Mosaic.Ingest;

/// <summary>
/// <c>mosaic ingest</c>: validates the user's files, accounts for every row, pseudonymises
/// subscriber ids, assigns cells to districts and writes the canonical tables. Rows are
/// rejected (with file, line and reason), never repaired; above the maximum reject rate
/// nothing canonical is written and the stage fails as bad input.
/// </summary>
public static class IngestStage
{
    /// <summary>Report file name in the output folder.</summary>
    public const string ReportFile = "ingest_report.json";

    /// <summary>Rejected rows file name in the output folder.</summary>
    public const string RejectsFile = "rejects.parquet";

    /// <summary>Runs the ingest. Throws <see cref="MosaicInputException"/> for bad input (exit code 2).</summary>
    public static IngestReport Run(IngestOptions options, IProgress<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        void Lap(string step)
        {
            timings[step] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            clock.Restart();
        }

        // The manifest's input hashes read every input once more: done beside the stage, where a
        // core is idle (DuckDB's single-threaded steps, the sort), instead of after it.
        var inputs = Task.Run(() => HashInputs(options));
        using var session = new DuckDbSession(options.Engine);
        session.Execute($"SET VARIABLE max_duration = {options.MaxDurationSeconds.ToString(CultureInfo.InvariantCulture)}");
        var ledger = new RejectLedger(session);
        var warnings = new List<string>();
        using var ephemeral = options.Pseudonymizer is null && options.Format != CallFormat.D4r && !options.KeepIdentifiers ? Pseudonymizer.WithRandomKey() : null;
        var pseudonymizer = options.Pseudonymizer ?? ephemeral;
        if (ephemeral is not null)
        {
            warnings.Add("no pseudonymisation key was given (--key-file or MOSAIC_PSEUDONYM_KEY): a random key was used, so these pseudonyms will not match another ingest");
        }

        progress.Step("districts");
        var polygons = LoadDistricts(session, options, ledger, warnings, out var districtsWithoutPolygon);
        progress.Step("cells");
        var knownCells = LoadKnownCells(session, options, ledger);
        Lap("reference_tables");

        var isSiteTraffic = options.Format == CallFormat.D4r;
        FastCallStaging? fast = null;
        if (isSiteTraffic)
        {
            SiteTrafficStaging.Stage(session, options, ledger, knownCells, progress);
        }
        else
        {
            fast = StageCalls(session, options, ledger, knownCells, pseudonymizer, progress);
        }

        Lap(fast is null ? "calls_staging" : "calls_staging_fast");
        progress.Step("accounting for rejected rows");
        ledger.Conceal(pseudonymizer);
        var callFiles = ledger.Files.Where(f => f.Table is CanonicalTables.Calls or CanonicalTables.SiteTraffic).ToList();
        long callRead = callFiles.Sum(f => f.RowsRead);
        long callRejected = callFiles.Sum(f => f.RowsRejected - f.RejectedByReason.GetValueOrDefault(RejectReason.MergedWithCounterpart));
        var rejectRate = callRead == 0 ? 0 : (double)callRejected / callRead;
        Directory.CreateDirectory(options.OutputFolder);

        if (rejectRate > options.MaxRejectRate)
        {
            var failed = BuildReport(ledger, new Dictionary<string, long>(), rejectRate, failed: true, [], 0, districtsWithoutPolygon, options, warnings);
            WriteReportAndRejects(session, options, ledger, failed, pseudonymizer);
            var reasons = string.Join(", ", callFiles.SelectMany(f => f.RejectedByReason)
                .GroupBy(r => r.Key).Select(g => $"{g.Key} {g.Sum(r => r.Value)}"));
            throw new MosaicInputException(
                $"{callRejected} of {callRead} call rows rejected ({rejectRate:P2}), above --max-reject-rate {options.MaxRejectRate:P2} ({reasons}); " +
                $"no canonical tables were written. See {Path.Combine(options.OutputFolder, ReportFile)} and {RejectsFile}.");
        }

        progress.Step("subscribers");
        StageSubscribers(session, options, ledger);
        progress.Step("pseudonymising identifiers");
        BuildIdentifierMap(session, pseudonymizer, isSiteTraffic, fast?.Pseudonyms);
        Lap("pseudonymisation");

        progress.Step("cells and districts");
        var (outside, withoutPosition) = BuildCells(session, knownCells, polygons, isSiteTraffic);
        progress.Step("canonical tables");
        BuildCanonicalTables(session, isSiteTraffic);
        var tableRows = CanonicalTables.Required.Concat(isSiteTraffic ? [CanonicalTables.SiteTraffic] : [])
            .ToDictionary(t => t, t => t == CanonicalTables.Calls && fast is not null ? fast.AcceptedRows : session.ScalarLong($"SELECT count(*) FROM {t}"));
        Lap("canonical_tables");

        progress.Step("writing Parquet");
        DataFolder.Write(session, options.OutputFolder, includeSiteTraffic: isSiteTraffic, includeCalls: fast is null);
        fast?.WriteCalls(DataFolder.TablePath(options.OutputFolder, CanonicalTables.Calls));
        var geoJsonPath = Path.Combine(options.OutputFolder, CanonicalTables.DistrictsGeoJson);
        if (polygons.Count > 0)
        {
            GeoJson.WriteDistricts(geoJsonPath, polygons);
        }
        else if (File.Exists(geoJsonPath))
        {
            File.Delete(geoJsonPath);
        }

        if (withoutPosition > 0 && polygons.Count > 0)
        {
            warnings.Add($"{withoutPosition} cells have no coordinates and so no district");
        }

        var report = BuildReport(ledger, tableRows, rejectRate, failed: false, outside, withoutPosition, districtsWithoutPolygon, options, warnings)
            with
        { EphemeralKey = ephemeral is not null };
        WriteReportAndRejects(session, options, ledger, report, pseudonymizer);
        Lap("write");
        foreach (var (step, seconds) in fast?.Timings ?? [])
        {
            timings[step] = seconds;
        }

        WriteManifest(options, report, timings, inputs.GetAwaiter().GetResult());
        return report;
    }

    /// <summary>Stages the call files; returns the fast path's rows when it could read them all, else null (rows are in <c>staged</c>).</summary>
    private static FastCallStaging? StageCalls(DuckDbSession session, IngestOptions options, RejectLedger ledger, bool knownCells, Pseudonymizer? pseudonymizer,
        IProgress<StageProgress>? progress)
    {
        CallStaging.CreateTable(session);
        if (options.Format == CallFormat.Bandicoot)
        {
            var files = BandicootUserFiles(options);
            if (files.Count == 0)
            {
                throw new MosaicInputException(options.CallFiles[0], null, "no .csv user files in the folder");
            }

            for (var i = 0; i < files.Count; i++)
            {
                progress.Step("reading user files", (double)i / files.Count);
                var user = Path.GetFileNameWithoutExtension(files[i]);
                try
                {
                    var csv = ledger.Open(files[i], CanonicalTables.Calls, ["correspondent_id"], userId: user);
                    CallStaging.StageBandicootFile(session, csv, ledger.IndexOf(files[i]), user, knownCells);
                }
                catch (MosaicInputException e)
                {
                    // The file name is the user's identifier: say which file by position, not by name.
                    throw new MosaicInputException(
                        $"user file {i + 1} of {files.Count} in {options.CallFiles[0]} (sorted by name): {e.Message.Replace(files[i], "", StringComparison.Ordinal).TrimStart(':', ' ')}");
                }
            }
        }
        else
        {
            var files = options.CallFiles.Select(file => ledger.Open(file, CanonicalTables.Calls,
                [options.Map.Source("caller_id"), options.Map.Source("callee_id")], options.Delimiter)).ToList();
            foreach (var csv in files)
            {
                CallStaging.RequireOperatorColumns(csv, options.Map);
            }

            progress.Step("reading call files");
            var cellIds = knownCells
                ? session.Query("SELECT code, CAST(row_number() OVER (ORDER BY code) AS INTEGER) FROM known_cells", r => (Code: r.GetString(0), Id: r.GetInt32(1)))
                : null;
            if (FastCallStaging.TryStage(options, files, cellIds, pseudonymizer) is { } fast)
            {
                foreach (var (path, rows, rejects, located) in fast.Files)
                {
                    ledger.Account(path, rows, rejects, located);
                }

                return fast;
            }

            for (var i = 0; i < files.Count; i++)
            {
                progress.Step("reading call files", (double)i / files.Count);
                CallStaging.StageOperatorFile(session, files[i], ledger.IndexOf(options.CallFiles[i]), options.Map, knownCells);
            }
        }

        CallStaging.ResolveDuplicates(session, mergeCounterparts: options.Format == CallFormat.Bandicoot);
        ledger.AccountAll(CanonicalTables.Calls, "staged");
        return null;
    }

    /// <summary>The user files of a bandicoot folder: every .csv but the antennas file, which bandicoot's demo keeps beside them.</summary>
    private static List<string> BandicootUserFiles(IngestOptions options)
    {
        var antennas = options.CellsFile is null ? null : Path.GetFullPath(options.CellsFile);
        return Directory.GetFiles(options.CallFiles[0], "*.csv")
            .Where(f => !string.Equals(Path.GetFullPath(f), antennas, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static List<DistrictShape> LoadDistricts(DuckDbSession session, IngestOptions options, RejectLedger ledger,
        List<string> warnings, out List<string> withoutPolygon)
    {
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Districts));
        withoutPolygon = [];
        if (options.DistrictsFile is { } districtsFile)
        {
            var csv = ledger.Open(districtsFile, CanonicalTables.Districts, []);
            ReferenceStaging.StageDistricts(session, csv, ledger.IndexOf(districtsFile));
            ledger.Account(districtsFile, "ref_districts");
            session.Execute("INSERT INTO districts SELECT district_id, name, population, monthly_rent, refugee_population FROM ref_districts WHERE reason IS NULL");
        }

        if (options.GeoJsonFile is not { } geoJsonFile)
        {
            return [];
        }

        var features = GeoJson.ReadFeatures(geoJsonFile);
        var rows = session.Query("SELECT district_id, name FROM districts ORDER BY district_id", r => (Id: r.GetInt32(0), Name: r.GetString(1)));
        var shapes = new List<DistrictShape>();
        if (rows.Count == 0)
        {
            // Districts come from the polygons alone: ids from a district_id property, else 1..n in file order.
            foreach (var feature in features)
            {
                var id = int.TryParse(feature.Property("district_id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var given) ? given : feature.Index + 1;
                shapes.Add(new DistrictShape(id, feature.Property("name") ?? $"district {id}", feature.Geometry));
            }

            var duplicate = shapes.GroupBy(s => s.DistrictId).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new MosaicInputException(geoJsonFile, null, $"district_id {duplicate.Key} is used by more than one feature");
            }

            using var appender = session.Connection.CreateAppender(CanonicalTables.Districts);
            foreach (var shape in shapes)
            {
                appender.CreateRow().AppendValue(shape.DistrictId).AppendValue(shape.Name).AppendNullValue().AppendNullValue().AppendNullValue().EndRow();
            }

            warnings.Add("no districts table was given: districts have no population or rent (give --districts for the segregation and mitigation stages)");
            return shapes;
        }

        // Match polygons to the districts table by district_id property, else by name (case-insensitive).
        var byId = rows.ToDictionary(r => r.Id);
        var byName = rows.GroupBy(r => Normalize(r.Name)).ToDictionary(g => g.Key, g => g.First());
        foreach (var feature in features)
        {
            (int Id, string Name)? row = int.TryParse(feature.Property("district_id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && byId.TryGetValue(id, out var r1) ? r1
                : feature.Property("name") is { } name && byName.TryGetValue(Normalize(name), out var r2) ? r2
                : null;
            if (row is null)
            {
                throw new MosaicInputException(geoJsonFile, null,
                    $"feature {feature.Index} ('{feature.Property("name")}') matches no row of the districts table by district_id or name");
            }

            shapes.Add(new DistrictShape(row.Value.Id, row.Value.Name, feature.Geometry));
        }

        var merged = shapes.GroupBy(s => s.DistrictId)
            .Select(g => g.Count() == 1 ? g.First() : g.First() with { Geometry = NetTopologySuite.Operation.Union.UnaryUnionOp.Union(g.Select(s => s.Geometry).ToList()) })
            .ToList();
        withoutPolygon = rows.Where(r => merged.All(s => s.DistrictId != r.Id)).Select(r => r.Name).ToList();
        if (withoutPolygon.Count > 0)
        {
            warnings.Add($"{withoutPolygon.Count} districts of the table have no polygon; no cell can fall in them");
        }

        return merged;
    }

    /// <summary>
    /// Folds case and Latin diacritics so that "FATİH", "Fatih" and "fatih" match (Turkish
    /// dotted and dotless I included). An explicit table, because Unicode normalisation is not
    /// available under invariant globalisation.
    /// </summary>
    private static string Normalize(string name)
    {
        const string from = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏİıÑÒÓÔÕÖØÙÚÛÜÝŞĞ";
        const string to = "AAAAAACEEEEIIIIIINOOOOOOUUUUYSG";
        var upper = name.Trim().ToUpperInvariant().ToCharArray();
        for (var i = 0; i < upper.Length; i++)
        {
            var at = from.IndexOf(upper[i], StringComparison.Ordinal);
            if (at >= 0)
            {
                upper[i] = to[at];
            }
        }

        return new string(upper);
    }

    private static bool LoadKnownCells(DuckDbSession session, IngestOptions options, RejectLedger ledger)
    {
        if (options.CellsFile is not { } cellsFile)
        {
            return false;
        }

        var csv = ledger.Open(cellsFile, CanonicalTables.Cells, []);
        ReferenceStaging.StageCells(session, csv, ledger.IndexOf(cellsFile));
        ledger.Account(cellsFile, "ref_cells");
        session.Execute("""
            CREATE OR REPLACE TEMP TABLE known_cells AS
            SELECT code, lat, lon, district_id FROM ref_cells WHERE reason IS NULL
            """);
        var unknownDistrict = session.ScalarLong("SELECT count(*) FROM known_cells WHERE district_id IS NOT NULL AND district_id NOT IN (SELECT district_id FROM districts)");
        if (unknownDistrict > 0 && session.ScalarLong("SELECT count(*) FROM districts") > 0)
        {
            throw new MosaicInputException(cellsFile, null, $"{unknownDistrict} cells name a district_id that is not in the districts table");
        }

        return true;
    }

    private static void StageSubscribers(DuckDbSession session, IngestOptions options, RejectLedger ledger)
    {
        if (options.SubscribersFile is { } file)
        {
            var csv = ledger.Open(file, CanonicalTables.Subscribers, [ReferenceStaging.Column(CsvFile.Open(file), "subscriber_id", "user_id", "id") ?? "subscriber_id"]);
            ReferenceStaging.StageSubscribers(session, csv, ledger.IndexOf(file));
            ledger.Account(file, "ref_subscribers");
        }
        else if (options.Format == CallFormat.Bandicoot)
        {
            // Every user with a file is a subject; attributes (if any) describe them.
            var users = BandicootUserFiles(options).Select(Path.GetFileNameWithoutExtension);
            session.Execute("CREATE OR REPLACE TEMP TABLE ref_subscribers (raw_id VARCHAR, birthplace VARCHAR, is_refugee BOOLEAN, age INTEGER, gender VARCHAR, reason VARCHAR)");
            using var appender = session.Connection.CreateAppender("ref_subscribers");
            foreach (var user in users)
            {
                appender.CreateRow().AppendValue(user).AppendNullValue().AppendNullValue().AppendNullValue().AppendNullValue().AppendNullValue().EndRow();
            }
        }
        else
        {
            session.Execute("CREATE OR REPLACE TEMP TABLE ref_subscribers (raw_id VARCHAR, birthplace VARCHAR, is_refugee BOOLEAN, age INTEGER, gender VARCHAR, reason VARCHAR)");
        }
    }

    /// <summary>
    /// Builds <c>idmap</c> (raw id → pseudonym) over the accepted calls' and the subscribers'
    /// ids. <paramref name="known"/> holds the pseudonyms of the fast call path's ids, which are
    /// reused for subscribers and checked for collisions but not loaded into <c>idmap</c>.
    /// </summary>
    private static void BuildIdentifierMap(DuckDbSession session, Pseudonymizer? pseudonymizer, bool isSiteTraffic, PseudonymLookup? known)
    {
        session.Execute("CREATE OR REPLACE TEMP TABLE idmap (raw_id VARCHAR, subscriber_id BIGINT)");
        var source = isSiteTraffic
            ? "SELECT raw_id FROM ref_subscribers WHERE reason IS NULL"
            : "SELECT caller FROM staged WHERE reason IS NULL UNION SELECT callee FROM staged WHERE reason IS NULL UNION SELECT raw_id FROM ref_subscribers WHERE reason IS NULL";
        // Ids go out to .NET and pseudonyms come back keyed by position, not by the id text: a
        // round trip of the text through the appender would cut it at a NUL byte and lose the row.
        session.Execute($"CREATE OR REPLACE TEMP TABLE raw_ids AS SELECT row_number() OVER (ORDER BY raw_id) - 1 AS ordinal, raw_id FROM (SELECT DISTINCT * FROM ({source}) AS t(raw_id))");
        var ids = session.Query("SELECT raw_id FROM raw_ids ORDER BY ordinal", r => r.GetString(0));
        var pseudonyms = new long[ids.Count];
        if (known is not null)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                known.TryGetValue(ids[i], out pseudonyms[i]);
            }
        }

        if (pseudonymizer is null)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                if (!long.TryParse(ids[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out pseudonyms[i]))
                {
                    throw new MosaicInputException("with --no-pseudonymize, subscriber ids must be 64-bit integers (already pseudonymised); drop the flag to pseudonymise them");
                }
            }
        }
        else
        {
            // HMAC is the costly step; ids are independent, so split them over the cores.
            Parallel.For(0, Environment.ProcessorCount, part =>
            {
                using var local = pseudonymizer.Clone();
                for (var i = part; i < ids.Count; i += Environment.ProcessorCount)
                {
                    if (known?.TryGetValue(ids[i], out _) != true)
                    {
                        pseudonyms[i] = local.Pseudonymize(ids[i]);
                    }
                }
            });
        }

        session.Execute("CREATE OR REPLACE TEMP TABLE pseudonyms (ordinal BIGINT, subscriber_id BIGINT)");
        using (var appender = session.Connection.CreateAppender("pseudonyms"))
        {
            for (var i = 0; i < ids.Count; i++)
            {
                appender.CreateRow().AppendValue((long)i).AppendValue(pseudonyms[i]).EndRow();
            }
        }

        session.Execute("""
            INSERT INTO idmap SELECT r.raw_id, p.subscriber_id FROM raw_ids r JOIN pseudonyms p USING (ordinal);
            DROP TABLE raw_ids;
            DROP TABLE pseudonyms;
            """);

        var collision = session.ScalarLong("SELECT count(DISTINCT subscriber_id) FROM idmap") != ids.Count;
        if (known is not null)
        {
            // The fast path's call ids are only needed in idmap where they join the subscribers
            // table, so they stay in memory; the collision check still covers all of them.
            var all = new HashSet<long>(known.Values);
            collision |= all.Count != known.Count;
            for (var i = 0; i < ids.Count; i++)
            {
                collision |= !known.TryGetValue(ids[i], out _) && !all.Add(pseudonyms[i]);
            }
        }

        if (collision)
        {
            throw new InvalidOperationException("two subscriber ids map to the same pseudonym (a 64-bit collision); re-run with another key");
        }
    }

    private static (List<string> Outside, long WithoutPosition) BuildCells(DuckDbSession session, bool knownCells, List<DistrictShape> polygons, bool isSiteTraffic)
    {
        var used = isSiteTraffic
            ? "SELECT outgoing_code AS code FROM staged_traffic WHERE reason IS NULL UNION SELECT incoming_code FROM staged_traffic WHERE reason IS NULL"
            : "SELECT caller_code AS code FROM staged WHERE reason IS NULL AND caller_code IS NOT NULL UNION SELECT callee_code FROM staged WHERE reason IS NULL AND callee_code IS NOT NULL";
        var all = knownCells
            ? "SELECT code, lat, lon, district_id FROM known_cells"
            // Without a cells table, cells are the codes seen; a position code "lat,lon" carries its coordinates.
            : $"""
              SELECT code,
                     try_cast(split_part(code, ',', 1) AS DOUBLE) AS lat,
                     CASE WHEN code LIKE '%,%' THEN try_cast(split_part(code, ',', 2) AS DOUBLE) END AS lon,
                     NULL::INTEGER AS district_id
              FROM ({used})
              """;
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Cells));
        session.Execute($"""
            INSERT INTO cells
            SELECT CAST(row_number() OVER (ORDER BY code) AS INTEGER), code,
                   CASE WHEN lon IS NOT NULL THEN lat END, CASE WHEN lat IS NOT NULL THEN lon END, district_id
            FROM ({all})
            """);
        var outside = new List<string>();
        if (polygons.Count == 0)
        {
            return (outside, session.ScalarLong("SELECT count(*) FROM cells WHERE lat IS NULL"));
        }

        var locator = new DistrictLocator(polygons.Select(p => (p.DistrictId, p.Geometry)));
        var positions = session.Query("SELECT cell_id, cell_code, lat, lon FROM cells WHERE lat IS NOT NULL ORDER BY cell_id",
            r => (Id: r.GetInt32(0), Code: r.GetString(1), Lat: r.GetDouble(2), Lon: r.GetDouble(3)));
        session.Execute("CREATE OR REPLACE TEMP TABLE cell_districts (cell_id INTEGER, district_id INTEGER)");
        using (var appender = session.Connection.CreateAppender("cell_districts"))
        {
            foreach (var cell in positions)
            {
                if (locator.Locate(cell.Lat, cell.Lon) is int district)
                {
                    appender.CreateRow().AppendValue(cell.Id).AppendValue(district).EndRow();
                }
                else
                {
                    outside.Add(cell.Code);
                }
            }
        }

        session.Execute("""
            UPDATE cells SET district_id = d.district_id FROM cell_districts d WHERE cells.cell_id = d.cell_id;
            UPDATE cells SET district_id = NULL WHERE lat IS NOT NULL AND cell_id NOT IN (SELECT cell_id FROM cell_districts);
            """);
        return (outside, session.ScalarLong("SELECT count(*) FROM cells WHERE lat IS NULL"));
    }

    private static void BuildCanonicalTables(DuckDbSession session, bool isSiteTraffic)
    {
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Subscribers));
        session.Execute("""
            INSERT INTO subscribers
            SELECT m.subscriber_id, s.birthplace, s.is_refugee, s.age, s.gender
            FROM ref_subscribers s JOIN idmap m ON m.raw_id = s.raw_id WHERE s.reason IS NULL
            """);
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Calls));
        if (isSiteTraffic)
        {
            session.Execute(CanonicalTables.CreateStatement(CanonicalTables.SiteTraffic));
            session.Execute("""
                INSERT INTO site_traffic
                SELECT t.hour_start, o.cell_id, i.cell_id, t.calls, t.refugee_calls, t.duration
                FROM staged_traffic t JOIN cells o ON o.cell_code = t.outgoing_code JOIN cells i ON i.cell_code = t.incoming_code
                WHERE t.reason IS NULL
                """);
            return;
        }

        session.Execute("""
            INSERT INTO calls
            SELECT a.subscriber_id, b.subscriber_id, s.ts, CAST(s.dur AS INTEGER), s.kind, c1.cell_id, c2.cell_id
            FROM staged s
            JOIN idmap a ON a.raw_id = s.caller
            JOIN idmap b ON b.raw_id = s.callee
            LEFT JOIN cells c1 ON c1.cell_code = s.caller_code
            LEFT JOIN cells c2 ON c2.cell_code = s.callee_code
            WHERE s.reason IS NULL
            """);
    }

    private static IngestReport BuildReport(RejectLedger ledger, IReadOnlyDictionary<string, long> tableRows, double rejectRate, bool failed,
        List<string> outside, long withoutPosition, List<string> withoutPolygon, IngestOptions options, List<string> warnings) => new()
        {
            Files = ledger.Files.ToList(),
            TableRows = tableRows,
            CallRejectRate = rejectRate,
            Failed = failed,
            CellsOutsideDistricts = outside,
            CellsWithoutPosition = withoutPosition,
            DistrictsWithoutPolygon = withoutPolygon,
            Warnings = warnings.ToList(),
        };

    private static void WriteReportAndRejects(DuckDbSession session, IngestOptions options, RejectLedger ledger, IngestReport report, Pseudonymizer? pseudonymizer)
    {
        ledger.WriteRejects(Path.Combine(options.OutputFolder, RejectsFile), pseudonymizer, options.KeepRawRejects);
        AtomicFile.WriteAllText(Path.Combine(options.OutputFolder, ReportFile), JsonSerializer.Serialize(report, Manifest.JsonOptions) + "\n");
    }

    /// <summary>Every input with its hash; bandicoot user files are named after users, so a folder's files are hashed but only the folder is recorded.</summary>
    private static List<InputFile> HashInputs(IngestOptions options) =>
        options.CallFiles.Select(f => Directory.Exists(f) ? FolderInput(f) : InputFile.Of(f))
            .Concat(new[] { options.SubscribersFile, options.CellsFile, options.DistrictsFile, options.GeoJsonFile }.OfType<string>()
            .Select(InputFile.Of)).ToList();

    private static void WriteManifest(IngestOptions options, IngestReport report, Dictionary<string, double> timings, List<InputFile> inputs)
    {
        new Manifest
        {
            Stage = "ingest",
            Parameters = new Dictionary<string, string>
            {
                ["format"] = options.Format.ToString().ToLowerInvariant(),
                ["map"] = string.Join(',', options.Map.Renames.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}")),
                ["time_format"] = options.Map.TimeFormat ?? "iso",
                ["delimiter"] = options.Delimiter.ToString(),
                ["max_reject_rate"] = Manifest.Format(options.MaxRejectRate),
                ["max_duration_s"] = Manifest.Format(options.MaxDurationSeconds),
                ["pseudonymised"] = options.Pseudonymizer is not null || !options.KeepIdentifiers ? "true" : "false",
            },
            Inputs = inputs,
            Counts = report.TableRows.ToDictionary(t => $"{t.Key}_rows", t => t.Value),
            TimingsSeconds = timings,
            FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        }.WriteTo(options.OutputFolder);
    }

    private static InputFile FolderInput(string folder)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        long bytes = 0;
        foreach (var file in Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal))
        {
            var content = File.ReadAllBytes(file);
            hash.AppendData(content);
            bytes += content.Length;
        }

        return new InputFile(folder, bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
