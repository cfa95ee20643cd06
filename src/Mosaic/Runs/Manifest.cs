using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mosaic.Data;

namespace Mosaic.Runs;

/// <summary>One input file of a stage, identified by content.</summary>
/// <param name="Path">The path as given.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">Hex SHA-256 of the content.</param>
public sealed record InputFile(string Path, long Bytes, string Sha256)
{
    /// <summary>Hashes a file (streaming; large files are read once).</summary>
    public static InputFile Of(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);
        return new InputFile(path, stream.Length, Convert.ToHexStringLower(hash));
    }
}

/// <summary>
/// Provenance of one stage's output folder: tool version, parameters, inputs with hashes,
/// counts and timings. Written as <c>manifest.json</c>; a stage whose inputs and parameters
/// are unchanged can be skipped by comparing <see cref="Fingerprint"/>.
/// </summary>
public sealed record Manifest
{
    /// <summary>Stage name (<c>ingest</c>, <c>simulate</c>, ...).</summary>
    public required string Stage { get; init; }

    /// <summary>Mosaic's version.</summary>
    public string Version { get; init; } = ToolVersion;

    /// <summary>Parameters as given (after defaults), rendered as strings.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>Input files with their hashes.</summary>
    public required IReadOnlyList<InputFile> Inputs { get; init; }

    /// <summary>Counts (rows, subscribers, ...).</summary>
    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    /// <summary>Seconds per step.</summary>
    public IReadOnlyDictionary<string, double> TimingsSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>UTC time the stage finished, ISO 8601; excluded from <see cref="Fingerprint"/>.</summary>
    public string? FinishedUtc { get; init; }

    /// <summary>Hash of stage, version, parameters and inputs: equal fingerprints mean the stage can be reused.</summary>
    public string Fingerprint
    {
        get
        {
            var key = string.Join('\n', new[] { Stage, Version }
                .Concat(Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))
                .Concat(Inputs.Select(i => $"{i.Path}:{i.Sha256}")));
            return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        }
    }

    /// <summary>The informational version of the Mosaic library.</summary>
    public static string ToolVersion { get; } =
        typeof(Manifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>JSON settings shared by every JSON output of Mosaic.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <c>manifest.json</c> into <paramref name="folder"/>, atomically.</summary>
    public void WriteTo(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, "manifest.json"), JsonSerializer.Serialize(this, JsonOptions) + "\n");

    /// <summary>Reads a folder's manifest, or null when it has none.</summary>
    public static Manifest? ReadFrom(string folder)
    {
        var path = Path.Combine(folder, "manifest.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), JsonOptions) : null;
    }

    /// <summary>Renders a parameter value invariantly.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join(',', list),
        _ => value.ToString() ?? "",
    };
}
