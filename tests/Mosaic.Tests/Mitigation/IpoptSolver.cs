using System.Runtime.InteropServices;
using Mosaic.Mitigation;

namespace Mosaic.Tests.Mitigation;

/// <summary>
/// The mobility problem handed to IPOPT (Debian's <c>coinor-libipopt1v5</c>, C interface
/// <c>CreateIpoptProblem</c>/<c>IpoptSolve</c>) through P/Invoke: an interior-point method, a
/// different algorithm from Mosaic's, with Mosaic's objective and gradient as callbacks and the
/// Hessian by L-BFGS (<c>hessian_approximation limited-memory</c>) or, with
/// <c>exactHessian</c>, the dense Hessian of the objective by central differences of the analytic
/// gradient (2n² gradients per Hessian: small problems only; the constraints are linear). Variables are X = Mᵀ
/// (x[i·n + j] = m_ji) in [0, 1]; constraints are each origin's row sum = 1 and each district's
/// load Σ_i r_i x_ij / capacity_j ≤ 1 (scaled to one).
/// </summary>
internal sealed class IpoptSolver
{
    private const string Library = "libipopt.so.1";

    private static readonly Lazy<IntPtr> Handle = new(() => NativeLibrary.TryLoad(Library, out var handle) ? handle : IntPtr.Zero);

    private delegate int EvalF(int n, IntPtr x, int newX, IntPtr objective, IntPtr user);

    private delegate int EvalG(int n, IntPtr x, int newX, int m, IntPtr g, IntPtr user);

    private delegate int EvalGradF(int n, IntPtr x, int newX, IntPtr gradient, IntPtr user);

    private delegate int EvalJacG(int n, IntPtr x, int newX, int m, int count, IntPtr rows, IntPtr columns, IntPtr values, IntPtr user);

    private delegate int EvalH(int n, IntPtr x, int newX, double objectiveFactor, int m, IntPtr lambda, int newLambda, int count, IntPtr rows, IntPtr columns, IntPtr values, IntPtr user);

    private delegate IntPtr CreateProblem(
        int n, double[] xLower, double[] xUpper, int m, double[] gLower, double[] gUpper, int jacobianCount, int hessianCount, int indexStyle,
        EvalF f, EvalG g, EvalGradF gradF, EvalJacG jacG, EvalH h);

    private delegate int AddStrOption(IntPtr problem, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string value);

    private delegate int AddNumOption(IntPtr problem, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, double value);

    private delegate int AddIntOption(IntPtr problem, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, int value);

    private delegate int Solve(IntPtr problem, double[] x, double[] g, out double objective, double[] multG, double[] multXLower, double[] multXUpper, IntPtr user);

    private delegate void FreeProblem(IntPtr problem);

    /// <summary>Whether IPOPT's shared library could be loaded.</summary>
    public static bool Available => Handle.Value != IntPtr.Zero;

    /// <summary>
    /// Minimises the objective from <paramref name="start"/> (X layout); returns IPOPT's status
    /// (0 = solved, 1 = solved to acceptable level), its point, and the objective evaluations.
    /// </summary>
    public static (int Status, double[] X, int Evaluations) Minimize(MitigationProblem problem, MitigationNetwork network, MobilityObjectiveKind kind, double[] start, int maxIterations = 500, bool exactHessian = false)
    {
        if (!Available)
        {
            throw new InvalidOperationException($"{Library} is not installed");
        }

        var n = problem.Count;
        var size = n * n;
        var objective = new MobilityObjective(problem, network, kind);
        var scale = 1 / Math.Max(objective.Value(start), 1e-300);
        var refugees = problem.Refugees.ToArray();
        var capacity = Enumerable.Range(0, n).Select(problem.Capacity).ToArray();
        var point = new double[size];
        var gradient = new double[size];
        var evaluations = 0;

        EvalF f = (_, x, _, value, _) =>
        {
            Marshal.Copy(x, point, 0, size);
            evaluations++;
            Marshal.Copy(new[] { scale * objective.Value(point) }, 0, value, 1);
            return 1;
        };
        EvalGradF gradF = (_, x, _, result, _) =>
        {
            Marshal.Copy(x, point, 0, size);
            objective.ValueAndGradient(point, gradient);
            for (var k = 0; k < size; k++)
            {
                gradient[k] *= scale;
            }

            Marshal.Copy(gradient, 0, result, size);
            return 1;
        };
        EvalG g = (_, x, _, _, result, _) =>
        {
            Marshal.Copy(x, point, 0, size);
            var values = new double[2 * n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    values[i] += point[(i * n) + j];
                    values[n + j] += refugees[i] * point[(i * n) + j] / capacity[j];
                }
            }

            Marshal.Copy(values, 0, result, 2 * n);
            return 1;
        };
        EvalJacG jacG = (_, _, _, _, count, rows, columns, result, _) =>
        {
            // Entries 0..n²−1: row sums (constraint i, variable i·n + j); then the loads
            // (constraint n + j, variable i·n + j).
            if (result == IntPtr.Zero)
            {
                var r = new int[count];
                var c = new int[count];
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var k = (i * n) + j;
                        (r[k], c[k]) = (i, k);
                        (r[size + k], c[size + k]) = (n + j, k);
                    }
                }

                Marshal.Copy(r, 0, rows, count);
                Marshal.Copy(c, 0, columns, count);
                return 1;
            }

            var values = new double[count];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    values[(i * n) + j] = 1;
                    values[size + (i * n) + j] = refugees[i] / capacity[j];
                }
            }

            Marshal.Copy(values, 0, result, count);
            return 1;
        };
        var hessianCount = exactHessian ? size * (size + 1) / 2 : 0;
        EvalH h = (_, x, _, factor, _, _, _, count, rows, columns, result, _) =>
        {
            if (!exactHessian)
            {
                return 0;
            }

            // Lower triangle, row by row: entry (k, l), l ≤ k.
            if (result == IntPtr.Zero)
            {
                var r = new int[count];
                var c = new int[count];
                for (int k = 0, e = 0; k < size; k++)
                {
                    for (var l = 0; l <= k; l++, e++)
                    {
                        (r[e], c[e]) = (k, l);
                    }
                }

                Marshal.Copy(r, 0, rows, count);
                Marshal.Copy(c, 0, columns, count);
                return 1;
            }

            Marshal.Copy(x, point, 0, size);
            var hessian = DifferenceHessian(objective, point, size);
            var values = new double[count];
            for (int k = 0, e = 0; k < size; k++)
            {
                for (var l = 0; l <= k; l++, e++)
                {
                    values[e] = factor * scale * 0.5 * (hessian[k, l] + hessian[l, k]);
                }
            }

            Marshal.Copy(values, 0, result, count);
            return 1;
        };

        var create = Export<CreateProblem>("CreateIpoptProblem");
        var gLower = new double[2 * n];
        var gUpper = new double[2 * n];
        for (var i = 0; i < n; i++)
        {
            (gLower[i], gUpper[i]) = (1, 1);
            (gLower[n + i], gUpper[n + i]) = (-1e20, 1);
        }

        var handle = create(size, new double[size], Enumerable.Repeat(1.0, size).ToArray(), 2 * n, gLower, gUpper, 2 * size, hessianCount, 0, f, g, gradF, jacG, h);
        try
        {
            var str = Export<AddStrOption>("AddIpoptStrOption");
            var num = Export<AddNumOption>("AddIpoptNumOption");
            var integer = Export<AddIntOption>("AddIpoptIntOption");
            str(handle, "hessian_approximation", exactHessian ? "exact" : "limited-memory");
            str(handle, "mu_strategy", "adaptive");
            str(handle, "sb", "yes");
            integer(handle, "print_level", 0);
            integer(handle, "max_iter", maxIterations);
            num(handle, "tol", 1e-10);
            num(handle, "constr_viol_tol", 1e-10);
            var log = Environment.GetEnvironmentVariable("MOSAIC_IPOPT_LOG");
            if (!string.IsNullOrEmpty(log))
            {
                str(handle, "output_file", log);
                integer(handle, "file_print_level", 5);
            }

            var x = (double[])start.Clone();
            var status = Export<Solve>("IpoptSolve")(handle, x, new double[2 * n], out _, new double[2 * n], new double[size], new double[size], IntPtr.Zero);
            GC.KeepAlive(f);
            GC.KeepAlive(g);
            GC.KeepAlive(gradF);
            GC.KeepAlive(jacG);
            GC.KeepAlive(h);

            // IPOPT's point meets the constraints to its tolerances only; make it exactly feasible
            // the way Mosaic's own results are, so both are judged on the same feasible set.
            MobilityMatrix.Projector(n)(x);
            MobilityMatrix.RepairCapacityX(x, refugees, capacity, n);
            return (status, x, evaluations);
        }
        finally
        {
            Export<FreeProblem>("FreeIpoptProblem")(handle);
        }
    }

    /// <summary>∂²f/∂x_k∂x_l by central differences of the analytic gradient (step 10⁻⁶; column l = difference along x_l).</summary>
    private static double[,] DifferenceHessian(MobilityObjective objective, double[] point, int size)
    {
        const double Step = 1e-6;
        var hessian = new double[size, size];
        var plus = new double[size];
        var minus = new double[size];
        var shifted = (double[])point.Clone();
        for (var l = 0; l < size; l++)
        {
            shifted[l] = point[l] + Step;
            objective.ValueAndGradient(shifted, plus);
            shifted[l] = point[l] - Step;
            objective.ValueAndGradient(shifted, minus);
            shifted[l] = point[l];
            for (var k = 0; k < size; k++)
            {
                hessian[k, l] = (plus[k] - minus[k]) / (2 * Step);
            }
        }

        return hessian;
    }

    private static T Export<T>(string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(Handle.Value, name));
}
