using System.Text;

namespace Mosaic.Ingest;

/// <summary>
/// Finds the physical line and the raw text of chosen data records of a CSV file in one
/// streaming pass. Used only for rejected records, so the bulk of the data never goes through
/// managed code. Records are separated by line ends outside quotes; quoted fields may span
/// lines; blank lines are not records (as DuckDB's reader); lines are counted by <c>\n</c>.
/// </summary>
internal static class CsvRecordLocator
{
    /// <summary>Longest raw text kept for a rejected record (the reject file is for people to read).</summary>
    public const int MaxRawLength = 4096;

    /// <summary>Locates the wanted data records (1-based, the header is record 0).</summary>
    public static Dictionary<long, (long Line, string Raw)> Locate(string path, IReadOnlySet<long> records)
    {
        var found = new Dictionary<long, (long Line, string Raw)>();
        if (records.Count == 0)
        {
            return found;
        }

        var last = records.Max();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 20];
        var raw = new List<byte>();
        long line = 1, record = 0, startLine = 1;
        bool inRecord = false, quoted = false, wanted = false;
        int read;
        while (record <= last && (read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (inRecord && !wanted)
                {
                    // Inside a record nobody asked for only quotes and line ends matter: jump to
                    // the next one (vectorised) instead of visiting every byte of the file.
                    var skip = buffer.AsSpan(i, read - i).IndexOfAny((byte)'"', (byte)'\n');
                    if (skip < 0)
                    {
                        break;
                    }

                    i += skip;
                }

                var b = buffer[i];
                if (!inRecord)
                {
                    if (b == '\n')
                    {
                        line++;
                        continue;
                    }

                    if (b == '\r')
                    {
                        continue;
                    }

                    inRecord = true;
                    quoted = false;
                    startLine = line;
                    wanted = records.Contains(record);
                    raw.Clear();
                }

                if (b == '"')
                {
                    quoted = !quoted;
                }
                else if (b == '\n')
                {
                    line++;
                    if (!quoted)
                    {
                        Finish();
                        continue;
                    }
                }
                else if (b == '\r' && !quoted)
                {
                    continue;
                }

                if (wanted && raw.Count < MaxRawLength)
                {
                    raw.Add(b);
                }
            }
        }

        if (inRecord)
        {
            Finish();
        }

        return found;

        void Finish()
        {
            if (wanted)
            {
                found[record] = (startLine, Encoding.UTF8.GetString(raw.ToArray()).TrimStart('\uFEFF'));
            }

            inRecord = false;
            record++;
        }
    }
}
