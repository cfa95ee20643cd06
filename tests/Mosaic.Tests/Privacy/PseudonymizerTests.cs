using System.Text;
using Mosaic.Privacy;

namespace Mosaic.Tests.Privacy;

public class PseudonymizerTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a-test-key-of-sufficient-length");

    [Fact]
    public void Pseudonymize_SameKeySameId_IsStable()
    {
        using var a = new Pseudonymizer(Key);
        using var b = new Pseudonymizer(Key);
        Assert.Equal(a.Pseudonymize("+905551234567"), b.Pseudonymize("+905551234567"));
    }

    [Fact]
    public void Pseudonymize_MatchesHmacSha256Prefix()
    {
        // Independent reference: the first 8 bytes of HMAC-SHA256, big-endian.
        using var p = new Pseudonymizer(Key);
        var hash = System.Security.Cryptography.HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("alice"));
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(hash);
        Assert.Equal(expected, p.Pseudonymize("alice"));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void PseudonymizeMany_AnyIdLengthAndKeyLength_EqualsLibraryHmac(int keyLength)
    {
        // Ids of 0..80 bytes (the vector path takes up to 55, longer ones the library), some
        // phone-number-like, some multi-byte UTF-8; 203 of them, so the last batch of 8 is partial.
        var key = Enumerable.Range(0, keyLength).Select(i => unchecked((byte)((i * 37) + 11))).ToArray();
        var ids = Enumerable.Range(0, 203).Select(i => i % 3 == 0 ? $"+90555{i:D7}" : new string(i % 2 == 0 ? 'ş' : 'x', (i * 7) % 81 / (i % 2 == 0 ? 2 : 1)))
            .Select(Encoding.UTF8.GetBytes).ToArray();
        Assert.Contains(ids, id => id.Length == 0);
        Assert.Contains(ids, id => id.Length == 55);
        Assert.Contains(ids, id => id.Length == 56);
        using var p = new Pseudonymizer(key);
        var output = new long[ids.Length + 2];
        p.PseudonymizeMany(1, ids.Length + 1, 200, (i, destination) =>
        {
            ids[i - 1].CopyTo(destination);
            return ids[i - 1].Length;
        }, output);
        Assert.Equal(0, output[0]);
        Assert.Equal(0, output[^1]);
        for (var i = 0; i < ids.Length; i++)
        {
            var expected = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Security.Cryptography.HMACSHA256.HashData(key, ids[i]));
            Assert.Equal(expected, output[i + 1]);
        }
    }

    [Fact]
    public void Pseudonymize_DictionaryAttackWithoutKey_FindsNothing()
    {
        // An attacker who hashes every phone number of a block with a guessed key (or none)
        // cannot link any pseudonym back to its number.
        using var real = new Pseudonymizer(Key);
        var published = Enumerable.Range(0, 2000).Select(i => real.Pseudonymize($"90555{i:D7}")).ToHashSet();
        using var guess = new Pseudonymizer(Encoding.UTF8.GetBytes("attacker-guessed-key-0000"));
        var unkeyed = Enumerable.Range(0, 2000).Select(i =>
            System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(
                System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"90555{i:D7}"))));
        Assert.DoesNotContain(Enumerable.Range(0, 2000).Select(i => guess.Pseudonymize($"90555{i:D7}")), published.Contains);
        Assert.DoesNotContain(unkeyed, published.Contains);
    }

    [Fact]
    public void Constructor_ShortKey_IsBadInput()
    {
        Assert.Throws<MosaicInputException>(() => new Pseudonymizer(new byte[8]));
    }

    [Fact]
    public void FromConfiguration_EnvironmentVariable_IsUsed()
    {
        using var fromEnvironment = Pseudonymizer.FromConfiguration(null, name =>
            name == Pseudonymizer.KeyEnvironmentVariable ? "a-test-key-of-sufficient-length" : null);
        using var direct = new Pseudonymizer(Key);
        Assert.NotNull(fromEnvironment);
        Assert.Equal(direct.Pseudonymize("x"), fromEnvironment!.Pseudonymize("x"));
        Assert.Null(Pseudonymizer.FromConfiguration(null, _ => null));
    }
}
