"""Subject-wise splits: declared lists, leave-one-subject-out, grouped k-fold and a validation carve-out.

Every split is made on subjects, never on windows, so no subject's data is on both sides. Each function
takes either a :class:`~imuhar.core.Windows` batch or an array of per-window subject ids and returns index
arrays into it together with the subject lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from ..core import InvalidParameterError, SplitLeakageError, Windows
from ..core._validation import check_positive_int

__all__ = [
    "SubjectSplit",
    "SubjectFold",
    "check_subjects_disjoint",
    "split_subjects",
    "leave_one_subject_out",
    "grouped_kfold",
    "carve_validation",
]

logger = logging.getLogger(__name__)


def _subjects_of(data: Any) -> np.ndarray:
    if isinstance(data, Windows):
        return data.subjects
    arr = np.asarray(data)
    if arr.ndim != 1:
        raise InvalidParameterError(f"pass a Windows batch or a 1-D array of per-window subject ids; received shape {arr.shape}")
    return arr.astype(str)


def _ids(subjects: Iterable[Any] | None, what: str) -> tuple[str, ...]:
    if subjects is None:
        return ()
    if isinstance(subjects, (str, bytes, int, np.integer)):
        raise InvalidParameterError(
            f"{what} must be a list of subject ids (e.g. [{subjects!r}]); received the single value {subjects!r}"
        )
    out = tuple(dict.fromkeys(str(s) for s in subjects))
    return out


def check_subjects_disjoint(**groups: Iterable[Any]) -> None:
    """Raise :class:`SplitLeakageError` if any subject appears in two of the named groups.

    Example: ``check_subjects_disjoint(train=tr, val=va, test=te)``.
    """
    named = {k: set(_ids(v, k)) for k, v in groups.items() if v is not None}
    keys = list(named)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            both = sorted(named[a] & named[b])
            if both:
                raise SplitLeakageError(
                    f"subjects {both[:10]} are in both {a} and {b}; a subject's windows must all lie on one side "
                    f"of a split. Remove them from one of the lists"
                )


@dataclass(frozen=True)
class SubjectSplit:
    """Index arrays and subject lists of a train / validation / test split.

    Attributes
    ----------
    train, val, test : ndarray of int64
        Indices of windows (or of entries of the subject array).
    train_subjects, val_subjects, test_subjects : tuple of str
        Sorted subject ids present on each side.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    train_subjects: tuple[str, ...]
    val_subjects: tuple[str, ...]
    test_subjects: tuple[str, ...]

    def take(self, windows: Windows) -> tuple[Windows, Windows, Windows]:
        """``(train, val, test)`` windows of a batch this split was computed on."""
        return windows[self.train], windows[self.val], windows[self.test]


@dataclass(frozen=True)
class SubjectFold:
    """One fold of a cross-validation by subject: ``train`` / ``test`` index arrays and their subjects."""

    train: np.ndarray
    test: np.ndarray
    train_subjects: tuple[str, ...]
    test_subjects: tuple[str, ...]


def _present(subj: np.ndarray, mask: np.ndarray) -> tuple[str, ...]:
    return tuple(sorted(set(subj[mask].tolist())))


def split_subjects(
    data: Windows | Sequence[Any],
    *,
    test_subjects: Iterable[Any],
    val_subjects: Iterable[Any] | None = None,
    train_subjects: Iterable[Any] | None = None,
) -> SubjectSplit:
    """Split by declared subject lists (a dataset's official split).

    Parameters
    ----------
    data : Windows or array_like of subject ids, shape (n_windows,)
    test_subjects : collection of subject ids
    val_subjects : collection of subject ids, optional
    train_subjects : collection of subject ids, optional
        Default: every subject not in the test or validation list.

    Returns
    -------
    SubjectSplit

    Raises
    ------
    SplitLeakageError
        If a subject is in two lists.
    InvalidParameterError
        If no test subject occurs in ``data``.
    """
    subj = _subjects_of(data)
    test, val = _ids(test_subjects, "test_subjects"), _ids(val_subjects, "val_subjects")
    train = _ids(train_subjects, "train_subjects") if train_subjects is not None else None
    check_subjects_disjoint(train=train, val=val, test=test)
    declared = set(test) | set(val) | set(train or ())
    absent = sorted(declared - set(subj.tolist()))
    if absent:
        logger.warning("split_subjects: declared subjects %s have no windows", absent[:10])
    is_test = np.isin(subj, list(test))
    if not is_test.any():
        raise InvalidParameterError(
            f"none of the test subjects {list(test)[:10]} occurs in the data (subjects present: "
            f"{sorted(set(subj.tolist()))[:10]}...); check the id format (e.g. '1' vs '01')"
        )
    is_val = np.isin(subj, list(val))
    is_train = np.isin(subj, list(train)) if train is not None else ~(is_test | is_val)
    return SubjectSplit(
        train=np.flatnonzero(is_train),
        val=np.flatnonzero(is_val),
        test=np.flatnonzero(is_test),
        train_subjects=_present(subj, is_train),
        val_subjects=_present(subj, is_val),
        test_subjects=_present(subj, is_test),
    )


def leave_one_subject_out(data: Windows | Sequence[Any]) -> list[SubjectFold]:
    """One fold per subject (sorted ids): that subject's windows are the test set, all others train.

    Parameters
    ----------
    data : Windows or array_like of subject ids, shape (n_windows,)

    Returns
    -------
    list of SubjectFold
    """
    subj = _subjects_of(data)
    everyone = sorted(set(subj.tolist()))
    if len(everyone) < 2:
        raise InvalidParameterError(f"leave-one-subject-out needs at least 2 subjects; received {everyone}")
    folds = []
    for s in everyone:
        is_test = subj == s
        folds.append(
            SubjectFold(
                train=np.flatnonzero(~is_test),
                test=np.flatnonzero(is_test),
                train_subjects=tuple(x for x in everyone if x != s),
                test_subjects=(s,),
            )
        )
    return folds


def grouped_kfold(data: Windows | Sequence[Any], n_splits: int = 5, *, random_state: int | None = 0) -> list[SubjectFold]:
    """K folds of whole subjects with balanced window counts.

    Subjects are visited from most to fewest windows (ties in a seeded random order) and each goes to the
    fold holding the fewest windows so far, so folds are balanced even when subjects differ in size.

    Parameters
    ----------
    data : Windows or array_like of subject ids, shape (n_windows,)
    n_splits : int
        Number of folds, at most the number of subjects.
    random_state : int or None
        Seed of the tie-breaking order.

    Returns
    -------
    list of SubjectFold
        Every subject is in exactly one test fold.
    """
    k = check_positive_int(n_splits, "n_splits")
    subj = _subjects_of(data)
    names, inverse, counts = np.unique(subj, return_inverse=True, return_counts=True)
    if not 2 <= k <= len(names):
        raise InvalidParameterError(f"n_splits must lie in [2, n_subjects={len(names)}]; received {n_splits}")
    rng = np.random.default_rng(random_state)
    perm = rng.permutation(len(names))
    order = perm[np.argsort(-counts[perm], kind="stable")]
    load = np.zeros(k, dtype=np.int64)
    fold_of = np.empty(len(names), dtype=np.int64)
    for i in order:  # a loop over subjects, not windows
        f = int(np.argmin(load))
        fold_of[i] = f
        load[f] += counts[i]
    window_fold = fold_of[inverse.reshape(-1)]
    folds = []
    for f in range(k):
        is_test = window_fold == f
        folds.append(
            SubjectFold(
                train=np.flatnonzero(~is_test),
                test=np.flatnonzero(is_test),
                train_subjects=tuple(sorted(names[fold_of != f].tolist())),
                test_subjects=tuple(sorted(names[fold_of == f].tolist())),
            )
        )
    return folds


def carve_validation(
    train_subjects: Iterable[Any],
    *,
    fraction: float | None = None,
    n: int | None = None,
    random_state: int | None = 0,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Set aside some training subjects for validation (model selection never looks at test subjects).

    Parameters
    ----------
    train_subjects : collection of subject ids
    fraction : float in (0, 1), optional
        Share of subjects for validation, rounded, at least 1.
    n : int, optional
        Number of validation subjects. Give ``fraction`` or ``n``.
    random_state : int or None

    Returns
    -------
    (remaining_train_subjects, val_subjects) : tuple of str, tuple of str
        Both sorted and non-empty.
    """
    subs = sorted(_ids(train_subjects, "train_subjects"))
    if (fraction is None) == (n is None):
        raise InvalidParameterError(f"give exactly one of fraction= or n=; received fraction={fraction!r}, n={n!r}")
    if len(subs) < 2:
        raise InvalidParameterError(f"carving a validation set needs at least 2 training subjects; received {subs}")
    if n is None:
        if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise InvalidParameterError(f"fraction must lie in (0, 1); received {fraction!r}")
        n_val = max(1, int(round(fraction * len(subs))))
    else:
        n_val = check_positive_int(n, "n")
    if n_val >= len(subs):
        raise InvalidParameterError(
            f"cannot take {n_val} validation subjects out of {len(subs)}: at least one must remain for training"
        )
    rng = np.random.default_rng(random_state)
    pick = set(rng.choice(len(subs), size=n_val, replace=False).tolist())
    val = tuple(s for i, s in enumerate(subs) if i in pick)
    train = tuple(s for i, s in enumerate(subs) if i not in pick)
    return train, val
