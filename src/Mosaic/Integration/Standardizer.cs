namespace Mosaic.Integration;

/// <summary>
/// Standardises a subset of feature columns with the training rows' mean and population standard
/// deviation (as scikit-learn's StandardScaler); a null value becomes the training mean (0 after
/// standardising), and a column constant on the training rows is left at 0 (scale 1).
/// </summary>
internal sealed class Standardizer
{
    private readonly FeatureTable table;

    /// <summary>The table the rows index.</summary>
    public FeatureTable Table => table;

    public Standardizer(FeatureTable table, int[] columns, ReadOnlySpan<int> trainingRows)
    {
        this.table = table;
        Columns = columns;
        Means = new double[columns.Length];
        Scales = new double[columns.Length];
        for (var j = 0; j < columns.Length; j++)
        {
            var values = table.Values[columns[j]];
            long n = 0;
            var sum = 0.0;
            foreach (var r in trainingRows)
            {
                if (!double.IsNaN(values[r]))
                {
                    n++;
                    sum += values[r];
                }
            }

            var mean = n > 0 ? sum / n : 0.0;
            var ss = 0.0;
            foreach (var r in trainingRows)
            {
                if (!double.IsNaN(values[r]))
                {
                    ss += (values[r] - mean) * (values[r] - mean);
                }
            }

            var sd = n > 0 ? Math.Sqrt(ss / n) : 0.0;
            Means[j] = mean;
            Scales[j] = sd > 0 ? sd : 1.0;
        }
    }

    /// <summary>Indices into <see cref="FeatureTable.Columns"/>.</summary>
    public int[] Columns { get; }

    public double[] Means { get; }

    public double[] Scales { get; }

    /// <summary>The standardised design matrix of <paramref name="rows"/>.</summary>
    public ColumnMatrix Transform(ReadOnlySpan<int> rows)
    {
        var matrix = new ColumnMatrix(rows.Length, Columns.Length);
        for (var j = 0; j < Columns.Length; j++)
        {
            var values = table.Values[Columns[j]];
            var target = matrix.Column(j);
            double mean = Means[j], scale = Scales[j];
            for (var i = 0; i < rows.Length; i++)
            {
                var v = values[rows[i]];
                target[i] = double.IsNaN(v) ? 0.0 : (v - mean) / scale;
            }
        }

        return matrix;
    }

    /// <summary>η of a model fitted on standardised columns, evaluated on raw table rows without copying them.</summary>
    public double[] DecisionFunction(LogisticFit fit, ReadOnlySpan<int> rows)
    {
        var eta = new double[rows.Length];
        Array.Fill(eta, fit.Intercept);
        for (var j = 0; j < Columns.Length; j++)
        {
            var values = table.Values[Columns[j]];
            double beta = fit.Coefficients[j], mean = Means[j], scale = Scales[j];
            for (var i = 0; i < rows.Length; i++)
            {
                var v = values[rows[i]];
                if (!double.IsNaN(v))
                {
                    eta[i] += beta * ((v - mean) / scale);
                }
            }
        }

        return eta;
    }
}
