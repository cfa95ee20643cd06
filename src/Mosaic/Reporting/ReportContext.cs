using System.Globalization;
using System.Text.Json;
using Mosaic.Data;
using Mosaic.Geography;

namespace Mosaic.Reporting;

/// <summary>District attributes from the data folder's <c>districts.parquet</c>.</summary>
internal sealed record DistrictInfo(int Id, string Name, long? Population, double? MonthlyRent, long? RefugeePopulation);

/// <summary>What every section reads: the run and data folders, the map and the districts.</summary>
internal sealed class ReportContext
{
    public ReportContext(ReportOptions options, string runFolder, string? dataFolder, ReportDocument document)
    {
        Options = options;
        RunFolder = runFolder;
        DataFolder = dataFolder;
        Document = document;
        var geojson = dataFolder is null ? null : Path.Combine(dataFolder, "districts.geojson");
        if (geojson is not null && File.Exists(geojson))
        {
            try
            {
                Map = DistrictMap.FromFeatures(GeoJson.ReadFeatures(geojson));
            }
            catch (MosaicInputException e)
            {
                MapProblem = e.Message;
            }
        }
        else
        {
            MapProblem = dataFolder is null ? "no data folder was given or recorded, so there are no district polygons" : $"{geojson} not found";
        }

        Districts = ReadDistricts(dataFolder);
    }

    public ReportOptions Options { get; }

    public string RunFolder { get; }

    public string? DataFolder { get; }

    public ReportDocument Document { get; }

    /// <summary>The projected district polygons, or null (then <see cref="MapProblem"/> says why).</summary>
    public DistrictMap? Map { get; }

    public string? MapProblem { get; }

    /// <summary>Districts by id (empty without a data folder).</summary>
    public IReadOnlyDictionary<int, DistrictInfo> Districts { get; }

    public string DistrictName(int id) =>
        Districts.TryGetValue(id, out var d) ? d.Name : Map?.Names.TryGetValue(id, out var n) == true ? n : id.ToString(CultureInfo.InvariantCulture);

    public string StageFolder(string stage) => Path.Combine(RunFolder, stage);

    /// <summary>
    /// Loads a stage's CSV, telling the section what is missing: the file (then null) or any
    /// of the promised columns (then the table, for the section to use what it can).
    /// </summary>
    public CsvTable? Load(ReportDocument.SectionWriter section, string stage, string file, params string[] columns)
    {
        var path = Path.Combine(StageFolder(stage), file);
        var table = CsvTable.TryLoad(path);
        if (table is null)
        {
            section.Missing($"{stage}/{file} not found.");
            return null;
        }

        var missing = table.Missing(columns);
        if (missing.Count > 0)
        {
            section.Missing($"{stage}/{file} lacks the column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}.");
        }

        return table;
    }

    /// <summary>Reads a JSON file of a stage, or null when absent or unreadable (the section says so).</summary>
    public JsonElement? LoadJson(ReportDocument.SectionWriter section, string relative)
    {
        var path = Path.Combine(RunFolder, relative);
        if (!File.Exists(path))
        {
            section.Missing($"{relative} not found.");
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            section.Missing($"{relative} is not valid JSON ({e.Message.Split('.')[0]}).");
            return null;
        }
    }

    /// <summary>A map figure, or a note that maps cannot be drawn.</summary>
    public Figure? MapFigure(ReportDocument.SectionWriter section, string id, string title, IReadOnlyDictionary<int, double?> values, string unit, bool diverging, string caption, string? legendNote = null)
    {
        if (Map is null)
        {
            section.Missing($"Map '{title}' not drawn: {MapProblem}.");
            return null;
        }

        return new Figure(id, title, Map.Choropleth(id, title, values, unit, diverging, legendNote), caption);
    }

    private static Dictionary<int, DistrictInfo> ReadDistricts(string? dataFolder)
    {
        var result = new Dictionary<int, DistrictInfo>();
        var path = dataFolder is null ? null : DataFolderPaths.Districts(dataFolder);
        if (path is null || !File.Exists(path))
        {
            return result;
        }

        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        var columns = session.Query($"SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet({Sql.Literal(path)}))", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
        string Col(string name, string type) => columns.Contains(name) ? $"CAST({Sql.Identifier(name)} AS {type})" : $"CAST(NULL AS {type})";
        var rows = session.Query(
            $"SELECT CAST(district_id AS INTEGER), {Col("name", "VARCHAR")}, {Col("population", "BIGINT")}, {Col("monthly_rent", "DOUBLE")}, {Col("refugee_population", "BIGINT")} FROM read_parquet({Sql.Literal(path)}) ORDER BY 1",
            r => new DistrictInfo(
                r.GetInt32(0),
                r.IsDBNull(1) ? r.GetInt32(0).ToString(CultureInfo.InvariantCulture) : r.GetString(1),
                r.IsDBNull(2) ? null : r.GetInt64(2),
                r.IsDBNull(3) ? null : r.GetDouble(3),
                r.IsDBNull(4) ? null : r.GetInt64(4)));
        foreach (var row in rows)
        {
            result[row.Id] = row;
        }

        return result;
    }
}

/// <summary>Paths of the data folder files the report reads.</summary>
internal static class DataFolderPaths
{
    public static string Districts(string folder) => Mosaic.Data.DataFolder.TablePath(folder, CanonicalTables.Districts);
}
