using Mosaic.Ingest;

namespace Mosaic.Tests.Ingest;

/// <summary>Arrays advised for huge pages are ordinary arrays: zeroed when asked, and backed by huge pages where the kernel offers them on request.</summary>
public class HugePageArrayTests
{
    [Fact]
    public void Zeroed_LargeArrayAfterGarbage_IsAllZeros()
    {
        // Fill and drop arrays first so the next one may reuse their memory.
        for (var i = 0; i < 4; i++)
        {
            var garbage = HugePageArray.Uninitialized<long>(1 << 21);
            garbage.AsSpan().Fill(-1);
        }

        GC.Collect();
        var array = HugePageArray.Zeroed<long>(1 << 21);
        Assert.Equal(1 << 21, array.Length);
        Assert.True(array.AsSpan().IndexOfAnyExcept(0L) < 0);
    }

    [Fact]
    public void Uninitialized_SmallAndLarge_HaveTheirLength()
    {
        Assert.Empty(HugePageArray.Uninitialized<int>(0));
        Assert.Equal(3, HugePageArray.Uninitialized<int>(3).Length);
        var large = HugePageArray.Uninitialized<int>(5 << 20);
        large.AsSpan().Fill(7);
        Assert.Equal(7, large[^1]);
    }

    [Fact]
    public void Uninitialized_WhereTheKernelOffersThemOnRequest_IsBackedByHugePages()
    {
        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        if (!OperatingSystem.IsLinux() || !File.Exists(Setting) || File.ReadAllText(Setting).Contains("[never]", StringComparison.Ordinal))
        {
            return;
        }

        static long HugeKb() => File.ReadLines("/proc/self/smaps_rollup").Where(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture));
        var before = HugeKb();
        var array = HugePageArray.Uninitialized<byte>(64 << 20);
        array.AsSpan().Fill(1);
        Assert.True(HugeKb() - before >= 2048, "no huge page backs a 64 MB array advised for them");
        GC.KeepAlive(array);
    }
}
