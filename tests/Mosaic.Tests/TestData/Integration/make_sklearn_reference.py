#!/usr/bin/python3
"""Reference values for Mosaic's logistic regression and metrics, from scikit-learn.

Run with Debian's python3-sklearn (1.2.1 when generated):
    /usr/bin/python3 tests/Mosaic.Tests/TestData/Integration/make_sklearn_reference.py
It writes sklearn_reference.json beside itself. The C# tests read that file; they never run Python.

Mapping: Mosaic minimises (1/n) sum_i s_i l_i + (lambda/2) ||beta||^2 (intercept unpenalised);
scikit-learn minimises 1/2 ||beta||^2 + C sum_i s_i l_i. Same minimiser when C = 1 / (n * lambda),
n the number of training rows. Features are standardised with StandardScaler (population SD).
"""
import json
import os

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                             precision_score, recall_score, roc_auc_score)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20261122)


def dataset(n, p, classes, priors, shift):
    y = rng.choice(classes, size=n, p=priors)
    x = rng.normal(size=(n, p)) * rng.uniform(0.5, 5.0, size=p) + rng.uniform(-3, 3, size=p)
    for c in range(classes):
        x[y == c] += shift * rng.normal(size=p) * (c + 1) / classes
    return x, y


def fit(x, y, lam, weights):
    n = x.shape[0]
    model = LogisticRegression(C=1.0 / (n * lam), class_weight=weights, solver="newton-cholesky",
                               tol=1e-12, max_iter=1000)
    return model.fit(x, y)


cases = []
for name, n, p, priors, lam, weights, shift in [
    ("binary_plain", 400, 5, [0.6, 0.4], 1e-2, None, 0.8),
    ("binary_balanced", 600, 7, [0.9, 0.1], 1e-3, "balanced", 0.6),
    ("binary_weak_penalty", 300, 4, [0.5, 0.5], 1e-5, None, 0.5),
]:
    x, y = dataset(n + 200, p, 2, priors, shift)
    xtr, ytr, xte, yte = x[:n], y[:n], x[n:], y[n:]
    scaler = StandardScaler().fit(xtr)
    model = fit(scaler.transform(xtr), ytr, lam, weights)
    proba = model.predict_proba(scaler.transform(xte))[:, 1]
    pred = model.predict(scaler.transform(xte))
    cases.append(dict(
        name=name, kind="binary", lam=lam, balanced=weights == "balanced", C=1.0 / (n * lam),
        x_train=xtr.tolist(), y_train=ytr.tolist(), x_test=xte.tolist(), y_test=yte.tolist(),
        intercept=[float(model.intercept_[0])], coef=[model.coef_[0].tolist()],
        proba=proba.tolist(), accuracy=accuracy_score(yte, pred), precision=precision_score(yte, pred, zero_division=0),
        recall=recall_score(yte, pred, zero_division=0), f1=f1_score(yte, pred, zero_division=0),
        roc_auc=roc_auc_score(yte, proba), pr_auc=average_precision_score(yte, proba)))

# Three-way, one-vs-rest, each binary model with balanced weights (as Mosaic's three_way task).
n, lam = 500, 1e-3
x, y = dataset(n + 300, 6, 3, [0.5, 0.4, 0.1], 0.7)
xtr, ytr, xte, yte = x[:n], y[:n], x[n:], y[n:]
scaler = StandardScaler().fit(xtr)
ovr = OneVsRestClassifier(LogisticRegression(C=1.0 / (n * lam), class_weight="balanced", solver="newton-cholesky",
                                             tol=1e-12, max_iter=1000)).fit(scaler.transform(xtr), ytr)
proba = ovr.predict_proba(scaler.transform(xte))
pred = ovr.predict(scaler.transform(xte))
onehot = np.eye(3)[yte]
cases.append(dict(
    name="three_way_ovr_balanced", kind="ovr", lam=lam, balanced=True, C=1.0 / (n * lam),
    x_train=xtr.tolist(), y_train=ytr.tolist(), x_test=xte.tolist(), y_test=yte.tolist(),
    intercept=[float(e.intercept_[0]) for e in ovr.estimators_], coef=[e.coef_[0].tolist() for e in ovr.estimators_],
    proba=proba.tolist(), accuracy=accuracy_score(yte, pred),
    precision=precision_score(yte, pred, average="macro", zero_division=0),
    recall=recall_score(yte, pred, average="macro", zero_division=0),
    f1=f1_score(yte, pred, average="macro", zero_division=0),
    roc_auc=roc_auc_score(yte, proba, multi_class="ovr", average="macro"),
    pr_auc=average_precision_score(onehot, proba, average="macro"),
    confusion=confusion_matrix(yte, pred, labels=[0, 1, 2]).tolist()))

# Ranking metrics with heavy ties (scores on a coarse grid).
ties = []
for size, grid in [(50, 0.25), (300, 0.1), (1000, 0.05)]:
    labels = rng.integers(0, 2, size=size)
    scores = np.round((rng.normal(size=size) + 0.8 * labels) / grid) * grid
    ties.append(dict(scores=scores.tolist(), labels=labels.tolist(),
                     roc_auc=roc_auc_score(labels, scores), pr_auc=average_precision_score(labels, scores)))

# Welch's t-test (scipy) for the convergence test's building block: two independent means.
welch = []
for na, nb, shift in [(20, 35, 0.3), (200, 40, -0.5), (1000, 1500, 0.05)]:
    a = rng.normal(size=na) * 2.0 + shift
    b = rng.normal(size=nb) * 0.7
    t, pvalue = scipy.stats.ttest_ind(a, b, equal_var=False)
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    welch.append(dict(a=a.tolist(), b=b.tolist(), t=float(t), p=float(pvalue), df=float(df)))

out = dict(sklearn=sklearn.__version__, numpy=np.__version__, scipy=scipy.__version__, cases=cases, ties=ties, welch=welch)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_reference.json"), "w") as f:
    json.dump(out, f)
