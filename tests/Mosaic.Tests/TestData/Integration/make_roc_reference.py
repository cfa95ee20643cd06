#!/usr/bin/python3
"""Reference ROC curves for Mosaic's integration/roc.csv, from scikit-learn.

Run with Debian's python3-sklearn:
    /usr/bin/python3 tests/Mosaic.Tests/TestData/Integration/make_roc_reference.py
It writes roc_reference.json beside itself; the C# tests read it and never run Python.

Each case: scores (rounded so that ties occur), binary labels, and sklearn's
roc_curve(drop_intermediate=False) (fpr, tpr, thresholds) and roc_auc_score. sklearn < 1.3 puts
thresholds[0] = max score + 1 where later versions put +inf; the tests skip that first threshold.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score, roc_curve

rng = np.random.default_rng(20261123)


def case(name, n, prevalence, shift, decimals):
    labels = rng.random(n) < prevalence
    scores = 1 / (1 + np.exp(-(rng.normal(size=n) + shift * labels)))
    scores = np.round(scores, decimals)
    fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
    return {
        "name": name,
        "scores": scores.tolist(),
        "labels": [int(v) for v in labels],
        "fpr": fpr.tolist(),
        "tpr": tpr.tolist(),
        "thresholds": thresholds.tolist(),
        "auc": float(roc_auc_score(labels, scores)),
    }


cases = [
    case("small_ties", 80, 0.4, 1.2, 2),
    case("thinning", 600, 0.3, 1.5, 3),
]
out = {"sklearn": sklearn.__version__, "cases": cases}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "roc_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
