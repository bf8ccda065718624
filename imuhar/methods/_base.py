"""`Method`: the common face of every HAR method (fit on training windows, then predict or embed).

Model selection is a method's own business and happens inside :meth:`Method.fit`, on a validation split
carved by subject from the training windows it was given. No method takes test data before it is fitted,
so test subjects cannot reach model selection; :meth:`Method.check_held_out` refuses evaluation windows
that share a subject with the windows a method was fitted on.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Sequence

import numpy as np

from ..core import InvalidParameterError, NotFittedError, SplitLeakageError, Windows

__all__ = ["Method", "carve_validation_subjects", "check_disjoint_subjects"]

logger = logging.getLogger(__name__)


def check_disjoint_subjects(a: Windows | Sequence[Any], b: Windows | Sequence[Any], *, what: str = "splits") -> None:
    """Raise :class:`SplitLeakageError` if two batches (or subject lists) share a subject.

    Parameters
    ----------
    a, b : Windows or sequence of subject ids
    what : str
        Names the two sides in the message, e.g. ``"validation and test"``.
    """
    sa = set(np.asarray(a.subjects if isinstance(a, Windows) else a).astype(str).tolist())
    sb = set(np.asarray(b.subjects if isinstance(b, Windows) else b).astype(str).tolist())
    shared = sorted(sa & sb)
    if shared:
        raise SplitLeakageError(
            f"{what} share subject(s) {shared[:10]}{' ...' if len(shared) > 10 else ''}; a subject must sit on one "
            f"side only. Split by subject (e.g. the dataset card's split rule) before fitting."
        )


def carve_validation_subjects(
    train: Windows,
    *,
    fraction: float = 0.2,
    subjects: Sequence[Any] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose validation subjects among the training subjects.

    Parameters
    ----------
    train : Windows
        The training windows; validation is always a subset of their subjects.
    fraction : float
        Share of training subjects held out for validation when ``subjects`` is not given, in (0, 1).
        At least one subject is held out and at least one kept.
    subjects : sequence, optional
        Explicit validation subjects; every one must occur in ``train``.
    seed : int
        Seeds the random choice of subjects.

    Returns
    -------
    fit_mask, val_mask : ndarray of bool, shape (n_windows,)
        Windows used to fit parameters and windows used for model selection; disjoint by subject.

    Raises
    ------
    SplitLeakageError
        If an explicit validation subject is not a training subject (selection would look at other data).
    InvalidParameterError
        If fewer than two training subjects exist or ``fraction`` is outside (0, 1).
    """
    all_subjects = np.unique(train.subjects)
    if subjects is not None:
        chosen = np.unique(np.asarray(list(subjects)).astype(str))
        outside = sorted(set(chosen.tolist()) - set(all_subjects.tolist()))
        if outside:
            raise SplitLeakageError(
                f"validation subjects {outside} are not among the training subjects {all_subjects.tolist()}; model "
                f"selection may only look at subjects carved from the training windows"
            )
        if len(chosen) == len(all_subjects):
            raise InvalidParameterError(
                f"every training subject ({len(all_subjects)}) was named for validation; keep at least one to fit on"
            )
    else:
        if not 0.0 < fraction < 1.0:
            raise InvalidParameterError(f"validation fraction must lie in (0, 1); received {fraction}")
        if len(all_subjects) < 2:
            raise InvalidParameterError(
                f"a validation split by subject needs at least 2 training subjects; received {all_subjects.tolist()}"
            )
        n_val = int(np.clip(round(fraction * len(all_subjects)), 1, len(all_subjects) - 1))
        chosen = np.random.default_rng(seed).choice(all_subjects, size=n_val, replace=False)
    val_mask = np.isin(train.subjects, chosen)
    return ~val_mask, val_mask


class Method:
    """Base class of HAR methods.

    Subclasses set :attr:`name` and :attr:`tags`, keep ``__init__`` to storing keyword arguments (as
    scikit-learn estimators do) and implement :meth:`fit`, :meth:`predict_proba` and :meth:`embed`. Attributes
    learnt by ``fit`` end in ``_``. ``fit`` receives training windows only and carves any validation split
    it needs from their subjects (:func:`carve_validation_subjects`); there is deliberately no argument
    through which test windows could reach model selection. ``fit`` records the subjects it saw in
    ``fit_subjects_`` (training and validation), which :meth:`check_held_out` compares with evaluation windows.
    """

    #: Registry name, e.g. ``"fusionactnet"``.
    name: ClassVar[str] = ""
    #: Free keywords for the registry (``"supervised"``, ``"zero-shot"``, ``"torch"`` ...).
    tags: ClassVar[tuple[str, ...]] = ()

    # ------------------------------------------------------------------ the contract
    def fit(self, train: Windows, *, verbose: bool = True) -> "Method":
        """Learn from labelled training windows; returns ``self``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement fit")

    def predict_proba(self, windows: Windows) -> np.ndarray:
        """Class probabilities, shape (n_windows, n_classes), columns in the vocabulary order seen by ``fit``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement predict_proba")

    def embed(self, windows: Windows) -> np.ndarray:
        """Feature vectors, shape (n_windows, embedding_dim)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement embed")

    def predict(self, windows: Windows) -> np.ndarray:
        """Class ids, shape (n_windows,): the argmax of :meth:`predict_proba`."""
        return np.asarray(self.predict_proba(windows)).argmax(axis=1).astype(np.int64)

    # ------------------------------------------------------------------ helpers for subclasses and callers
    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        """Keyword arguments of a tiny, fast instance for the registry's conformance tests."""
        return {}

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments as stored on the instance."""
        import inspect

        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        return {n: getattr(self, n) for n in names if hasattr(self, n)}

    def _check_fitted(self, *attributes: str) -> None:
        missing = [a for a in attributes if getattr(self, a, None) is None]
        if missing:
            raise NotFittedError(f"{type(self).__name__} is not fitted (no {missing}); call fit(train_windows) first")

    def check_held_out(self, windows: Windows) -> None:
        """Raise :class:`SplitLeakageError` if ``windows`` share a subject with the windows seen by ``fit``.

        Call before computing any figure reported as a test result.
        """
        self._check_fitted("fit_subjects_")
        check_disjoint_subjects(self.fit_subjects_, windows, what="training (incl. validation) and evaluation windows")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"
