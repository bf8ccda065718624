"""Classification metrics in percent, with bootstrap 95 % confidence intervals.

Every figure is computed from a confusion matrix (accuracy, macro-F1) or from per-window hits (R@k), so the
bootstrap can recompute them for 1000 resamples at once with array operations: resampled confusion matrices
are sums of per-cluster confusion matrices weighted by how often each cluster was drawn.

The resampling unit (``ci_unit``) is either the window (the usual choice; treats windows as independent) or
the subject (draws whole subjects with replacement; wider and more honest, because windows of one subject
are correlated, but coarse when a test split has few subjects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from imuhar.core import InvalidParameterError, ShapeMismatchError

__all__ = [
    "confusion_matrix",
    "accuracy",
    "macro_f1",
    "recall_at_k",
    "top_k_hits",
    "Interval",
    "bootstrap_metrics",
    "classification_metrics",
]

CI_UNITS = ("window", "subject")


def _labels_1d(y: np.ndarray, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ShapeMismatchError(f"{name} must be 1-D (one class id per window); received shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise InvalidParameterError(f"{name} must hold integer class ids; received dtype {y.dtype}")
        y = y.astype(np.int64)
    return y.astype(np.int64)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of windows of true class ``i`` predicted as ``j``, shape (n_classes, n_classes)."""
    t, p = _labels_1d(y_true, "y_true"), _labels_1d(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ShapeMismatchError(f"y_true and y_pred differ in length: {t.shape} vs {p.shape}")
    if t.size and min(t.min(), p.min()) < 0:
        raise InvalidParameterError("class ids must be >= 0; drop unlabelled windows (label -1) before scoring")
    k = int(n_classes) if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _acc_from_conf(conf: np.ndarray) -> np.ndarray:
    """Accuracy in percent from confusion matrices of shape (..., K, K)."""
    total = conf.sum(axis=(-2, -1))
    return 100.0 * np.trace(conf, axis1=-2, axis2=-1) / np.maximum(total, 1)


def _f1_from_conf(conf: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """Macro-F1 in percent from confusion matrices (..., K, K).

    Classes averaged: ``labels`` if given, else those occurring as a true *or* predicted class (scikit-learn's
    default, also UniMTS's): predicting a class that is absent from the test windows costs a zero F1 term.
    """
    tp = np.diagonal(conf, axis1=-2, axis2=-1).astype(np.float64)
    support = conf.sum(axis=-1).astype(np.float64)  # true windows per class
    predicted = conf.sum(axis=-2).astype(np.float64)
    denom = support + predicted
    f1 = np.where(denom > 0, 2.0 * tp / np.maximum(denom, 1e-12), 0.0)
    if labels is not None:
        used = np.zeros(conf.shape[-1], dtype=bool)
        used[labels] = True
        used = np.broadcast_to(used, f1.shape)
    else:
        used = denom > 0
    return 100.0 * (f1 * used).sum(axis=-1) / np.maximum(used.sum(axis=-1), 1)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of windows predicted correctly, in percent."""
    return float(_acc_from_conf(confusion_matrix(y_true, y_pred)))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] | None = None) -> float:
    """Unweighted mean of per-class F1, in percent (classes: ``labels``, else every true or predicted class)."""
    conf = confusion_matrix(y_true, y_pred)
    if labels is not None:
        labels = np.asarray(labels, dtype=np.int64)
        size = max(conf.shape[0], int(labels.max()) + 1)
        conf = confusion_matrix(y_true, y_pred, n_classes=size)
    return float(_f1_from_conf(conf, labels))


def top_k_hits(y_true: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Whether each window's true class is among its ``k`` highest scores, shape (n_windows,), bool.

    Ties are broken against the true class (a tie at the k-th place does not count as a hit), so a constant
    score matrix never earns R@k above chance by accident of ordering.
    """
    t = _labels_1d(y_true, "y_true")
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != t.shape[0]:
        raise ShapeMismatchError(f"scores must have shape (n_windows={t.shape[0]}, n_classes); received {s.shape}")
    if not 1 <= int(k):
        raise InvalidParameterError(f"k must be >= 1; received {k}")
    if t.size and (t.min() < 0 or t.max() >= s.shape[1]):
        raise InvalidParameterError(f"true class ids must lie in 0..{s.shape[1] - 1} (the score columns)")
    true_score = s[np.arange(t.size), t]
    better = (s >= true_score[:, None]).sum(axis=1) - 1  # other classes scoring at least as high
    return better < int(k)


def recall_at_k(y_true: np.ndarray, scores: np.ndarray, k: int = 2) -> float:
    """R@k in percent: share of windows whose true class is among the top ``k`` scored classes."""
    return float(100.0 * top_k_hits(y_true, scores, k).mean()) if len(y_true) else float("nan")


@dataclass(frozen=True)
class Interval:
    """A bootstrap percentile interval."""

    low: float
    high: float

    def to_list(self) -> list[float]:
        return [self.low, self.high]


def _cluster_ids(n: int, unit: str, subjects: np.ndarray | None) -> np.ndarray:
    if unit not in CI_UNITS:
        raise InvalidParameterError(f"ci_unit must be one of {CI_UNITS}; received {unit!r}")
    if unit == "window":
        return np.arange(n)
    if subjects is None:
        raise InvalidParameterError("ci_unit='subject' needs the subject of every window (subjects=...)")
    subjects = np.asarray(subjects)
    if subjects.shape != (n,):
        raise ShapeMismatchError(f"subjects must have shape ({n},); received {subjects.shape}")
    return np.unique(subjects.astype(str), return_inverse=True)[1]


def bootstrap_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    hits: dict[str, np.ndarray] | None = None,
    n_classes: int,
    labels: np.ndarray | None = None,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    ci_unit: str = "window",
    subjects: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, Interval]:
    """Percentile bootstrap intervals of accuracy, macro-F1 and any per-window hit rates (e.g. R@2).

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n,)
    hits : dict of name -> ndarray of bool, shape (n,), optional
        Per-window indicators whose mean (in percent) is a metric, e.g. ``{"r_at_2": top_k_hits(...)}``.
    n_classes : int
        Size of the confusion matrix.
    labels : ndarray of int, optional
        Classes averaged by macro-F1 (default: every class true or predicted *in each resample*).
    n_bootstrap : int
        Resamples.
    confidence : float
        Central coverage of the interval.
    ci_unit : {"window", "subject"}
        What is resampled with replacement.
    subjects : ndarray, shape (n,), optional
        Needed for ``ci_unit="subject"``.
    seed : int

    Returns
    -------
    dict of name -> Interval
        ``accuracy``, ``macro_f1`` and every key of ``hits``.
    """
    t, p = _labels_1d(y_true, "y_true"), _labels_1d(y_pred, "y_pred")
    n = t.size
    if n == 0 or n_bootstrap < 1:
        return {}
    if not 0.0 < confidence < 1.0:
        raise InvalidParameterError(f"confidence must be in (0, 1); received {confidence}")
    rng = np.random.default_rng(seed)
    k = int(n_classes)
    clusters = _cluster_ids(n, ci_unit, subjects)
    n_clusters = int(clusters.max()) + 1
    hits = hits or {}
    if ci_unit == "window":
        # Draw window indices directly; confusion counts by one bincount over (resample, true, pred) codes.
        idx = rng.integers(0, n, size=(n_bootstrap, n))
        codes = (np.arange(n_bootstrap)[:, None] * k * k + t[idx] * k + p[idx]).ravel()
        conf = np.bincount(codes, minlength=n_bootstrap * k * k).reshape(n_bootstrap, k, k)
        rates = {name: 100.0 * np.asarray(h, dtype=np.float64)[idx].mean(axis=1) for name, h in hits.items()}
    else:
        # Per-subject sufficient statistics, combined with multinomial draw counts (resamples x subjects).
        weights = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=n_bootstrap)
        per = np.zeros((n_clusters, k * k), dtype=np.float64)
        np.add.at(per, (clusters, t * k + p), 1.0)
        conf = (weights @ per).reshape(n_bootstrap, k, k)
        sizes = np.bincount(clusters, minlength=n_clusters).astype(np.float64)
        total = weights @ sizes
        rates = {}
        for name, h in hits.items():
            per_hits = np.bincount(clusters, weights=np.asarray(h, dtype=np.float64), minlength=n_clusters)
            rates[name] = 100.0 * (weights @ per_hits) / np.maximum(total, 1)
    values = {"accuracy": _acc_from_conf(conf), "macro_f1": _f1_from_conf(conf, labels), **rates}
    lo, hi = 50.0 * (1.0 - confidence), 100.0 - 50.0 * (1.0 - confidence)
    return {name: Interval(float(np.percentile(v, lo)), float(np.percentile(v, hi))) for name, v in values.items()}


def classification_metrics(
    y_true: np.ndarray,
    scores: np.ndarray | None = None,
    *,
    y_pred: np.ndarray | None = None,
    ks: Sequence[int] = (2,),
    labels: Sequence[int] | None = None,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    ci_unit: str = "window",
    subjects: np.ndarray | None = None,
    seed: int = 0,
) -> dict[str, float | list[float]]:
    """Accuracy, macro-F1 and R@k (all in percent) with bootstrap intervals.

    Parameters
    ----------
    y_true : ndarray of int, shape (n,)
        True class ids (>= 0; drop unlabelled windows first).
    scores : ndarray, shape (n, n_classes), optional
        Class scores (similarities, logits or probabilities); predictions are their argmax and R@k needs them.
    y_pred : ndarray of int, shape (n,), optional
        Predictions, when there are no scores (then no R@k).
    ks : sequence of int
        Ranks for R@k.
    labels, n_bootstrap, confidence, ci_unit, subjects, seed
        See :func:`bootstrap_metrics`; ``n_bootstrap=0`` skips the intervals.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``r_at_<k>`` (floats, percent), the same names with ``_ci`` as
        ``[low, high]`` lists, and ``n_windows``.
    """
    t = _labels_1d(y_true, "y_true")
    if scores is None and y_pred is None:
        raise InvalidParameterError("pass scores (n_windows, n_classes) or y_pred (n_windows,)")
    hits: dict[str, np.ndarray] = {}
    if scores is not None:
        s = np.asarray(scores, dtype=np.float64)
        if s.ndim != 2 or s.shape[0] != t.size:
            raise ShapeMismatchError(f"scores must have shape (n_windows={t.size}, n_classes); received {s.shape}")
        if not np.isfinite(s).all():
            raise InvalidParameterError("scores hold NaN or infinite values; check the model's outputs")
        pred = s.argmax(axis=1) if y_pred is None else _labels_1d(y_pred, "y_pred")
        n_classes = s.shape[1]
        hits = {f"r_at_{int(k)}": top_k_hits(t, s, int(k)) for k in ks}
    else:
        pred = _labels_1d(y_pred, "y_pred")
        n_classes = int(max(t.max(initial=-1), pred.max(initial=-1)) + 1)
    label_arr = None if labels is None else np.asarray(labels, dtype=np.int64)
    if label_arr is not None:
        n_classes = max(n_classes, int(label_arr.max()) + 1)
    conf = confusion_matrix(t, pred, n_classes=n_classes)
    out: dict[str, float | list[float]] = {
        "accuracy": float(_acc_from_conf(conf)),
        "macro_f1": float(_f1_from_conf(conf, label_arr)),
    }
    for name, h in hits.items():
        out[name] = float(100.0 * h.mean()) if h.size else float("nan")
    intervals = bootstrap_metrics(
        t, pred, hits=hits, n_classes=n_classes, labels=label_arr, n_bootstrap=n_bootstrap, confidence=confidence,
        ci_unit=ci_unit, subjects=subjects, seed=seed,
    )  # fmt: skip
    for name, interval in intervals.items():
        out[f"{name}_ci"] = interval.to_list()
    out["n_windows"] = int(t.size)
    return out
