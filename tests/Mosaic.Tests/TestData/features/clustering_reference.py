"""Reference local clustering coefficients for ClusteringKernelTests, computed with scipy.

Run from this folder: /usr/bin/python3 clustering_reference.py (numpy 1.24.2, scipy 1.10.1)  (writes clustering_reference.json).
Independent of Mosaic's kernel: triangles through node i are diag(A^3)_i / 2 with a sparse
adjacency matrix A; C_i = 2 T_i / (k_i (k_i - 1)), 0 when k_i < 2 (networkx's convention).
"""
import json

import numpy as np
import scipy.sparse as sp

rng = np.random.default_rng(20261122)
n = 300
# A sparse random graph plus a dense core so that many nodes have triangles.
pairs = set()
for _ in range(1500):
    a, b = rng.integers(0, n, size=2)
    if a != b:
        pairs.add((int(min(a, b)), int(max(a, b))))
core = rng.choice(n, size=25, replace=False)
for i in range(len(core)):
    for j in range(i + 1, len(core)):
        if rng.random() < 0.5:
            a, b = int(core[i]), int(core[j])
            pairs.add((min(a, b), max(a, b)))
edges = sorted(pairs)
rows = [a for a, b in edges] + [b for a, b in edges]
cols = [b for a, b in edges] + [a for a, b in edges]
adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
triangles = (adj @ adj).multiply(adj).sum(axis=1).A1 / 2
degree = np.asarray(adj.sum(axis=1)).ravel()
with np.errstate(divide="ignore", invalid="ignore"):
    clustering = np.where(degree >= 2, 2 * triangles / (degree * (degree - 1)), 0.0)
json.dump({"nodes": n, "edges": edges, "triangles": triangles.astype(int).tolist(),
           "clustering": clustering.tolist()}, open("clustering_reference.json", "w"))
print(len(edges), "edges,", int(triangles.sum() / 3), "triangles")
