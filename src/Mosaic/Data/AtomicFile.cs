using System.Diagnostics;
using System.Globalization;

namespace Mosaic.Data;

/// <summary>
/// Writes a file under a temporary name beside its final path and renames it when complete,
/// so that no partial file is ever visible under its final name. A killed stage leaves at most
/// a <c>.name.tmp-PID-*</c> file; the next write of the same name deletes such leftovers once
/// their process is gone, so repeated interruptions do not pile up hidden files.
/// </summary>
public static class AtomicFile
{
    private const string TempMarker = ".tmp-";

    /// <summary>Calls <paramref name="write"/> with a temporary path, then moves it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var temp = TempPathFor(full);
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes text (UTF-8, no BOM, LF line endings as given) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, temp => File.WriteAllText(temp, text));

    /// <summary>
    /// A fresh temporary path beside <paramref name="finalPath"/> (its folder is created), for
    /// writers that stream into the file and rename it themselves. Leftovers of earlier,
    /// no longer running processes for the same final name are removed first.
    /// </summary>
    public static string TempPathFor(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        RemoveStaleTemps(full);
        return Path.Combine(folder, $".{Path.GetFileName(full)}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// Deletes <c>.name.tmp-PID-*</c> files of <paramref name="finalPath"/> whose process no longer
    /// runs. Files of live processes (a concurrent writer) are left alone; a reused PID only
    /// means a leftover survives until a later write.
    /// </summary>
    public static void RemoveStaleTemps(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            return;
        }

        var prefix = "." + Path.GetFileName(full) + TempMarker;
        foreach (var candidate in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            var rest = Path.GetFileName(candidate).AsSpan(prefix.Length);
            var dash = rest.IndexOf('-');
            if (dash > 0
                && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId
                && !IsRunning(pid))
            {
                TryDelete(candidate);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Another process may be cleaning up the same leftover; it is harmless to leave it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
