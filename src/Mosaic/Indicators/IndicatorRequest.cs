namespace Mosaic.Indicators;

/// <summary>What <see cref="IndicatorRun"/> reads and writes.</summary>
/// <param name="RecordsFolder">Folder of per-user record files, one <c>&lt;user&gt;.csv</c> each (bandicoot's layout).</param>
/// <param name="AntennasPath">CSV <c>antenna_id,latitude,longitude</c>; required for the spatial indicators' locations.</param>
/// <param name="OutPath">Output file: <c>.json</c> (object keyed by user name) or <c>.csv</c> (one row per user).</param>
public sealed record IndicatorRequest(string RecordsFolder, string AntennasPath, string OutPath)
{
    /// <summary>Folder of per-user <c>key,value</c> attribute files (bandicoot's <c>attributes_path</c>); optional.</summary>
    public string? AttributesFolder { get; init; }

    /// <summary>Folder of per-user <c>datetime,amount,retailer_id</c> recharge files (bandicoot's <c>recharges_path</c>); optional.</summary>
    public string? RechargesFolder { get; init; }

    /// <summary>Only these users (file names without <c>.csv</c>); empty means every file in the folder.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Indicator options.</summary>
    public IndicatorOptions Options { get; init; } = new();
}

/// <summary>How a run of <see cref="IndicatorRun"/> ended.</summary>
/// <param name="Users">Users written.</param>
/// <param name="RecordsRead">Records read from every file.</param>
/// <param name="RecordsIgnored">Records dropped by bandicoot's load-time checks (sum of <c>ignored_records__all</c>).</param>
/// <param name="Keys">Indicator keys per user (excluding name, reporting and attributes).</param>
/// <param name="Seconds">Wall-clock seconds of reading and computing (excluding writing).</param>
/// <param name="TotalSeconds">Wall-clock seconds including writing.</param>
public sealed record IndicatorResult(int Users, long RecordsRead, long RecordsIgnored, int Keys, double Seconds, double TotalSeconds)
{
    /// <summary>Records read per second of reading and computing.</summary>
    public double RecordsPerSecond => Seconds > 0 ? RecordsRead / Seconds : 0;

    /// <summary>Users per second of reading and computing.</summary>
    public double UsersPerSecond => Seconds > 0 ? Users / Seconds : 0;
}
