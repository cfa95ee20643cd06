namespace Mosaic.Privacy;

/// <summary>
/// Small-cell suppression of published counts, with complementary suppression against
/// differencing. Hiding a count of 1 … k − 1 subscribers is not enough when the cell's line (row
/// or column) adds up to a total a reader knows or can derive — a group's size, shares that sum
/// to 1, a district total recoverable from a ratio: the hidden count is then the total minus the
/// shown ones. So whenever a line has hidden cells, further cells of that line are hidden,
/// smallest first, until it has at least two hidden cells whose counts add up to at least k.
/// Lines cross (a cell hidden for its row may break its column), so the rule is applied until
/// nothing changes.
/// </summary>
public static class SmallCells
{
    /// <summary>The primary rule: a count of 1 … k − 1 subscribers is hidden; 0 describes nobody.</summary>
    public static bool IsSmall(double subscribers, int k) => subscribers > 0 && subscribers < k;

    /// <summary>
    /// Adds complementary suppression to <paramref name="hidden"/> (primary suppression in, both
    /// out) over a table of <paramref name="subscribers"/> counts (rows × columns) whose rows
    /// and/or columns add up to known totals. Cells are chosen smallest positive count first, the
    /// lowest index winning ties, so the result is deterministic. Hidden zero cells describe nobody
    /// and neither trigger nor count as protection. A line whose positive cells are all hidden is
    /// left as it is. Returns the number of cells hidden by this rule.
    /// </summary>
    /// <param name="subscribers">The number of subscribers each cell describes.</param>
    /// <param name="hidden">Primary suppression; updated in place.</param>
    /// <param name="k">The privacy threshold.</param>
    /// <param name="rows">Whether each row adds up to a known total.</param>
    /// <param name="columns">Whether each column adds up to a known total.</param>
    public static int Complement(double[,] subscribers, bool[,] hidden, int k, bool rows, bool columns)
    {
        ArgumentNullException.ThrowIfNull(subscribers);
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.GetLength(0) != subscribers.GetLength(0) || hidden.GetLength(1) != subscribers.GetLength(1))
        {
            throw new ArgumentException("hidden must have the shape of subscribers", nameof(hidden));
        }

        int n = subscribers.GetLength(0), m = subscribers.GetLength(1);
        var lines = new List<(int Row, int Column)[]>();
        if (rows)
        {
            lines.AddRange(Enumerable.Range(0, n).Select(i => Enumerable.Range(0, m).Select(j => (i, j)).ToArray()));
        }

        if (columns)
        {
            lines.AddRange(Enumerable.Range(0, m).Select(j => Enumerable.Range(0, n).Select(i => (i, j)).ToArray()));
        }

        var added = 0;
        bool changed;
        do
        {
            changed = false;
            foreach (var line in lines)
            {
                var count = 0;
                var sum = 0.0;
                foreach (var (i, j) in line)
                {
                    if (hidden[i, j] && subscribers[i, j] > 0)
                    {
                        count++;
                        sum += subscribers[i, j];
                    }
                }

                while (count > 0 && (count < 2 || sum < k))
                {
                    var best = (Row: -1, Column: -1);
                    foreach (var (i, j) in line)
                    {
                        if (!hidden[i, j] && subscribers[i, j] > 0 && (best.Row < 0 || subscribers[i, j] < subscribers[best.Row, best.Column]))
                        {
                            best = (i, j);
                        }
                    }

                    if (best.Row < 0)
                    {
                        break;
                    }

                    hidden[best.Row, best.Column] = true;
                    count++;
                    sum += subscribers[best.Row, best.Column];
                    added++;
                    changed = true;
                }
            }
        }
        while (changed);
        return added;
    }
}
