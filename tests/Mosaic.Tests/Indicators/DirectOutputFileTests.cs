using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public sealed class DirectOutputFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("mosaic-direct-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(true, 0)]
    [InlineData(true, 1)]
    [InlineData(true, 4095)]
    [InlineData(true, 4097)]
    [InlineData(true, DirectOutputFile.ChunkSize)]
    [InlineData(true, (2 * DirectOutputFile.ChunkSize) + 12_345)]
    [InlineData(false, 0)]
    [InlineData(false, 4097)]
    [InlineData(false, DirectOutputFile.ChunkSize + 1)]
    public void Write_PiecesOfAnySize_FileHoldsExactlyTheBytes(bool direct, int total)
    {
        var random = new Random(total);
        var expected = new byte[total];
        random.NextBytes(expected);
        var path = Path.Combine(folder, "out.bin");
        // An existing longer file must be replaced, not overwritten in place.
        File.WriteAllBytes(path, new byte[total + 10_000]);
        using (var file = new DirectOutputFile(path, direct))
        {
            Assert.True(direct || !file.IsDirect);
            var at = 0;
            while (at < total)
            {
                // Piece sizes from single bytes to more than a chunk, so pieces straddle chunk boundaries.
                var size = Math.Min(total - at, random.Next(3) switch { 0 => 1, 1 => random.Next(1, 200_000), _ => random.Next(1, DirectOutputFile.ChunkSize + 5_000) });
                if (size == 1)
                {
                    file.WriteByte(expected[at]);
                }
                else
                {
                    file.Write(expected.AsSpan(at, size));
                }

                at += size;
                Assert.Equal(at, file.Length);
            }

            file.Complete();
        }

        Assert.Equal(expected, File.ReadAllBytes(path));
    }
}
