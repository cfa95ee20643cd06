#!/usr/bin/python3
"""Independent reference optima for Mosaic's mobility optimiser, computed with scipy.

Writes reference_problems.json: random planted cities of 5 to 40 districts (numpy's own
generator), and for each network (RT, RR) the best step-1 and step-2 objective values that
scipy.optimize.minimize(method="SLSQP") finds from several starts. The objective is written
here from the definitions in docs/mitigation.md (including the smoothing floors); gradients are
complex-step derivatives of that code (exact to rounding, and independent of Mosaic's
hand-derived gradients). Mosaic's tests read the JSON and must reach an objective no worse than
scipy's by more than 1e-6 relative.

Usage: /usr/bin/python3 reference.py [--quick] [--sizes 5,8,12] [--out FILE]
(Debian python3-scipy. --quick = sizes 5 and 8, a minute or two on an idle 2-core machine; the
sizes 12-40 take from many minutes to hours because of the complex-step gradients.)
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize


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
        self.eps_r = 1e-3 * max(self.r.sum() / n, 1e-300)
        d0 = self.O if network == "RT" else self.O / (self.r[None, :] + self.eps_r)
        self.eps_s = 1e-3 * max(d0.sum() / n, 1e-300)
        self.eps_b = 1e-4 * max(self.O.sum() / n, 1e-300)

    def value(self, M):
        """M[j, i] = m_ji; works for real and complex M (complex-step derivatives)."""
        O = self.O
        if self.network == "RT":
            Oh = M @ O
            D = Oh
        else:
            Oh = M @ O @ M.T
            Rh = M @ self.r
            D = Oh / (Rh[None, :] + self.eps_r)
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

    def f(self, x):
        return float(self.value(x.reshape(self.n, self.n)).real)

    def grad(self, x):
        # Complex step, all n² directions at once is too much memory for n = 40 with RR; loop rows.
        n = self.n
        h = 1e-30
        g = np.empty(n * n)
        base = x.astype(complex)
        for idx in range(n * n):
            base[idx] += 1j * h
            g[idx] = self.value(base.reshape(n, n)).imag / h
            base[idx] -= 1j * h
        return g


def solve(p, network, step, starts, maxiter):
    n = p["n"]
    obj = Objective(p, network, step)
    cap = p["cap"] * p["population"]
    r = p["refugees"]
    # Equalities: column sums of M (x = M.ravel(), M[j, i] at j*n + i) equal 1.
    Aeq = np.zeros((n, n * n))
    for i in range(n):
        Aeq[i, i::n] = 1.0
    # Inequalities: cap_j − Σ_i m_ji r_i ≥ 0.
    # (scaled by each district's capacity so that every constraint is of order 1)
    Ain = np.zeros((n, n * n))
    for j in range(n):
        Ain[j, j * n:(j + 1) * n] = -r / cap[j]
    cons = [dict(type="eq", fun=lambda x: Aeq @ x - 1.0, jac=lambda x: Aeq),
            dict(type="ineq", fun=lambda x: 1.0 + Ain @ x, jac=lambda x: Ain)]
    # The objective is scaled to 1 at the first start, as SLSQP's tolerances are absolute.
    scale = 1.0 / max(obj.f(starts[0]), 1e-300)
    best = None
    for x0 in starts:
        res = minimize(lambda x: scale * obj.f(x), x0, jac=lambda x: scale * obj.grad(x), method="SLSQP",
                       bounds=[(0, 1)] * (n * n), constraints=cons, options=dict(maxiter=maxiter, ftol=1e-15))
        x = np.clip(res.x, 0, 1)
        viol = max(np.abs(Aeq @ x - 1).max(), max(0.0, -(1.0 + Ain @ x).min()))
        if viol > 1e-6:
            print(f"  start skipped: violation {viol:.2g}, {res.message}", file=sys.stderr)
            continue
        value = float(obj.f(x))
        if best is None or value < best[0]:
            best = (value, x, res.nit, res.message)
    return best


def start_points(p, seed):
    n = p["n"]
    rng = np.random.default_rng(seed)
    identity = np.eye(n).ravel()
    cap = p["cap"] * p["population"]
    proportional = np.tile((cap / cap.sum())[:, None], (1, n)).ravel()
    dirichlet = rng.dirichlet(np.ones(n), size=n).T.ravel()  # columns are distributions
    mixed = (0.5 * np.eye(n) + 0.5 * rng.dirichlet(np.ones(n), size=n).T).ravel()
    return [identity, proportional, dirichlet, mixed]


def main():
    quick = "--quick" in sys.argv
    sizes = [(5, 101), (8, 102), (12, 103), (20, 104), (40, 105)]
    if quick:
        sizes = sizes[:2]
    if "--sizes" in sys.argv:
        wanted = {int(v) for v in sys.argv[sys.argv.index("--sizes") + 1].split(",")}
        sizes = [s for s in sizes if s[0] in wanted]
    target = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "reference_problems.json"
    out = dict(generator="tests/Mosaic.Tests/TestData/Mitigation/reference.py", scipy=scipy.__version__,
               numpy=np.__version__, method="SLSQP", problems=[])
    for n, seed in sizes:
        p = planted_city(n, seed)
        entry = dict(name=f"planted-{n}-{seed}", n=n, cap=p["cap"], district_ids=p["district_ids"],
                     calls_rt=p["rt"].tolist(), calls_rr=p["rr"].tolist(), calls_tt=p["tt"].tolist(),
                     refugees=p["refugees"].tolist(), hosts=p["hosts"].tolist(),
                     population=p["population"].tolist(), rent=p["rent"].tolist(), reference={})
        starts = start_points(p, seed)
        # Objective values at two fixed matrices: Mosaic must reproduce the definition exactly.
        entry["probe_matrix"] = starts[3].reshape(n, n).tolist()
        entry["probe_values"] = {f"{net}_step{st}_{where}": Objective(p, net, st).f(x)
                                 for net in ("RT", "RR") for st in (1, 2)
                                 for where, x in (("identity", starts[0]), ("probe", starts[3]))}
        if n >= 40:
            starts = starts[:1]  # complex-step gradients of 1,600 variables: one start is already minutes
        maxiter = 500 if n <= 20 else 150
        for network in ("RT", "RR"):
            t0 = time.time()
            s1 = solve(p, network, 1, starts, maxiter)
            # Step 2 from every step-1 local optimum scipy found is costly; start it from the best
            # step-1 point and from the plain starts, keep the best.
            s2 = solve(p, network, 2, [s1[1]] + starts, maxiter)
            entry["reference"][network] = dict(step1=s1[0], step2=s2[0], step1_iterations=int(s1[2]),
                                               step2_iterations=int(s2[2]), seconds=round(time.time() - t0, 1),
                                               starts=len(starts))
            print(f"n={n} {network}: step1 {s1[0]:.10g} step2 {s2[0]:.10g} ({time.time() - t0:.1f} s)", flush=True)
        out["problems"].append(entry)
        with open(target, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
