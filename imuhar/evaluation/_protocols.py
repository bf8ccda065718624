"""Evaluation protocols on embeddings: zero-shot (nearest label text), few-shot, linear probe, full-shot.

All functions take arrays (embeddings, class ids, subjects) rather than models, so any method can be scored
the same way: a text-aligned encoder supplies window and label-text embeddings, a supervised method supplies
a ``fit_predict`` callable that trains on the chosen training windows and scores the test windows.

Model selection never sees test windows: the probe's regularization is either fixed or chosen by grouped
cross-validation over *training* subjects, and training and test subjects must be disjoint.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from imuhar.core import InvalidParameterError, ShapeMismatchError, SplitLeakageError

from ._results import ResultRow, evaluate_scores

__all__ = [
    "DEFAULT_KS",
    "zero_shot_scores",
    "sample_few_shot",
    "centroid_scores",
    "linear_probe_scores",
    "select_probe_c",
    "run_zero_shot",
    "run_few_shot",
    "run_linear_probe",
    "run_full_shot",
]

log = logging.getLogger(__name__)

#: Labelled windows per class of the few-shot protocol (UniMTS's grid).
DEFAULT_KS: tuple[int, ...] = (1, 2, 3, 5, 10)

FitPredict = Callable[[np.ndarray, int], np.ndarray]


def _unit_rows(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ShapeMismatchError(f"{name} must have shape (n, dim); received {x.shape}")
    if not np.isfinite(x).all():
        raise InvalidParameterError(f"{name} hold NaN or infinite values")
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def zero_shot_scores(imu_embeddings: np.ndarray, class_embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity of every window to every class text, shape (n_windows, n_classes).

    Parameters
    ----------
    imu_embeddings : ndarray, shape (n_windows, dim)
        Window embeddings in the text space (after the method's projection).
    class_embeddings : ndarray, shape (n_classes, dim)
        One text embedding per class, e.g. :meth:`imuhar.text.TextEncoder.class_embeddings`.
    """
    a, b = _unit_rows(imu_embeddings, "imu_embeddings"), _unit_rows(class_embeddings, "class_embeddings")
    if a.shape[1] != b.shape[1]:
        raise ShapeMismatchError(
            f"window embeddings have {a.shape[1]} dimensions but class embeddings {b.shape[1]}; use the text encoder "
            "the model was trained with"
        )
    return a @ b.T


def sample_few_shot(
    labels: np.ndarray, k: int, seed: int, *, classes: Sequence[int] | None = None
) -> tuple[np.ndarray, list[int]]:
    """Draw ``k`` windows of every class without replacement.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Class ids of the candidate (training) windows; -1 is never drawn.
    k : int
        Windows per class.
    seed : int
        Seeds the draw: the same seed always gives the same windows.
    classes : sequence of int, optional
        Classes to draw (default every class present in ``labels``).

    Returns
    -------
    indices : ndarray of int
        Sorted positions into ``labels``.
    short : list of int
        Classes with fewer than ``k`` windows (all of theirs were taken).
    """
    if int(k) < 1:
        raise InvalidParameterError(f"k must be a positive integer; received {k!r}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen, short = [], []
    for c in classes if classes is not None else np.unique(labels[labels >= 0]):
        pool = np.flatnonzero(labels == c)
        if pool.size < k:
            short.append(int(c))
        chosen.append(rng.choice(pool, size=min(int(k), pool.size), replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64), short


def centroid_scores(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, n_classes: int) -> np.ndarray:
    """Cosine similarity of test windows to the mean (unit) embedding of each class, shape (n_test, n_classes).

    Classes without training windows score -2 (below any cosine), so they are never predicted.
    """
    tr, te = _unit_rows(train_x, "train_x"), _unit_rows(test_x, "test_x")
    y = np.asarray(train_y, dtype=np.int64)
    sums = np.zeros((n_classes, tr.shape[1]))
    np.add.at(sums, y, tr)
    present = np.bincount(y, minlength=n_classes) > 0
    centroids = _unit_rows(np.where(present[:, None], sums, 1.0), "centroids")
    scores = te @ centroids.T
    scores[:, ~present] = -2.0
    return scores


def linear_probe_scores(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    n_classes: int,
    *,
    C: float = 1.0,
    max_iter: int = 2000,
    seed: int = 0,
) -> np.ndarray:
    """Class probabilities from a multinomial logistic regression on standardized frozen embeddings.

    Returns an (n_test, n_classes) array; classes absent from the training windows get probability 0.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(train_y, dtype=np.int64)
    classes = np.unique(y)
    out = np.zeros((len(test_x), n_classes))
    if classes.size == 1:  # one class seen: it is the only possible answer
        out[:, classes[0]] = 1.0
        return out
    model = make_pipeline(StandardScaler(), LogisticRegression(C=float(C), max_iter=int(max_iter), random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(np.asarray(train_x, dtype=np.float64), y)
    out[:, model.classes_] = model.predict_proba(np.asarray(test_x, dtype=np.float64))
    return out


def select_probe_c(
    train_x: np.ndarray,
    train_y: np.ndarray,
    subjects: np.ndarray,
    *,
    Cs: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
    n_splits: int = 3,
    seed: int = 0,
) -> float:
    """Choose the probe's ``C`` by macro-F1 in grouped cross-validation over training subjects only."""
    from sklearn.model_selection import GroupKFold

    from ._metrics import macro_f1

    y = np.asarray(train_y, dtype=np.int64)
    groups = np.asarray(subjects).astype(str)
    n_groups = np.unique(groups).size
    if n_groups < 2:
        log.warning("one training subject only: the probe keeps C=%s without cross-validation", Cs[len(Cs) // 2])
        return float(Cs[len(Cs) // 2])
    folds = list(GroupKFold(n_splits=min(n_splits, n_groups)).split(train_x, y, groups))
    n_classes = int(y.max()) + 1
    best_c, best = float(Cs[0]), -np.inf
    for c in Cs:
        f1s = []
        for fit_idx, val_idx in folds:
            p = linear_probe_scores(train_x[fit_idx], y[fit_idx], train_x[val_idx], n_classes, C=c, seed=seed)
            f1s.append(macro_f1(y[val_idx], p.argmax(axis=1)))
        if np.mean(f1s) > best:
            best_c, best = float(c), float(np.mean(f1s))
    return best_c


def _check_subjects(train_subjects: np.ndarray | None, test_subjects: np.ndarray | None) -> None:
    if train_subjects is None or test_subjects is None:
        return
    shared = sorted(set(np.asarray(train_subjects).astype(str)) & set(np.asarray(test_subjects).astype(str)))
    if shared:
        raise SplitLeakageError(
            f"training and test windows share subject(s) {shared[:10]}; few-shot and probe protocols draw labelled "
            "windows from training subjects only - split by subject first"
        )


def run_zero_shot(
    imu_embeddings: np.ndarray,
    class_embeddings: np.ndarray,
    y_true: np.ndarray,
    *,
    dataset: str,
    split: str,
    model: str,
    class_names: Sequence[str] | None = None,
    subjects: np.ndarray | None = None,
    seed: int = 0,
    n_bootstrap: int = 1000,
    ci_unit: str = "window",
    extra: dict[str, Any] | None = None,
) -> ResultRow:
    """Zero-shot: each window takes the class whose text embedding is nearest (cosine); one result row."""
    scores = zero_shot_scores(imu_embeddings, class_embeddings)
    return evaluate_scores(
        y_true, scores, dataset=dataset, split=split, protocol="zero-shot", model=model, seed=seed, k=None,
        class_names=class_names, subjects=subjects, n_bootstrap=n_bootstrap, ci_unit=ci_unit, extra=extra,
    )  # fmt: skip


def _classifier(
    classifier: str | FitPredict,
    train_x: np.ndarray | None,
    train_y: np.ndarray,
    test_x: np.ndarray | None,
    n_classes: int,
    C: float,
) -> tuple[FitPredict, str]:
    if callable(classifier):
        return classifier, getattr(classifier, "__name__", "custom")
    if train_x is None or test_x is None:
        raise InvalidParameterError(f"classifier {classifier!r} needs train_x and test_x embeddings")
    if classifier == "linear":
        return (lambda idx, seed: linear_probe_scores(train_x[idx], train_y[idx], test_x, n_classes, C=C, seed=seed)), "linear"
    if classifier == "centroid":
        return (lambda idx, seed: centroid_scores(train_x[idx], train_y[idx], test_x, n_classes)), "centroid"
    raise InvalidParameterError(f"classifier must be 'linear', 'centroid' or a callable; received {classifier!r}")


def run_few_shot(
    train_y: np.ndarray,
    test_y: np.ndarray,
    *,
    n_classes: int,
    dataset: str,
    split: str,
    model: str,
    train_x: np.ndarray | None = None,
    test_x: np.ndarray | None = None,
    classifier: str | FitPredict = "linear",
    ks: Sequence[int] = DEFAULT_KS,
    repeats: int = 3,
    seed: int = 0,
    C: float = 1.0,
    class_names: Sequence[str] | None = None,
    train_subjects: np.ndarray | None = None,
    test_subjects: np.ndarray | None = None,
    n_bootstrap: int = 1000,
    ci_unit: str = "window",
    extra: dict[str, Any] | None = None,
    verbose: bool = False,
) -> list[ResultRow]:
    """Few-shot: for every k and repeat, draw k training windows per class, fit, score the test windows.

    Parameters
    ----------
    train_y, test_y : ndarray of int
        Class ids of the training-subject and test-subject windows.
    n_classes : int
        Number of classes (score columns).
    train_x, test_x : ndarray, shape (n, dim), optional
        Frozen embeddings, for the ``"linear"`` and ``"centroid"`` classifiers.
    classifier : {"linear", "centroid"} or callable
        ``"linear"``: logistic regression with fixed ``C``; ``"centroid"``: nearest class mean (cosine);
        a callable ``fit_predict(train_indices, seed) -> scores (n_test, n_classes)`` trains anything
        (fine-tuning, a model from scratch) on those training windows.
    ks : sequence of int
        Windows per class.
    repeats : int
        Draws per k, with seeds ``seed, seed + 1, ...`` (the same draws for every model compared).
    dataset, split, model, C, class_names, train_subjects, test_subjects, n_bootstrap, ci_unit, extra
        As in :func:`run_zero_shot`; ``train_subjects``/``test_subjects`` are checked to be disjoint.
    verbose : bool
        Progress bar over the (k, repeat) runs.

    Returns
    -------
    list of ResultRow
        One row per (k, repeat), protocol ``"few-shot"``.
    """
    _check_subjects(train_subjects, test_subjects)
    train_y = np.asarray(train_y, dtype=np.int64)
    fit_predict, name = _classifier(classifier, train_x, train_y, test_x, n_classes, C)
    runs = [(int(k), seed + r) for k in ks for r in range(int(repeats))]
    if verbose:
        from tqdm.auto import tqdm

        runs = tqdm(runs, desc=f"few-shot {dataset}", unit="run")
    rows = []
    for k, run_seed in runs:
        idx, short = sample_few_shot(train_y, k, run_seed)
        scores = np.asarray(fit_predict(idx, run_seed), dtype=np.float64)
        info = {"classifier": name, "n_train_windows": int(idx.size), **(extra or {})}
        if short:
            info["classes_with_fewer_than_k"] = short
        rows.append(evaluate_scores(
            test_y, scores, dataset=dataset, split=split, protocol="few-shot", model=model, seed=run_seed, k=k,
            class_names=class_names, subjects=test_subjects, n_bootstrap=n_bootstrap, ci_unit=ci_unit, extra=info,
        ))  # fmt: skip
    return rows


def run_linear_probe(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    *,
    n_classes: int,
    dataset: str,
    split: str,
    model: str,
    C: float | None = None,
    train_subjects: np.ndarray | None = None,
    test_subjects: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    seed: int = 0,
    n_bootstrap: int = 1000,
    ci_unit: str = "window",
    extra: dict[str, Any] | None = None,
) -> ResultRow:
    """Linear probe on every training window; ``C=None`` picks it by grouped CV over training subjects."""
    _check_subjects(train_subjects, test_subjects)
    train_y = np.asarray(train_y, dtype=np.int64)
    if C is None:
        C = select_probe_c(train_x, train_y, train_subjects, seed=seed) if train_subjects is not None else 1.0
    scores = linear_probe_scores(train_x, train_y, test_x, n_classes, C=C, seed=seed)
    return evaluate_scores(
        test_y, scores, dataset=dataset, split=split, protocol="linear-probe", model=model, seed=seed, k=None,
        class_names=class_names, subjects=test_subjects, n_bootstrap=n_bootstrap, ci_unit=ci_unit,
        extra={"C": float(C), "n_train_windows": int(train_y.size), **(extra or {})},
    )  # fmt: skip


def run_full_shot(
    fit_predict: FitPredict,
    train_y: np.ndarray,
    test_y: np.ndarray,
    *,
    dataset: str,
    split: str,
    model: str,
    seed: int = 0,
    train_subjects: np.ndarray | None = None,
    test_subjects: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    n_bootstrap: int = 1000,
    ci_unit: str = "window",
    extra: dict[str, Any] | None = None,
) -> ResultRow:
    """Full-shot: ``fit_predict(all labelled training indices, seed)`` trains and scores the test windows."""
    _check_subjects(train_subjects, test_subjects)
    train_y = np.asarray(train_y, dtype=np.int64)
    idx = np.flatnonzero(train_y >= 0)
    scores = np.asarray(fit_predict(idx, seed), dtype=np.float64)
    return evaluate_scores(
        test_y, scores, dataset=dataset, split=split, protocol="full-shot", model=model, seed=seed, k=None,
        class_names=class_names, subjects=test_subjects, n_bootstrap=n_bootstrap, ci_unit=ci_unit,
        extra={"n_train_windows": int(idx.size), **(extra or {})},
    )  # fmt: skip
