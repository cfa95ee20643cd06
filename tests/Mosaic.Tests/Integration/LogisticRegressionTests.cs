using Mosaic.Integration;

namespace Mosaic.Tests.Integration;

public class LogisticRegressionTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void Fit_TwoSymmetricPoints_SolvesTheFixedPointByHand()
    {
        // x = (−1, 1), y = (0, 1), λ = 1: b = 0 by symmetry and β solves β = σ(−β)
        // (the gradient (1/2)[−σ(−β) + (σ(β) − 1)] + β = 0), root 0.4010581375415468 (scipy brentq).
        var x = Matrix([[-1.0], [1.0]]);
        var fit = LogisticRegression.Fit(x, [0.0, 1.0], [1.0, 1.0], 1.0, 50, 1e-12);
        Assert.Equal(FitExit.Converged, fit.Exit);
        Assert.Equal(0.0, fit.Intercept, 12);
        Assert.Equal(0.4010581375415468, fit.Coefficients[0], 12);
    }

    [Theory]
    [InlineData("binary_plain")]
    [InlineData("binary_balanced")]
    [InlineData("binary_weak_penalty")]
    public void Fit_SameDataAndLambda_MatchesScikitLearn(string name)
    {
        var reference = SklearnReference.Case(name);
        var (train, test) = Standardise(SklearnReference.Matrix(reference.GetProperty("x_train")), SklearnReference.Matrix(reference.GetProperty("x_test")));
        var y = SklearnReference.Labels(reference.GetProperty("y_train")).Select(v => (double)v).ToArray();
        var weights = Classification.ClassWeights(y, reference.GetProperty("balanced").GetBoolean());
        var lambda = reference.GetProperty("lam").GetDouble();
        Assert.Equal(reference.GetProperty("C").GetDouble(), LogisticRegression.SklearnC(lambda, train.Rows), 9);

        var fit = LogisticRegression.Fit(train, y, weights, lambda, 100, 1e-12);

        Assert.Equal(FitExit.Converged, fit.Exit);
        Assert.InRange(fit.Iterations, 1, 20);
        Assert.Equal(reference.GetProperty("intercept")[0].GetDouble(), fit.Intercept, Tolerance);
        var coef = SklearnReference.Vector(reference.GetProperty("coef")[0]);
        for (var j = 0; j < coef.Length; j++)
        {
            Assert.Equal(coef[j], fit.Coefficients[j], Tolerance);
        }

        var probability = fit.DecisionFunction(test).Select(LogisticRegression.Sigmoid).ToArray();
        var expected = SklearnReference.Vector(reference.GetProperty("proba"));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], probability[i], Tolerance);
        }

        var labels = SklearnReference.Labels(reference.GetProperty("y_test")).Select(v => v == 1).ToArray();
        var metrics = Classification.BinaryMetrics(labels, probability);
        Assert.Equal(labels.Length, (int)metrics[0]!);
        string[] names = ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc"];
        for (var m = 0; m < names.Length; m++)
        {
            Assert.Equal(reference.GetProperty(names[m]).GetDouble(), (double)metrics[m + 1]!, Tolerance);
        }
    }

    [Fact]
    public void OneVsRest_BalancedThreeClasses_MatchesScikitLearn()
    {
        var reference = SklearnReference.Case("three_way_ovr_balanced");
        var (train, test) = Standardise(SklearnReference.Matrix(reference.GetProperty("x_train")), SklearnReference.Matrix(reference.GetProperty("x_test")));
        var labels = SklearnReference.Labels(reference.GetProperty("y_train"));
        var lambda = reference.GetProperty("lam").GetDouble();
        var sigmoids = new double[3][];
        for (var c = 0; c < 3; c++)
        {
            var y = labels.Select(v => v == c ? 1.0 : 0.0).ToArray();
            var fit = LogisticRegression.Fit(train, y, Classification.ClassWeights(y, balanced: true), lambda, 100, 1e-12);
            Assert.Equal(FitExit.Converged, fit.Exit);
            Assert.Equal(reference.GetProperty("intercept")[c].GetDouble(), fit.Intercept, Tolerance);
            var coef = SklearnReference.Vector(reference.GetProperty("coef")[c]);
            for (var j = 0; j < coef.Length; j++)
            {
                Assert.Equal(coef[j], fit.Coefficients[j], Tolerance);
            }

            sigmoids[c] = fit.DecisionFunction(test).Select(LogisticRegression.Sigmoid).ToArray();
        }

        var truth = SklearnReference.Labels(reference.GetProperty("y_test"));
        var (row, confusion) = Classification.ThreeWayMetrics(truth.Length, truth, sigmoids);
        string[] names = ["accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc"];
        for (var m = 0; m < names.Length; m++)
        {
            Assert.Equal(reference.GetProperty(names[m]).GetDouble(), (double)row[m + 1]!, Tolerance);
        }

        var expected = SklearnReference.Matrix(reference.GetProperty("confusion"));
        for (var a = 0; a < 3; a++)
        {
            for (var b = 0; b < 3; b++)
            {
                Assert.Equal((long)expected[a][b], confusion[a, b]);
            }
        }
    }

    [Fact]
    public void Fit_WeightTwo_EqualsDuplicatedRow()
    {
        var x = Matrix([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.9], [0.2, 0.1], [-1.2, -0.4]]);
        var fitWeighted = LogisticRegression.Fit(x, [1, 0, 1, 0, 1], [2, 1, 1, 1, 1], 0.05, 50, 1e-12);
        var duplicated = Matrix([[0.5, -1.0], [0.5, -1.0], [1.5, 0.3], [-0.7, 0.9], [0.2, 0.1], [-1.2, -0.4]]);

        // Six rows instead of five: the mean-loss scale changes by 5/6, so λ scales the same way.
        var fitDuplicated = LogisticRegression.Fit(duplicated, [1, 1, 0, 1, 0, 1], [1, 1, 1, 1, 1, 1], 0.05 * 5 / 6, 50, 1e-12);

        Assert.Equal(fitDuplicated.Intercept, fitWeighted.Intercept, 9);
        Assert.Equal(fitDuplicated.Coefficients[0], fitWeighted.Coefficients[0], 9);
        Assert.Equal(fitDuplicated.Coefficients[1], fitWeighted.Coefficients[1], 9);
    }

    [Fact]
    public void Fit_OneIteration_ReportsIterationLimit()
    {
        var reference = SklearnReference.Case("binary_plain");
        var (train, _) = Standardise(SklearnReference.Matrix(reference.GetProperty("x_train")), SklearnReference.Matrix(reference.GetProperty("x_test")));
        var y = SklearnReference.Labels(reference.GetProperty("y_train")).Select(v => (double)v).ToArray();
        var fit = LogisticRegression.Fit(train, y, Enumerable.Repeat(1.0, y.Length).ToArray(), 1e-2, 1, 1e-12);
        Assert.Equal(FitExit.IterationLimit, fit.Exit);
        Assert.Equal(1, fit.Iterations);
        Assert.True(fit.GradientNorm > 1e-12);
    }

    [Fact]
    public void Fit_SeparableData_StaysFiniteAndConverges()
    {
        var x = Matrix([[-2.0], [-1.0], [1.0], [2.0]]);
        var fit = LogisticRegression.Fit(x, [0, 0, 1, 1], [1, 1, 1, 1], 1e-6, 200, 1e-10);
        Assert.Equal(FitExit.Converged, fit.Exit);
        Assert.True(double.IsFinite(fit.Coefficients[0]) && fit.Coefficients[0] > 5);
    }

    internal static ColumnMatrix Matrix(double[][] rows)
    {
        var matrix = new ColumnMatrix(rows.Length, rows[0].Length);
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length; j++)
            {
                matrix[i, j] = rows[i][j];
            }
        }

        return matrix;
    }

    /// <summary>StandardScaler: training mean and population SD applied to both sets.</summary>
    internal static (ColumnMatrix Train, ColumnMatrix Test) Standardise(double[][] train, double[][] test)
    {
        var p = train[0].Length;
        var mean = Enumerable.Range(0, p).Select(j => train.Average(r => r[j])).ToArray();
        var sd = Enumerable.Range(0, p).Select(j => Math.Sqrt(train.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])))).ToArray();
        double[][] Apply(double[][] rows) => rows.Select(r => r.Select((v, j) => (v - mean[j]) / sd[j]).ToArray()).ToArray();
        return (Matrix(Apply(train)), Matrix(Apply(test)));
    }
}
