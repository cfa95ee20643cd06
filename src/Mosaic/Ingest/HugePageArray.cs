using System.Runtime.InteropServices;

namespace Mosaic.Ingest;

/// <summary>
/// Large arrays whose pages the kernel may back with 2 MB transparent huge pages. On this kind
/// of machine THP is <c>madvise</c>-only, and a page fault in a VM is expensive (it was ~20% of
/// an ingest's CPU time): asking for huge pages turns 512 faults into one. The array is an
/// ordinary GC array; only its kernel paging changes, so where the advice is not available
/// (another OS, no C library) nothing else does.
/// </summary>
internal static partial class HugePageArray
{
    private const long HugePage = 2 << 20;

    /// <summary><c>MADV_HUGEPAGE</c> on Linux.</summary>
    private const int AdviseHugePage = 14;

    private static bool available = OperatingSystem.IsLinux();

    /// <summary>An array of <paramref name="length"/> elements whose contents are not cleared (the caller writes every element before reading it).</summary>
    public static T[] Uninitialized<T>(int length)
        where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        Advise(array);
        return array;
    }

    /// <summary>An array of <paramref name="length"/> zeros.</summary>
    public static T[] Zeroed<T>(int length)
        where T : unmanaged
    {
        var array = new T[length];
        Advise(array);
        return array;
    }

    /// <summary>Advises huge pages for the 2 MB-aligned interior of the array (pages already touched keep their size).</summary>
    private static unsafe void Advise<T>(T[] array)
        where T : unmanaged
    {
        var bytes = (long)array.Length * sizeof(T);
        if (!available || bytes < 2 * HugePage)
        {
            return;
        }

        fixed (T* first = array)
        {
            var start = ((long)first + HugePage - 1) & ~(HugePage - 1);
            var end = ((long)first + bytes) & ~(HugePage - 1);
            try
            {
                if (end > start)
                {
                    _ = Madvise((nint)start, (nuint)(end - start), AdviseHugePage);
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                available = false;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
