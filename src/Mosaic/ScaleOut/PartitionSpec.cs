using System.Globalization;

namespace Mosaic.ScaleOut;

/// <summary>
/// One partition of N (<c>K/N</c>, K zero-based so that it equals Slurm's
/// <c>SLURM_ARRAY_TASK_ID</c> for <c>--array=0-(N-1)</c>). A subscriber belongs to partition
/// <c>((id mod N) + N) mod N</c>: pseudonyms are keyed hashes, so their residues are already
/// uniform and need no further mixing.
/// </summary>
/// <param name="Index">K, in [0, N).</param>
/// <param name="Count">N, at least 1.</param>
public sealed record PartitionSpec(int Index, int Count)
{
    /// <summary>Largest supported number of partitions (folder names have four digits).</summary>
    public const int MaxCount = 9999;

    /// <summary>Parses <c>K/N</c>; throws <see cref="MosaicInputException"/> naming the option on bad text.</summary>
    public static PartitionSpec Parse(string text, string source = "--partition")
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n < 1 || n > MaxCount || k >= n)
        {
            throw new MosaicInputException(source, null, $"'{text}' is not K/N with 0 <= K < N <= {MaxCount} (K is zero-based, as SLURM_ARRAY_TASK_ID)");
        }

        return new PartitionSpec(k, n);
    }

    /// <summary>SQL expression of the partition owning the subscriber in <paramref name="column"/>.</summary>
    public static string OwnerSql(string column, int count) =>
        $"((({column}) % {count.ToString(CultureInfo.InvariantCulture)}) + {count.ToString(CultureInfo.InvariantCulture)}) % {count.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>SQL predicate: the subscriber in <paramref name="column"/> belongs to this partition.</summary>
    public string Owns(string column) => $"{OwnerSql(column, Count)} = {Index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The partition owning a subscriber id (same rule as <see cref="OwnerSql"/>).</summary>
    public static int OwnerOf(long subscriberId, int count) => (int)(((subscriberId % count) + count) % count);

    /// <summary>Folder name of a partition: <c>part-0003</c>.</summary>
    public static string FolderName(int index) => "part-" + index.ToString("D4", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
