#!/usr/bin/python3
"""Writes a synthetic operator call-level CSV (and its cells file) for the ingest benchmark.

usage: make_operator_csv.py ROWS OUT_DIR [--seed N]
Ids look like phone numbers (so pseudonymisation does real work), 1 in 1,000 rows is bad
(self-call or negative duration) so the reject path runs too. Deterministic for a seed.
"""
import sys, os
import numpy as np

rows = int(sys.argv[1]); out = sys.argv[2]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(seed)
n_subscribers, n_cells = max(1000, rows // 10), 2000
with open(os.path.join(out, "cells.csv"), "w") as f:
    f.write("cell_id,lat,lon\n")
    lat = 41.0 + rng.normal(0, 0.1, n_cells); lon = 29.0 + rng.normal(0, 0.15, n_cells)
    f.writelines(f"C{i:05d},{lat[i]:.6f},{lon[i]:.6f}\n" for i in range(n_cells))
start = np.datetime64("2026-01-05T00:00:00")
with open(os.path.join(out, "calls.csv"), "w") as f:
    f.write("caller_id,callee_id,start_time,duration_s,kind,caller_cell,callee_cell\n")
    chunk = 1_000_000
    for at in range(0, rows, chunk):
        n = min(chunk, rows - at)
        caller = rng.zipf(1.3, n) % n_subscribers; callee = rng.integers(0, n_subscribers, n)
        callee = np.where(callee == caller, (callee + 1) % n_subscribers, callee)
        bad = rng.random(n) < 0.001
        callee = np.where(bad & (rng.random(n) < 0.5), caller, callee)
        t = start + rng.integers(0, 28 * 86400, n).astype("timedelta64[s]")
        text = rng.random(n) < 0.3
        dur = np.where(text, 0, rng.exponential(120, n).astype(np.int64))
        dur = np.where(bad & (callee != caller), -5, dur)
        c1 = rng.integers(0, n_cells, n); c2 = rng.integers(0, n_cells, n)
        ts = np.datetime_as_string(t, unit="s")
        lines = [f"+90555{a:07d},+90555{b:07d},{s[:10]} {s[11:]},{d},{'text' if x else 'call'},C{p:05d},C{q:05d}\n"
                 for a, b, s, d, x, p, q in zip(caller, callee, ts, dur, text, c1, c2)]
        f.writelines(lines)
print(f"wrote {rows} rows to {out}")
