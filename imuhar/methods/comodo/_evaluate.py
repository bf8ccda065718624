"""COMODO's downstream protocol: frozen embeddings -> standardize -> RBF-SVM with C chosen by grouped CV.

Following the official ``svm_util.py``: embeddings are L2-normalized, a ``StandardScaler`` is fitted on the
training embeddings, and an RBF ``SVC(gamma="scale")`` is tuned over ``C`` in ``{1e-4, ..., 1e4}`` by
cross-validated accuracy, with the training set stratified-subsampled to at most 10,000 samples; with fewer
than 50 samples or fewer than 5 per class a single SVC with ``C = 1e5`` is fitted instead.

Two deliberate changes:

* The cross-validation folds are **whole training subjects** (grouped k-fold), not random samples, so the
  choice of ``C`` is made the way the test generalizes (to unseen people) and never looks at a test subject.
* Top-k accuracy ranks classes by the SVC's one-vs-rest ``decision_function`` instead of Platt-scaled
  ``predict_proba``: ``SVC(probability=True)`` is deprecated in scikit-learn 1.9, and its internal 5-fold Platt
  fit can make the top-1 class differ from ``predict``. With the decision values, top-1 is exactly ``predict``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from imuhar.core import InvalidParameterError, ShapeMismatchError, SplitLeakageError

__all__ = ["PAPER_C_GRID", "SVMProtocolResult", "svm_protocol", "top_k_accuracy"]

#: The C grid of the official code.
PAPER_C_GRID: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4)


@dataclass(frozen=True)
class SVMProtocolResult:
    """Test accuracies (percent) of the SVM protocol and how the SVM was chosen."""

    top1: float
    top3: float
    top5: float
    best_C: float
    cv_accuracy: float | None
    n_train: int
    n_test: int
    n_folds: int
    protocol: str

    def as_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


def top_k_accuracy(scores: np.ndarray, classes: np.ndarray, y: np.ndarray, k: int) -> float:
    """Share (0-1) of rows whose true class is among the ``k`` highest-scored ``classes``.

    Parameters
    ----------
    scores : ndarray, shape (n, n_classes)
        Any per-class score (probabilities, decision values); higher is more likely.
    classes : ndarray, shape (n_classes,)
        Class id of each column.
    y : ndarray, shape (n,)
        True class ids; ids absent from ``classes`` (never seen in training) count as misses.
    k : int
    """
    scores = np.asarray(scores)
    k = min(int(k), scores.shape[1])
    top = np.asarray(classes)[np.argsort(-scores, axis=1, kind="stable")[:, :k]]
    return float((top == np.asarray(y)[:, None]).any(axis=1).mean())


def svm_protocol(
    train_embeddings: np.ndarray,
    train_labels: np.ndarray,
    train_subjects: np.ndarray,
    test_embeddings: np.ndarray,
    test_labels: np.ndarray,
    *,
    test_subjects: np.ndarray | None = None,
    c_grid: Sequence[float] = PAPER_C_GRID,
    n_folds: int = 5,
    max_train: int = 10_000,
    l2_normalize: bool = True,
    random_state: int = 0,
) -> SVMProtocolResult:
    """Fit COMODO's SVM probe on training embeddings and score it on test embeddings.

    Parameters
    ----------
    train_embeddings : ndarray, shape (n_train, dim)
    train_labels : ndarray of int, shape (n_train,)
        Windows labelled -1 are dropped.
    train_subjects : ndarray, shape (n_train,)
        Subject of each training window; the CV folds are whole subjects (``min(n_folds, n_subjects)`` folds).
    test_embeddings : ndarray, shape (n_test, dim)
    test_labels : ndarray of int, shape (n_test,)
    test_subjects : ndarray, optional
        When given, must share no subject with ``train_subjects``.
    c_grid : sequence of float
        Candidate ``C`` values.
    n_folds : int
        Upper bound on the number of grouped folds.
    max_train : int
        Stratified subsample of the training set above this size (the official 10,000).
    l2_normalize : bool
        Normalize each embedding to unit length first (the official code does).
    random_state : int
        Seeds the subsample and Platt scaling.

    Returns
    -------
    SVMProtocolResult
        Accuracies in percent.
    """
    from sklearn.model_selection import GridSearchCV, GroupKFold, train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    xtr = np.asarray(train_embeddings, dtype=np.float64)
    xte = np.asarray(test_embeddings, dtype=np.float64)
    ytr = np.asarray(train_labels).astype(np.int64)
    yte = np.asarray(test_labels).astype(np.int64)
    gtr = np.asarray(train_subjects).astype(str)
    if xtr.ndim != 2 or xte.ndim != 2 or xtr.shape[1] != xte.shape[1]:
        raise ShapeMismatchError(
            f"embeddings must be (n, dim) with the same dim for train and test; received {xtr.shape}, {xte.shape}"
        )
    if ytr.shape != (len(xtr),) or gtr.shape != (len(xtr),) or yte.shape != (len(xte),):
        raise ShapeMismatchError("labels and subjects need one entry per embedding")
    if test_subjects is not None:
        shared = sorted(set(gtr) & set(np.asarray(test_subjects).astype(str)))
        if shared:
            raise SplitLeakageError(f"train and test embeddings share subject(s) {shared}; split by subject first")
    keep, keep_te = ytr >= 0, yte >= 0
    xtr, ytr, gtr, xte, yte = xtr[keep], ytr[keep], gtr[keep], xte[keep_te], yte[keep_te]
    classes = np.unique(ytr)
    if len(classes) < 2 or len(xte) == 0:
        raise InvalidParameterError(
            f"the SVM protocol needs >= 2 training classes and >= 1 labelled test window; received "
            f"{len(classes)} classes and {len(xte)} test windows"
        )
    if l2_normalize:
        xtr = xtr / np.maximum(np.linalg.norm(xtr, axis=1, keepdims=True), 1e-12)
        xte = xte / np.maximum(np.linalg.norm(xte, axis=1, keepdims=True), 1e-12)
    if len(xtr) > int(max_train):
        xtr, _, ytr, _, gtr, _ = train_test_split(
            xtr, ytr, gtr, train_size=int(max_train), random_state=random_state, stratify=ytr
        )
    scaler = StandardScaler().fit(xtr)
    xtr_s, xte_s = scaler.transform(xtr), scaler.transform(xte)
    n_groups = len(np.unique(gtr))
    folds = min(int(n_folds), n_groups)
    small = len(xtr) < 50 or len(xtr) // len(classes) < 5
    if small or folds < 2:
        best_c, cv_acc, folds_used = 1e5, None, 0
        why = "fewer than 50 samples or 5 per class" if small else "a single training subject"
        protocol = f"RBF-SVC C=1e5 without search ({why})"
    else:
        grid = GridSearchCV(
            SVC(kernel="rbf", gamma="scale"),
            {"C": [float(c) for c in c_grid]},
            cv=GroupKFold(n_splits=folds),
            scoring="accuracy",
            n_jobs=1,
        )
        grid.fit(xtr_s, ytr, groups=gtr)
        best_c, cv_acc, folds_used = float(grid.best_params_["C"]), float(grid.best_score_), folds
        protocol = (
            f"L2-normalize, StandardScaler on train, RBF-SVC(gamma=scale), C in {list(map(float, c_grid))} by "
            f"{folds}-fold CV grouped by training subject, top-k from the one-vs-rest decision function"
        )
    svm = SVC(kernel="rbf", gamma="scale", C=best_c, decision_function_shape="ovr").fit(xtr_s, ytr)
    scores = svm.decision_function(xte_s)
    if scores.ndim == 1:  # two classes: one signed margin, positive for classes_[1]
        scores = np.stack([-scores, scores], axis=1)
    accs = [100.0 * top_k_accuracy(scores, svm.classes_, yte, k) for k in (1, 3, 5)]
    return SVMProtocolResult(
        top1=accs[0],
        top3=accs[1],
        top5=accs[2],
        best_C=best_c,
        cv_accuracy=None if cv_acc is None else 100.0 * cv_acc,
        n_train=int(len(xtr)),
        n_test=int(len(xte)),
        n_folds=int(folds_used),
        protocol=protocol,
    )
