#!/usr/bin/python3
"""Independent reference optima for Mosaic's mobility optimiser, computed with scipy and IPOPT.

Writes reference_problems.json: random planted cities of 5 to 40 districts (numpy's own
generator), and for each network (RT, RR) and step the objective that
scipy.optimize.minimize(method="SLSQP") reaches from every stored start, with the starts
themselves (so that Mosaic can be started from the same matrices) and scipy's best matrices.
The objective is written here from the definitions in docs/mitigation.md (including the
smoothing floors) in numpy, with a hand-derived analytic gradient (reverse mode through the
shares / the statistic, the densities and Ô = MO or MOMᵀ) that the script checks against
central finite differences and complex-step derivatives of the value before it solves anything.

Starts, per problem: identity, capacity-proportional spread, a Dirichlet(1) matrix, and a
half-identity half-Dirichlet mixture (seeded numpy generator). Step 1 runs from each start.
Step 2 runs from scipy's best step-1 matrix ("step1_optimum") and from each start. From 30
districts on, SLSQP is replaced by IPOPT (Debian's coinor-libipopt1v5, its C interface through
ctypes; --solver trust-constr selects scipy's interior point instead), step 1 from the identity (or
--starts) and step 2 from its step-1 optimum, with the exact Hessian by central differences of the
analytic gradient (block-diagonal for RT, whose objective separates by row of M: 2n gradients per
Hessian; dense for RR: 2n² gradients), tol 1e-10 (--tol), constr_viol_tol 1e-10,
bound_relax_factor 0, at most 3,000 iterations (--maxiter) and 480 CPU-s (--max-cpu) per step.
Its point is clipped and renormalised column by column and stored only if it then violates the
capacities by at most 1e-8.

Usage: /usr/bin/python3 reference.py [--sizes 5,8,12] [--out FILE] [--check-only] [--starts identity,mixed]
       [--networks RT,RR] [--solver ipopt|trust-constr|slsqp] [--tol 1e-10] [--max-cpu 480] [--maxiter 3000]
       [--step1-save FILE] [--step1-from FILE [--step1-continue]] [--step2-continue] [--ipopt key=value,...]
--step1-save stops after step 1 and writes its points to FILE; --step1-from FILE takes step 1 from
there (with --step1-continue: one more run from its point), so that a problem too large for one
hold of the lock (RR at 40 districts) runs step by step; --step2-continue (with --step1-from) runs
step 2 once more from the step-2 point already in FILE.
Problems already in FILE are kept; the sizes (and with --networks, the networks) computed replace
theirs, so that every run fits the shared lock's ten minutes (flock /tmp/mosaic-bigjob.lock ...).
The stored file was made size by size and network by network this way (Debian python3-scipy,
python3-numpy, coinor-libipopt1v5).
"""
import json
import sys
import time
import types

import numpy as np
import scipy
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, minimize

SIZES = [(5, 101), (8, 102), (12, 103), (20, 104), (30, 106), (40, 105)]


def planted_city(n, seed, cap=0.10):
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2))
    population = np.round(50_000 + rng.random(n) * 450_000)
    enclave = rng.random(n) < 0.25
    share = np.where(enclave, 0.05 + 0.04 * rng.random(n), 0.005 + 0.02 * rng.random(n))
    refugees = np.round(population * share)
    hosts = population - refugees
    rent = np.round(np.where(enclave, 400 + 300 * rng.random(n), 600 + 900 * rng.random(n)))
    bias = np.exp(np.where(enclave, 1.0, -0.3) + 0.5 * (rng.random(n) - 0.5))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    gravity = np.exp(-dist / 0.3) * np.where(np.eye(n) > 0, 3.0, 1.0)
    calls_per_person = 0.05
    tt = hosts[None, :] * gravity
    rt = hosts[None, :] * gravity * bias[None, :]
    rr = refugees[None, :] * gravity * bias[None, :]
    tt = np.round(tt / tt.sum(1, keepdims=True) * hosts[:, None] * calls_per_person * 4)
    rt = np.round(rt / rt.sum(1, keepdims=True) * refugees[:, None] * calls_per_person * 2)
    rr = np.round(rr / rr.sum(1, keepdims=True) * refugees[:, None] * calls_per_person * 2)
    return dict(n=n, cap=cap, district_ids=list(range(1, n + 1)), rt=rt, rr=rr, tt=tt,
                refugees=refugees, hosts=hosts, population=population, rent=rent)


class Objective:
    """Step 1 (share differences) and step 2 (smoothed chi-square sum) of one network, as in docs/mitigation.md."""

    def __init__(self, p, network, step):
        n = p["n"]
        self.n, self.network, self.step = n, network, step
        self.O = p["rt"] if network == "RT" else p["rr"]
        self.r = p["refugees"]
        tt = p["tt"].astype(float)
        if network == "RR":
            h = p["hosts"]
            dens = np.where(h[None, :] > 0, tt / np.where(h > 0, h, 1)[None, :], 0.0)
            tot, dtot = tt.sum(1), dens.sum(1)
            tt = np.where(dtot[:, None] > 0, dens * (tot / np.where(dtot > 0, dtot, 1))[:, None], 0.0)
        self.a = tt
        self.A = tt.sum(1)
        self.t = np.where(self.A[:, None] > 0, tt / np.where(self.A > 0, self.A, 1)[:, None], 0.0)
        self.eps_r = 1e-3 * max(self.r.sum() / n, 1e-300)
        d0 = self.O if network == "RT" else self.O / (self.r[None, :] + self.eps_r)
        self.eps_s = 1e-3 * max(d0.sum() / n, 1e-300)
        self.eps_b = 1e-4 * max(self.O.sum() / n, 1e-300)

    def forward(self, M):
        O = self.O
        if self.network == "RT":
            Oh = M @ O
            return Oh, Oh, None
        Oh = M @ O @ M.T
        Rh = M @ self.r
        return Oh, Oh / (Rh[None, :] + self.eps_r), Rh

    def value(self, M):
        """M[j, i] = m_ji; a plain loop over rows, for real and complex M (complex-step derivatives)."""
        Oh, D, _ = self.forward(M)
        S = D.sum(1)
        B = Oh.sum(1)
        total = 0.0
        for j in range(self.n):
            A = self.A[j]
            if A <= 0:
                continue
            a = self.a[j]
            if self.step == 1:
                s = D[j] / (S[j] + self.eps_s)
                total = total + ((s - a / A) ** 2).sum()
            else:
                if S[j].real <= 0 or B[j].real <= 0:
                    continue
                b = D[j] * (B[j] / S[j])
                nk = a + b
                keep = nk.real > 0
                num = (a[keep] * B[j] - b[keep] * A) ** 2
                total = total + (num / (A * (B[j] + self.eps_b) * nk[keep])).sum()
        return total

    def value_and_grad(self, M):
        """Vectorised value and analytic gradient dF/dM (reverse mode, derived by hand)."""
        Oh, D, Rh = self.forward(M)
        S = D.sum(1)
        B = Oh.sum(1)
        testable = self.A > 0
        gD = np.zeros_like(D)
        gB = np.zeros(self.n)
        if self.step == 1:
            denom = S + self.eps_s
            s = D / denom[:, None]
            diff = np.where(testable[:, None], s - self.t, 0.0)
            f = float((diff ** 2).sum())
            gs = 2 * diff
            # s_jk = D_jk / (S_j + ε): ∂/∂D_jl = δ_kl/(S_j+ε) − D_jk/(S_j+ε)².
            gD = gs / denom[:, None] - ((gs * D).sum(1) / denom ** 2)[:, None]
        else:
            rows = testable & (S > 0) & (B > 0)
            Ssafe = np.where(rows, S, 1.0)
            c = np.where(rows, B / Ssafe, 0.0)
            b = D * c[:, None]
            A = np.where(rows, self.A, 1.0)
            w = A * (B + self.eps_b)
            nk = self.a + b
            keep = rows[:, None] & (nk > 0)
            nsafe = np.where(keep, nk, 1.0)
            u = self.a * B[:, None] - b * A[:, None]
            term = np.where(keep, u ** 2 / (w[:, None] * nsafe), 0.0)
            f = float(term.sum())
            # ∂term/∂b_k and the explicit ∂term/∂B (B appears in u and in w).
            gb = np.where(keep, -2 * u * A[:, None] / (w[:, None] * nsafe) - u ** 2 / (w[:, None] * nsafe ** 2), 0.0)
            gBexp = np.where(keep, 2 * u * self.a / (w[:, None] * nsafe) - u ** 2 * A[:, None] / (w[:, None] ** 2 * nsafe), 0.0).sum(1)
            # b_k = D_k B / S: ∂b_k/∂D_l = δ_kl B/S − D_k B/S², ∂b_k/∂B = D_k/S.
            gbD = (gb * D).sum(1)
            gD = np.where(rows[:, None], gb * c[:, None] - (gbD * c / Ssafe)[:, None], 0.0)
            gB = np.where(rows, gBexp + gbD / Ssafe, 0.0)
        if self.network == "RT":
            gOh = gD + gB[:, None]
            return f, gOh @ self.O.T
        den = Rh + self.eps_r
        gOh = gD / den[None, :] + gB[:, None]
        gRh = -(gD * Oh).sum(0) / den ** 2
        # Oh = M O Mᵀ: dF/dM = gOh M Oᵀ + gOhᵀ M O; Rh = M r.
        gM = gOh @ M @ self.O.T + gOh.T @ M @ self.O + np.outer(gRh, self.r)
        return f, gM

    def f(self, x):
        return self.value_and_grad(x.reshape(self.n, self.n))[0]

    def grad(self, x):
        return self.value_and_grad(x.reshape(self.n, self.n))[1].ravel()


def check_gradients(p, rng):
    """Analytic gradient against central differences and complex steps at a random interior M."""
    n = p["n"]
    M = 0.5 * np.eye(n) + 0.5 * rng.dirichlet(np.ones(n), size=n).T
    worst = 0.0
    for network in ("RT", "RR"):
        for step in (1, 2):
            obj = Objective(p, network, step)
            f, g = obj.value_and_grad(M)
            loop = obj.value(M)
            assert abs(f - loop) <= 1e-12 * abs(loop), (network, step, f, loop)
            for idx in rng.choice(n * n, size=min(n * n, 12), replace=False):
                j, i = divmod(int(idx), n)
                h = 1e-6
                Mp, Mm, Mc = M.copy(), M.copy(), M.astype(complex)
                Mp[j, i] += h
                Mm[j, i] -= h
                Mc[j, i] += 1e-30j
                central = (obj.value(Mp) - obj.value(Mm)) / (2 * h)
                complex_step = obj.value(Mc).imag / 1e-30
                scale = max(np.abs(g).max(), 1e-300)
                assert abs(complex_step - g[j, i]) <= 1e-9 * scale, (network, step, j, i, g[j, i], complex_step)
                assert abs(central - g[j, i]) <= 1e-5 * scale, (network, step, j, i, g[j, i], central)
                worst = max(worst, abs(complex_step - g[j, i]) / scale)
    return worst


def constraints(p):
    n = p["n"]
    cap = p["cap"] * p["population"]
    r = p["refugees"]
    # Equalities: column sums of M (x = M.ravel(), M[j, i] at j*n + i) equal 1.
    Aeq = np.zeros((n, n * n))
    for i in range(n):
        Aeq[i, i::n] = 1.0
    # Inequalities: 1 − Σ_i m_ji r_i / cap_j ≥ 0 (scaled by each district's capacity so that
    # every constraint is of order 1).
    Ain = np.zeros((n, n * n))
    for j in range(n):
        Ain[j, j * n:(j + 1) * n] = -r / cap[j]
    return Aeq, Ain


def record_of(obj, name, res, x, viol, cpu):
    """One start's outcome as stored (x is dropped on output), printed as it finishes."""
    record = dict(start=name, value=float(obj.f(x)), iterations=int(res.nit), status=int(res.status),
                  message=str(res.message), violation=float(viol), cpu_seconds=round(cpu, 2), x=x)
    print(f"  {obj.network} step {obj.step} from {name}: {record['value']:.12g} ({res.nit} it, {res.message}, "
          f"violation {viol:.1e}, {cpu:.1f} CPU-s)", flush=True)
    return record


def solve(p, network, step, starts, maxiter):
    """SLSQP from each start; returns one record per start (None where the result is infeasible)."""
    n = p["n"]
    obj = Objective(p, network, step)
    Aeq, Ain = constraints(p)
    cons = [dict(type="eq", fun=lambda x: Aeq @ x - 1.0, jac=lambda x: Aeq),
            dict(type="ineq", fun=lambda x: 1.0 + Ain @ x, jac=lambda x: Ain)]
    records = []
    for name, x0 in starts:
        # The objective is scaled to 1 at this start, as SLSQP's tolerances are absolute.
        scale = 1.0 / max(obj.f(x0), 1e-300)
        t0 = time.process_time()
        res = minimize(lambda x: scale * obj.f(x), x0, jac=lambda x: scale * obj.grad(x), method="SLSQP",
                       bounds=[(0, 1)] * (n * n), constraints=cons, options=dict(maxiter=maxiter, ftol=1e-15))
        cpu = time.process_time() - t0
        x = np.clip(res.x, 0, 1)
        viol = max(np.abs(Aeq @ x - 1).max(), max(0.0, -(1.0 + Ain @ x).min()))
        records.append(record_of(obj, name, res, x, viol, cpu))
    return records


def solve_trust(p, network, step, starts, maxiter):
    """scipy's trust-constr (interior point, sparse linear constraints, analytic gradient, Hessian-vector
    products by central differences of the analytic gradient) from each start, for the sizes where SLSQP's
    dense QP on n² variables is too slow. Its interior point is moved onto the constraints exactly: each
    column renormalised to sum 1 (entries stay within [0, 1]), and the capacities checked after."""
    n = p["n"]
    obj = Objective(p, network, step)
    cap = p["cap"] * p["population"]
    r = p["refugees"]
    rows = np.repeat(np.arange(n), n)
    cols = np.arange(n * n)
    # x = M.ravel(): column i of M (origin i) holds x[i::n]; row j holds x[j*n:(j+1)*n].
    Aeq = sparse.csr_matrix((np.ones(n * n), (cols % n, cols)), shape=(n, n * n))
    Acap = sparse.csr_matrix((np.tile(r, n) / cap[rows], (rows, cols)), shape=(n, n * n))
    cons = [LinearConstraint(Aeq, 1.0, 1.0), LinearConstraint(Acap, -np.inf, 1.0)]
    records = []
    for name, x0 in starts:
        scale = 1.0 / max(obj.f(x0), 1e-300)

        def fun(x):
            f, g = obj.value_and_grad(x.reshape(n, n))
            return scale * f, scale * g.ravel()

        def hessp(x, v):
            # Central difference of the analytic gradient along v (step relative to |v| and |x|).
            h = 1e-6 / max(np.abs(v).max(), 1e-300)
            gp = obj.value_and_grad((x + h * v).reshape(n, n))[1].ravel()
            gm = obj.value_and_grad((x - h * v).reshape(n, n))[1].ravel()
            return scale * (gp - gm) / (2 * h)

        t0 = time.process_time()
        # The interior point method needs a strictly interior start for the bounds.
        xs = np.clip(x0, 1e-6, 1.0)
        xs = (xs.reshape(n, n) / xs.reshape(n, n).sum(0, keepdims=True)).ravel()
        res = minimize(fun, xs, jac=True, hessp=hessp, method="trust-constr", bounds=Bounds(0.0, 1.0),
                       constraints=cons, options=dict(maxiter=maxiter, gtol=1e-300, xtol=1e-300, initial_barrier_parameter=1e-4,
                                                      barrier_tol=1e-12, verbose=0))
        cpu = time.process_time() - t0
        M = np.clip(res.x.reshape(n, n), 0, 1)
        M = M / M.sum(0, keepdims=True)
        x = M.ravel()
        viol = max(np.abs(Aeq @ x - 1).max(), max(0.0, (Acap @ x - 1.0).max()), max(0.0, -x.min()))
        records.append(record_of(obj, name, res, x, viol, cpu))
    return records


class Ipopt:
    """IPOPT (Debian's coinor-libipopt1v5, 3.11) through its C interface by ctypes: CreateIpoptProblem,
    Add*Option, SetIntermediateCallback (to count iterations), IpoptSolve, FreeIpoptProblem."""

    def __init__(self):
        import ctypes
        self.c = ctypes
        self.lib = ctypes.CDLL("libipopt.so.1")
        d, i, p = ctypes.POINTER(ctypes.c_double), ctypes.c_int, ctypes.c_void_p
        pi = ctypes.POINTER(ctypes.c_int)
        self.F = ctypes.CFUNCTYPE(i, i, d, i, d, p)
        self.GRAD = ctypes.CFUNCTYPE(i, i, d, i, d, p)
        self.G = ctypes.CFUNCTYPE(i, i, d, i, i, d, p)
        self.JAC = ctypes.CFUNCTYPE(i, i, d, i, i, i, pi, pi, d, p)
        self.H = ctypes.CFUNCTYPE(i, i, d, i, ctypes.c_double, i, d, i, i, pi, pi, d, p)
        self.ITER = ctypes.CFUNCTYPE(i, i, i, *([ctypes.c_double] * 7), i, p)
        self.lib.CreateIpoptProblem.restype = p
        self.lib.CreateIpoptProblem.argtypes = [i, d, d, i, d, d, i, i, i, self.F, self.G, self.GRAD, self.JAC, self.H]
        self.lib.AddIpoptStrOption.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p]
        self.lib.AddIpoptNumOption.argtypes = [p, ctypes.c_char_p, ctypes.c_double]
        self.lib.AddIpoptIntOption.argtypes = [p, ctypes.c_char_p, i]
        self.lib.SetIntermediateCallback.argtypes = [p, self.ITER]
        self.lib.IpoptSolve.argtypes = [p, d, d, d, d, d, d, p]
        self.lib.FreeIpoptProblem.argtypes = [p]

    def solve(self, n, x0, lower, upper, glower, gupper, f, grad, g, jac_rows, jac_cols, jac_values,
              hess_rows, hess_cols, hess_values, options):
        """Minimises f from x0; hess_values(x, factor) returns the lower-triangle values of
        factor × ∇²f in the order of (hess_rows, hess_cols) (the constraints are linear)."""
        c = self.c
        m = len(glower)
        arr = lambda ptr, k: np.ctypeslib.as_array(ptr, shape=(k,))
        iterations = [0]

        def cb_f(_n, x, _new, out, _u):
            out[0] = f(arr(x, n).copy())
            return 1

        def cb_grad(_n, x, _new, out, _u):
            arr(out, n)[:] = grad(arr(x, n).copy())
            return 1

        def cb_g(_n, x, _new, _m, out, _u):
            arr(out, m)[:] = g(arr(x, n).copy())
            return 1

        def cb_jac(_n, x, _new, _m, count, rows, cols, values, _u):
            if not values:
                arr(rows, count)[:] = jac_rows
                arr(cols, count)[:] = jac_cols
            else:
                arr(values, count)[:] = jac_values
            return 1

        def cb_h(_n, x, _new, factor, _m, _lam, _newlam, count, rows, cols, values, _u):
            if not values:
                arr(rows, count)[:] = hess_rows
                arr(cols, count)[:] = hess_cols
            else:
                arr(values, count)[:] = hess_values(arr(x, n).copy(), factor)
            return 1

        def cb_iter(_mode, it, *_rest):
            iterations[0] = it
            return 1

        keep = [self.F(cb_f), self.G(cb_g), self.GRAD(cb_grad), self.JAC(cb_jac), self.H(cb_h), self.ITER(cb_iter)]
        dp = lambda a: np.ascontiguousarray(a, dtype=float).ctypes.data_as(c.POINTER(c.c_double))
        bufs = [np.ascontiguousarray(a, dtype=float) for a in (lower, upper, glower, gupper)]
        problem = self.lib.CreateIpoptProblem(n, dp(bufs[0]), dp(bufs[1]), m, dp(bufs[2]), dp(bufs[3]),
                                              len(jac_rows), len(hess_rows), 0, *keep[:5])
        try:
            for key, value in options.items():
                if isinstance(value, str):
                    self.lib.AddIpoptStrOption(problem, key.encode(), value.encode())
                elif isinstance(value, int):
                    self.lib.AddIpoptIntOption(problem, key.encode(), value)
                else:
                    self.lib.AddIpoptNumOption(problem, key.encode(), float(value))
            self.lib.SetIntermediateCallback(problem, keep[5])
            x = np.array(x0, dtype=float)
            gout = np.zeros(m)
            obj = np.zeros(1)
            mg, ml, mu = np.zeros(m), np.zeros(n), np.zeros(n)
            status = self.lib.IpoptSolve(problem, dp(x), dp(gout), dp(obj), dp(mg), dp(ml), dp(mu), None)
        finally:
            self.lib.FreeIpoptProblem(problem)
        return status, x, iterations[0], dict(mult_g=mg, mult_x_lower=ml, mult_x_upper=mu)


IPOPT_STATUS = {0: "Solve_Succeeded", 1: "Solved_To_Acceptable_Level", 2: "Infeasible_Problem_Detected",
                3: "Search_Direction_Becomes_Too_Small", 4: "Diverging_Iterates", 5: "User_Requested_Stop",
                6: "Feasible_Point_Found", -1: "Maximum_Iterations_Exceeded", -2: "Restoration_Failed",
                -3: "Error_In_Step_Computation", -4: "Maximum_CpuTime_Exceeded"}


def hessian_pattern(n, network):
    """Lower-triangle pattern of ∇²f in x = M.ravel(). RT's objective separates by row j of M (row j of
    Ô = M O depends on row j of M only), so its Hessian is block-diagonal with n blocks of n × n; RR's is dense."""
    if network == "RT":
        a, b = np.tril_indices(n)
        rows = (np.arange(n)[:, None] * n + a[None, :]).ravel()
        cols = (np.arange(n)[:, None] * n + b[None, :]).ravel()
        return rows, cols
    return np.tril_indices(n * n)


def difference_hessian(obj, x, network, h=1e-6):
    """Exact-in-the-limit Hessian by central differences of the analytic gradient, symmetrised, as the
    lower-triangle values of hessian_pattern. RT: 2n gradients (entry k of every row perturbed at once,
    as the rows do not interact); RR: 2n² gradients."""
    n = obj.n
    grad = lambda z: obj.value_and_grad(z.reshape(n, n))[1].ravel()
    if network == "RT":
        blocks = np.zeros((n, n, n))  # blocks[j, a, k] = ∂²f / ∂m_ja ∂m_jk
        for k in range(n):
            e = np.zeros((n, n))
            e[:, k] = h
            d = (grad(x + e.ravel()) - grad(x - e.ravel())).reshape(n, n) / (2 * h)
            blocks[:, :, k] = d
        blocks = 0.5 * (blocks + blocks.transpose(0, 2, 1))
        a, b = np.tril_indices(n)
        return blocks[:, a, b].ravel()
    N = n * n
    H = np.zeros((N, N))
    for k in range(N):
        e = np.zeros(N)
        e[k] = h
        H[:, k] = (grad(x + e) - grad(x - e)) / (2 * h)
    H = 0.5 * (H + H.T)
    return H[np.tril_indices(N)]


def solve_ipopt(p, network, step, starts, maxiter, tol=1e-10, max_cpu=480.0):
    """IPOPT from each start with the exact (difference) Hessian; its point is moved onto the
    constraints exactly (clipped to [0, 1], each column renormalised) before its value is stored, and
    counts only if it then violates the capacities by at most 10⁻⁸ (constr_viol_tol and
    bound_relax_factor 0 keep it there)."""
    n = p["n"]
    obj = Objective(p, network, step)
    cap = p["cap"] * p["population"]
    r = p["refugees"]
    N = n * n
    idx = np.arange(N)
    # x = M.ravel(): x[j*n + i] = m_ji. Constraints: column sums (i), then loads / capacity (j).
    jac_rows = np.concatenate([idx % n, n + idx // n]).astype(np.int32)
    jac_cols = np.concatenate([idx, idx]).astype(np.int32)
    jac_values = np.concatenate([np.ones(N), np.tile(r, n) / cap[idx // n]])
    hr, hc = hessian_pattern(n, network)
    solver = Ipopt()
    records = []
    for name, x0 in starts:
        scale = 1.0 / max(obj.f(x0), 1e-300)

        def g(x):
            M = x.reshape(n, n)
            return np.concatenate([M.sum(0), (M @ r) / cap])

        options = dict(tol=tol, constr_viol_tol=1e-10, bound_relax_factor=0.0, honor_original_bounds="yes", max_iter=int(maxiter), max_cpu_time=float(max_cpu),
                       print_level=0, sb="yes", mu_strategy="adaptive", hessian_constant="no")
        options.update(extra_ipopt_options())
        t0 = time.process_time()
        status, x, it, _ = solver.solve(
            N, x0, np.zeros(N), np.ones(N), np.concatenate([np.ones(n), np.full(n, -1e20)]), np.ones(2 * n),
            lambda x: scale * obj.f(x), lambda x: scale * obj.grad(x), g, jac_rows, jac_cols, jac_values,
            hr.astype(np.int32), hc.astype(np.int32), lambda x, fac: fac * scale * difference_hessian(obj, x, network), options)
        cpu = time.process_time() - t0
        M = np.clip(x.reshape(n, n), 0, 1)
        M = M / M.sum(0, keepdims=True)
        x = M.ravel()
        viol = max(np.abs(M.sum(0) - 1).max(), max(0.0, ((M @ r) / cap - 1.0).max()), max(0.0, -x.min()))
        res = types.SimpleNamespace(nit=it, status=status, message=IPOPT_STATUS.get(status, str(status)))
        records.append(record_of(obj, name, res, x, viol, cpu))
    return records


def extra_ipopt_options():
    """--ipopt key=value,key=value: more IPOPT options (numbers as numbers). A continuation from a
    point near the bounds (--step1-continue) keeps it there with bound_push=1e-10,bound_frac=1e-10,
    mu_init=1e-8 instead of IPOPT's default push of 10⁻² into the interior."""
    extra = {}
    for item in filter(None, arg("--ipopt", "").split(",")):
        key, value = item.split("=", 1)
        try:
            extra[key] = int(value) if value.isdigit() else float(value)
        except ValueError:
            extra[key] = value
    return extra


def start_points(p, seed):
    n = p["n"]
    rng = np.random.default_rng(seed)
    identity = np.eye(n)
    cap = p["cap"] * p["population"]
    proportional = np.tile((cap / cap.sum())[:, None], (1, n))
    dirichlet = rng.dirichlet(np.ones(n), size=n).T  # columns are distributions
    mixed = 0.5 * np.eye(n) + 0.5 * rng.dirichlet(np.ones(n), size=n).T
    return [("identity", identity), ("proportional", proportional), ("dirichlet", dirichlet), ("mixed", mixed)]


def best_of(records, tolerance=1e-8):
    feasible = [r for r in records if r["violation"] <= tolerance]
    return min(feasible, key=lambda r: r["value"]) if feasible else None


def public(record):
    return {k: v for k, v in record.items() if k != "x"}


def arg(flag, default):
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default


def step1_runs(p, network, flat, maxiter, method):
    """Step 1 as usual; with --step1-from FILE its runs come from a checkpoint that --step1-save wrote
    (so that the two steps can run in separate holds of the shared lock), and with --step1-continue
    the checkpoint's point is the start of one more run, whose iterations and CPU seconds add to it
    (IPOPT restarts from that point with a fresh barrier; the record says so)."""
    if "--step1-from" not in sys.argv:
        return method(p, network, 1, flat, maxiter)
    with open(arg("--step1-from", "")) as fh:
        saved = [dict(r, x=np.array(r["x"])) for r in json.load(fh)[network]]
    if "--step1-continue" not in sys.argv:
        print(f"  {network} step 1 from the checkpoint: " + ", ".join(f"{r['value']:.12g} ({r['start']})" for r in saved), flush=True)
        return saved
    previous = best_of(saved)
    return [continued(method(p, network, 1, [(previous["start"], previous["x"])], maxiter)[0], previous)]


def continued(more, previous):
    """A run from the end point of `previous` (a stored record), recorded as one run: iterations and
    CPU seconds summed, the restarts counted in the message."""
    more["iterations"] += previous["iterations"]
    more["cpu_seconds"] = round(more["cpu_seconds"] + previous["cpu_seconds"], 2)
    restarts = previous.get("restarts", 0) + 1
    more["restarts"] = restarts
    more["message"] = f"{more['message']} (IPOPT restarted {restarts}x from its own last point; totals over all runs)"
    return more


def save_step1(path, network, records):
    """Writes step 1's runs, points included, for --step1-from; nothing is stored in the reference file."""
    try:
        with open(path) as fh:
            saved = json.load(fh)
    except (OSError, ValueError):
        saved = {}
    saved[network] = [dict(r, x=r["x"].tolist()) for r in records]
    with open(path, "w") as fh:
        json.dump(saved, fh)
    print(f"  {network} step 1 saved to {path}; step 2 not run", flush=True)


IPOPT_VERSION = "3.11.9"


def main():
    sizes = SIZES
    if "--sizes" in sys.argv:
        wanted = {int(v) for v in sys.argv[sys.argv.index("--sizes") + 1].split(",")}
        sizes = [s for s in sizes if s[0] in wanted]
    target = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "reference_problems.json"
    check_rng = np.random.default_rng(7)
    for n, seed in [(5, 101), (8, 102)]:
        worst = check_gradients(planted_city(n, seed), check_rng)
        print(f"gradient check n={n}: analytic vs complex step within {worst:.1e} of max |g|", flush=True)
    if "--check-only" in sys.argv:
        return
    out = dict(generator="tests/Mosaic.Tests/TestData/Mitigation/reference.py", scipy=scipy.__version__,
               numpy=np.__version__, method="SLSQP", gradient="analytic (checked against central differences and complex step)",
               problems=[])
    try:
        with open(target) as fh:
            previous = {p["name"]: p for p in json.load(fh).get("problems", [])}
    except (OSError, ValueError):
        previous = {}
    for n, seed in sizes:
        p = planted_city(n, seed)
        entry = dict(name=f"planted-{n}-{seed}", n=n, cap=p["cap"], district_ids=p["district_ids"],
                     calls_rt=p["rt"].tolist(), calls_rr=p["rr"].tolist(), calls_tt=p["tt"].tolist(),
                     refugees=p["refugees"].tolist(), hosts=p["hosts"].tolist(),
                     population=p["population"].tolist(), rent=p["rent"].tolist(), reference={})
        starts = start_points(p, seed)
        # Objective values at two fixed matrices: Mosaic must reproduce the definition exactly.
        probe = starts[3][1]
        entry["probe_matrix"] = probe.tolist()
        entry["probe_values"] = {f"{net}_step{st}_{where}": Objective(p, net, st).value(M)
                                 for net in ("RT", "RR") for st in (1, 2)
                                 for where, M in (("identity", starts[0][1]), ("probe", probe))}
        entry["starts"] = {name: M.tolist() for name, M in starts}
        flat = [(name, M.ravel()) for name, M in starts]
        maxiter = 1000
        method = solve
        entry["method"] = "SLSQP"
        solver = arg("--solver", "ipopt" if n >= 30 else "slsqp")
        if solver != "slsqp":
            # SLSQP's dense QP on n² variables costs O(n⁶) per iteration (20 districts: 20-96 CPU-s
            # per start, 30: an estimated 5-30 minutes), so from 30 districts on IPOPT (exact difference
            # Hessian) or trust-constr runs instead, step 1 from the identity and step 2 from its step-1
            # optimum only (the budget of one shared machine; more starts: --starts identity,mixed).
            wanted = arg("--starts", "identity").split(",")
            flat = [(name, x) for name, x in flat if name in wanted]
            if solver == "ipopt":
                tol, max_cpu = float(arg("--tol", "1e-10")), float(arg("--max-cpu", "480"))
                maxiter = int(arg("--maxiter", "3000"))
                method = lambda p_, net, st, s, it: solve_ipopt(p_, net, st, s, it, tol=tol, max_cpu=max_cpu)
                entry["method"] = f"IPOPT {IPOPT_VERSION} (exact difference Hessian, tol {tol:g})"
            else:
                maxiter = 2000
                method = solve_trust
                entry["method"] = "trust-constr"
        old = previous.get(entry["name"])
        networks = arg("--networks", "RT,RR").split(",")
        if old is not None and old.get("method") == entry["method"]:
            entry["reference"] = {k: v for k, v in old["reference"].items() if k not in networks}
        for network in networks:
            t0 = time.time()
            s1 = step1_runs(p, network, flat, maxiter, method)
            b1 = best_of(s1)
            if b1 is None:
                print(f"n={n} {network}: no feasible step-1 point; not stored", flush=True)
                continue
            if "--step1-save" in sys.argv:
                save_step1(arg("--step1-save", ""), network, s1)
                continue
            if "--step2-continue" in sys.argv:
                s2 = [continued(method(p, network, 2, [("step1_optimum", np.array(old["reference"][network]["step2_optimum"]).ravel())], maxiter)[0],
                                old["reference"][network]["step2_runs"][0])]
            else:
                s2 = method(p, network, 2, [("step1_optimum", b1["x"])] + (flat if solver == "slsqp" else []), maxiter)
            b2 = best_of(s2)
            if b2 is None:
                print(f"n={n} {network}: no feasible step-2 point; not stored", flush=True)
                continue
            entry["reference"][network] = dict(
                step1=b1["value"], step2=b2["value"], step1_best_start=b1["start"], step2_best_start=b2["start"],
                step1_runs=[public(r) for r in s1], step2_runs=[public(r) for r in s2],
                step1_optimum=b1["x"].reshape(n, n).tolist(), step2_optimum=b2["x"].reshape(n, n).tolist(),
                seconds=round(time.time() - t0, 1))
            print(f"n={n} {network}: step1 {b1['value']:.12g} step2 {b2['value']:.12g} ({time.time() - t0:.1f} s)", flush=True)
        if not entry["reference"]:
            continue
        previous[entry["name"]] = entry
        out["problems"] = sorted(previous.values(), key=lambda e: e["n"])
        with open(target, "w") as fh:
            json.dump(out, fh, indent=None, separators=(",", ":"))


if __name__ == "__main__":
    main()
