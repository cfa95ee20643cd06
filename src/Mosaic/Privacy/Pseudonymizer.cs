using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mosaic.Privacy;

/// <summary>
/// Turns raw subscriber identifiers into keyed pseudonyms: the first 8 bytes of
/// HMAC-SHA256(key, UTF-8 id), as a signed 64-bit integer. Without the key, a pseudonym cannot
/// be linked to a phone number even by hashing every possible number (a dictionary attack);
/// with the same key, the same id always gets the same pseudonym, so two ingests can be joined.
/// The key is never written anywhere by Mosaic.
/// </summary>
public sealed class Pseudonymizer : IDisposable
{
    /// <summary>Environment variable that holds the key (any text; at least 16 bytes).</summary>
    public const string KeyEnvironmentVariable = "MOSAIC_PSEUDONYM_KEY";

    /// <summary>Minimum key length in bytes.</summary>
    public const int MinimumKeyBytes = 16;

    private readonly HMACSHA256 hmac;
    private readonly byte[] key;
    private readonly HmacLanes lanes;

    /// <summary>Creates a pseudonymiser with the given key.</summary>
    public Pseudonymizer(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new MosaicInputException($"the pseudonymisation key has {key.Length} bytes; at least {MinimumKeyBytes} are needed");
        }

        this.key = key.ToArray();
        hmac = new HMACSHA256(this.key);
        lanes = new HmacLanes(this.key);
        IsEphemeral = false;
    }

    private Pseudonymizer(byte[] key, bool ephemeral)
    {
        this.key = key;
        hmac = new HMACSHA256(key);
        lanes = new HmacLanes(key);
        IsEphemeral = ephemeral;
    }

    /// <summary>True when the key was generated at random for this run only.</summary>
    public bool IsEphemeral { get; }

    /// <summary>A pseudonymiser with a random key: pseudonyms will not match another ingest.</summary>
    public static Pseudonymizer WithRandomKey() => new(RandomNumberGenerator.GetBytes(32), ephemeral: true);

    /// <summary>
    /// Resolves the key: from <paramref name="keyFile"/> when given (trailing newline ignored),
    /// else from <see cref="KeyEnvironmentVariable"/>, else null.
    /// </summary>
    public static Pseudonymizer? FromConfiguration(string? keyFile, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (keyFile is not null)
        {
            if (!File.Exists(keyFile))
            {
                throw new MosaicInputException(keyFile, null, "key file not found");
            }

            var text = File.ReadAllText(keyFile).TrimEnd('\r', '\n');
            return new Pseudonymizer(Encoding.UTF8.GetBytes(text));
        }

        var fromEnvironment = environment(KeyEnvironmentVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : new Pseudonymizer(Encoding.UTF8.GetBytes(fromEnvironment));
    }

    /// <summary>A copy with the same key, for another thread (an HMAC instance is not thread-safe).</summary>
    public Pseudonymizer Clone() => new(key, IsEphemeral);

    /// <summary>The pseudonym of one identifier.</summary>
    public long Pseudonymize(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> input = id.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(id.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(id.Length)];
        var length = Encoding.UTF8.GetBytes(id, input);
        return Pseudonymize(input[..length]);
    }

    /// <summary>The pseudonym of one identifier given as its UTF-8 bytes (the same as for the text).</summary>
    public long Pseudonymize(ReadOnlySpan<byte> utf8Id)
    {
        Span<byte> hash = stackalloc byte[32];
        hmac.TryComputeHash(utf8Id, hash, out _);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }

    /// <summary>
    /// The pseudonyms of ids [<paramref name="from"/>, <paramref name="to"/>), each written by
    /// <paramref name="write"/> as UTF-8 (at most <paramref name="maxLength"/> bytes), into
    /// <paramref name="output"/>: the values of <see cref="Pseudonymize(ReadOnlySpan{byte})"/>,
    /// eight ids per pass (see <see cref="HmacLanes"/>). Thread-safe.
    /// </summary>
    internal void PseudonymizeMany(int from, int to, int maxLength, HmacLanes.MessageWriter write, Span<long> output)
    {
        lanes.Compute(from, to, maxLength, write, output);
    }

    /// <inheritdoc />
    public void Dispose() => hmac.Dispose();
}
