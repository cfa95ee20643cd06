#!/usr/bin/python3
"""Reference chi-square homogeneity tests for Mosaic's ChiSquareTests.

Run with Debian's python3-scipy (the values in chi2_reference.csv were made by scipy 1.10.1 and mpmath 1.2.1,
Debian bookworm's python3-scipy and python3-mpmath):

    /usr/bin/python3 tests/Mosaic.Tests/TestData/Segregation/make_chi2_reference.py \
        > tests/Mosaic.Tests/TestData/Segregation/chi2_reference.csv

Each row is one r-by-c table (row-major, ';'-separated cells) and scipy's
chi2_contingency(correction=False) statistic, degrees of freedom and p-value, plus Cramér's V
from scipy.stats.contingency.association(method='cramer') (integer tables; for the
non-integer tables its formula sqrt(stat / (n (min(r, c) - 1))) is applied directly). The p-value is computed by scipy as
chi2.sf, which is the upper regularised gamma function Q(dof/2, stat/2) (cephes igamc); for the
huge statistics at the end it is tiny but not zero, and for the very largest it is a true
underflow (below the smallest subnormal double) so scipy gives exactly 0. scipy (cephes) already
returns 0 once the tail falls below the smallest *normal* double (about 1e-308), so the column
p_value_mpmath holds mpmath's 60-digit Q(dof/2, stat/2), rounded to the nearest double, which
keeps the subnormal range.
"""
import sys

import mpmath
import numpy as np
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association

mpmath.mp.dps = 60
rng = np.random.default_rng(20261122)
rows = []


def add(kind, table):
    table = np.asarray(table, dtype=float)
    # chi2_contingency refuses zero expected frequencies: drop all-zero columns, as Mosaic does.
    table = table[:, table.sum(axis=0) > 0]
    stat, p, dof, _ = chi2_contingency(table, correction=False)
    if table.shape[1] < 2:
        v = 0.0
    elif np.all(table == np.round(table)):
        v = association(table.astype(np.int64), method="cramer", correction=False)
    else:
        # association() accepts integer tables only; its formula, for the density tables.
        v = float(np.sqrt(stat / (table.sum() * (min(table.shape) - 1))))
    # Independent high-precision tail: Q(dof/2, stat/2) at 60 digits, rounded to the nearest
    # double (subnormals included; exactly 0 only below the smallest subnormal).
    mp = float(mpmath.gammainc(mpmath.mpf(dof) / 2, mpmath.mpf(stat) / 2, mpmath.inf, regularized=True)) if dof > 0 else 1.0
    cells = ";".join(repr(float(x)) for x in table.ravel())
    rows.append(f"{kind},{table.shape[0]},{table.shape[1]},{cells},{stat!r},{dof},{p!r},{mp!r},{v!r}")


# Small integer 2-by-k tables (the per-district test's shape).
for _ in range(150):
    k = int(rng.integers(2, 40))
    a = rng.poisson(rng.uniform(0.5, 50), size=k)
    b = rng.poisson(rng.uniform(0.5, 50), size=k)
    if a.sum() == 0 or b.sum() == 0:
        continue
    add("small", [a, b])

# Large counts with a real difference: p-values from moderate to far into the tail.
for _ in range(100):
    k = int(rng.integers(2, 40))
    base = rng.dirichlet(np.ones(k))
    shift = rng.dirichlet(np.ones(k))
    mix = rng.uniform(0.0, 0.3)
    n1 = int(rng.integers(1_000, 5_000_000))
    n2 = int(rng.integers(1_000, 5_000_000))
    a = rng.multinomial(n1, base)
    b = rng.multinomial(n2, (1 - mix) * base + mix * shift)
    add("large", [a, b])

# Non-integer (density-rescaled) 2-by-k tables, as the RR_vs_TT comparison makes.
for _ in range(60):
    k = int(rng.integers(2, 40))
    a = rng.gamma(2.0, 100.0, size=k)
    b = rng.gamma(2.0, 100.0, size=k)
    add("real", [a, b])

# General r-by-c tables.
for _ in range(40):
    r = int(rng.integers(2, 6))
    c = int(rng.integers(2, 8))
    t = rng.poisson(rng.uniform(1, 200), size=(r, c))
    t = t[t.sum(axis=1) > 0]
    if t.shape[0] < 2 or (t.sum(axis=0) > 0).sum() < 2:
        continue
    add("rxc", t)

# Huge statistics where 1 - CDF would underflow long before Q does.
for scale in [1e2, 1e3, 1e4, 3e4, 1e5, 1e6]:
    k = int(rng.integers(2, 40))
    p1 = rng.dirichlet(np.ones(k))
    p2 = rng.dirichlet(np.ones(k))
    add("huge", [np.round(p1 * scale * 10), np.round(p2 * scale * 10)])
# Hand-made: statistic about 1400-1500 on one degree of freedom (p near 1e-300 and below).
# Statistic = 1.2 N: p-values through the subnormal range (about 1e-308 to 5e-324) into true 0.
for n in [1000, 1100, 1150, 1180, 1200, 1220, 1230, 1240, 1250, 1300]:
    add("huge", [[n, 0], [n // 4, 3 * n // 4]])
add("huge", [[1000, 10], [240, 760]])
# Many degrees of freedom in the same range: one pattern scaled to statistics of 1300 to 1700.
pattern = np.array([rng.dirichlet(np.ones(21)), rng.dirichlet(np.ones(21))]) * 1000
s0 = chi2_contingency(pattern, correction=False)[0]
for target in [1300, 1400, 1450, 1500, 1550, 1600, 1700]:
    add("huge", np.round(pattern * target / s0))

out = sys.stdout
out.write("kind,rows,cols,cells,chi2,dof,p_value,p_value_mpmath,cramers_v\n")
for row in rows:
    out.write(row + "\n")
