namespace Mosaic.Ingest;

/// <summary>Reasons a row is rejected. Every rejected row carries exactly one, the first that applies in this order.</summary>
public static class RejectReason
{
    /// <summary>Wrong number of fields for the header.</summary>
    public const string WrongFieldCount = "wrong_field_count";

    /// <summary>Bytes that are not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary>Any other CSV syntax error (unterminated quote, line too long).</summary>
    public const string MalformedCsv = "malformed_csv";

    /// <summary>Caller, callee or subscriber id empty.</summary>
    public const string EmptyId = "empty_id";

    /// <summary>Timestamp does not parse with the expected format.</summary>
    public const string BadTimestamp = "bad_timestamp";

    /// <summary>Duration missing or not a whole number of seconds.</summary>
    public const string BadDuration = "bad_duration";

    /// <summary>Duration below zero.</summary>
    public const string NegativeDuration = "negative_duration";

    /// <summary>Duration above the maximum (default one day).</summary>
    public const string AbsurdDuration = "absurd_duration";

    /// <summary>Kind other than call or text.</summary>
    public const string UnknownKind = "unknown_kind";

    /// <summary>Caller equals callee.</summary>
    public const string SelfCall = "self_call";

    /// <summary>Cell code not in the cells table.</summary>
    public const string UnknownCell = "unknown_cell";

    /// <summary>Coordinates that are not numbers in range.</summary>
    public const string BadCoordinates = "bad_coordinates";

    /// <summary>An exact duplicate of an earlier row.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>
    /// bandicoot: the same call already read from the other party's file; its cell is merged
    /// into the kept row. Not an error, so it does not count towards the reject rate.
    /// </summary>
    public const string MergedWithCounterpart = "merged_with_counterpart";

    /// <summary>A field of a reference table (age, gender, is_refugee, counts, coordinates) out of its domain.</summary>
    public const string BadValue = "bad_value";
}

/// <summary>Accounting for one input file: <c>rows_read = rows_accepted + rows_rejected</c>.</summary>
/// <param name="File">The file as given.</param>
/// <param name="Table">The canonical table it feeds.</param>
/// <param name="RowsRead">Data records read (header excluded).</param>
/// <param name="RowsAccepted">Records loaded.</param>
/// <param name="RowsRejected">Records not loaded, each with a reason.</param>
/// <param name="RejectedByReason">Rejected records per reason.</param>
public sealed record FileReport(
    string File,
    string Table,
    long RowsRead,
    long RowsAccepted,
    long RowsRejected,
    IReadOnlyDictionary<string, long> RejectedByReason)
{
    /// <summary>True when the reconciliation identity holds.</summary>
    public bool Reconciles => RowsRead == RowsAccepted + RowsRejected
        && RejectedByReason.Values.Sum() == RowsRejected;
}

/// <summary>What an ingest did: written to <c>ingest_report.json</c>.</summary>
public sealed record IngestReport
{
    /// <summary>Per input file accounting.</summary>
    public required IReadOnlyList<FileReport> Files { get; init; }

    /// <summary>Rows in each canonical table written.</summary>
    public required IReadOnlyDictionary<string, long> TableRows { get; init; }

    /// <summary>Share of call rows rejected (merged counterpart records excluded).</summary>
    public required double CallRejectRate { get; init; }

    /// <summary>True when the reject rate exceeded the maximum and no canonical table was written.</summary>
    public required bool Failed { get; init; }

    /// <summary>Codes of cells with coordinates that fall outside every district polygon.</summary>
    public IReadOnlyList<string> CellsOutsideDistricts { get; init; } = [];

    /// <summary>Cells without coordinates (no district can be assigned by polygon).</summary>
    public long CellsWithoutPosition { get; init; }

    /// <summary>Districts of the districts table that have no polygon.</summary>
    public IReadOnlyList<string> DistrictsWithoutPolygon { get; init; } = [];

    /// <summary>True when ids were pseudonymised with a random key (pseudonyms match no other ingest).</summary>
    public bool EphemeralKey { get; init; }

    /// <summary>Warnings for the user (no data values in them).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
