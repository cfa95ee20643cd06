using Mosaic.Privacy;
using Xunit;

namespace Mosaic.Tests.Privacy;

public sealed class SmallCellsTests
{
    [Fact]
    public void A_lone_hidden_cell_in_a_column_gets_the_smallest_positive_partner()
    {
        // One column of district counts that adds up to a published group total.
        double[,] counts = { { 40 }, { 3 }, { 0 }, { 25 }, { 18 } };
        var hidden = new bool[5, 1];
        hidden[1, 0] = true;

        var added = SmallCells.Complement(counts, hidden, k: 15, rows: false, columns: true);

        Assert.Equal(1, added);
        Assert.True(hidden[4, 0]); // 18, the smallest positive shown count (0 protects nothing)
        Assert.False(hidden[2, 0]);
        Assert.False(hidden[0, 0]);
        Assert.False(hidden[3, 0]);
    }

    [Fact]
    public void Partners_are_added_until_the_hidden_counts_reach_k()
    {
        double[,] counts = { { 2 }, { 3 }, { 4 }, { 100 } };
        var hidden = new bool[4, 1];
        hidden[0, 0] = true;

        SmallCells.Complement(counts, hidden, k: 15, rows: false, columns: true);

        // 2 + 3 + 4 = 9 < 15, so the 100 must go too: subtraction then only gives 109.
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(hidden[i, 0]));
    }

    [Fact]
    public void Nothing_changes_without_a_small_cell_and_hidden_zeros_do_not_trigger()
    {
        double[,] counts = { { 0, 20 }, { 30, 40 } };
        var hidden = new bool[2, 2];
        hidden[0, 0] = true; // an empty cell shown blank describes nobody

        Assert.Equal(0, SmallCells.Complement(counts, hidden, k: 15, rows: true, columns: true));
        Assert.False(hidden[0, 1] || hidden[1, 0] || hidden[1, 1]);
    }

    [Fact]
    public void Rows_and_columns_are_protected_together()
    {
        // Hiding 5 forces a partner in its row (20) and one in its column (30); each of those
        // then needs a partner in its own other line, which the fixed point supplies.
        double[,] counts = { { 5, 20, 60 }, { 30, 70, 80 }, { 90, 95, 99 } };
        var hidden = new bool[3, 3];
        hidden[0, 0] = true;

        SmallCells.Complement(counts, hidden, k: 15, rows: true, columns: true);

        AssertNoLineIsRecoverable(counts, hidden, 15);
        Assert.True(hidden[0, 1]);
        Assert.True(hidden[1, 0]);
    }

    [Fact]
    public void On_random_tables_no_hidden_count_can_be_recovered_by_subtraction()
    {
        var random = new Random(20261123);
        for (var trial = 0; trial < 500; trial++)
        {
            int n = random.Next(1, 8), m = random.Next(1, 6), k = random.Next(2, 20);
            var counts = new double[n, m];
            var hidden = new bool[n, m];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < m; j++)
                {
                    counts[i, j] = random.Next(4) == 0 ? 0 : random.Next(1, 3 * k);
                    hidden[i, j] = SmallCells.IsSmall(counts[i, j], k);
                }
            }

            var primary = (bool[,])hidden.Clone();
            SmallCells.Complement(counts, hidden, k, rows: true, columns: true);

            AssertNoLineIsRecoverable(counts, hidden, k);
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < m; j++)
                {
                    Assert.True(hidden[i, j] || !primary[i, j], "a primary cell was revealed");
                }
            }
        }
    }

    /// <summary>
    /// The independent check: in every line holding a hidden positive count, either every
    /// positive cell is hidden, or at least two are and they add up to k or more.
    /// </summary>
    private static void AssertNoLineIsRecoverable(double[,] counts, bool[,] hidden, int k)
    {
        int n = counts.GetLength(0), m = counts.GetLength(1);
        var lines = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, m).Select(j => (i, j)).ToList())
            .Concat(Enumerable.Range(0, m).Select(j => Enumerable.Range(0, n).Select(i => (i, j)).ToList()));
        foreach (var line in lines)
        {
            var positive = line.Where(c => counts[c.i, c.j] > 0).ToList();
            var hiddenPositive = positive.Where(c => hidden[c.i, c.j]).ToList();
            if (hiddenPositive.Count == 0 || hiddenPositive.Count == positive.Count)
            {
                continue;
            }

            Assert.True(hiddenPositive.Count >= 2, "a single hidden cell is total minus the shown ones");
            Assert.True(hiddenPositive.Sum(c => counts[c.i, c.j]) >= k, "the hidden cells together describe fewer than k");
        }
    }
}
