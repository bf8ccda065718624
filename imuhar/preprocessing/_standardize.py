"""`Standardizer`: per-channel z-scoring of windows, fit on training subjects only."""

from __future__ import annotations

import inspect
import logging
from typing import Any, Iterable

import numpy as np

from ..core import ChannelMismatchError, InvalidParameterError, NotFittedError, SplitLeakageError, Windows

__all__ = ["Standardizer"]

logger = logging.getLogger(__name__)

_CHUNK = 4096  # windows per chunk when accumulating statistics, to bound float64 temporaries


def _valid_mask(w: Windows) -> np.ndarray:
    """(n_windows, n_nodes, n_channels) True where a value is real data: node present and channel present."""
    return w.node_mask[:, :, None] & w.channel_mask[:, None, :]


def _zero_masked(x: np.ndarray, w: Windows) -> None:
    """Set values of absent nodes/channels back to exactly zero, in place (skipped when nothing is masked)."""
    valid = _valid_mask(w)
    if not valid.all():
        x *= valid[..., None]


def _subject_set(subjects: Iterable[Any] | Any, what: str) -> set[str]:
    if isinstance(subjects, (str, bytes)) or not isinstance(subjects, Iterable):
        raise InvalidParameterError(f"{what} must be a collection of subject ids; received {subjects!r}")
    return {str(s) for s in subjects}


class Standardizer:
    """Z-score every channel with a mean and scale learned from training windows only.

    Statistics ignore masked values: a node without a sensor (``node_mask`` False) or a channel the source
    lacks (``channel_mask`` False) contributes nothing, and stays exactly zero after :meth:`transform` and
    :meth:`inverse_transform`.

    Parameters
    ----------
    per_node : bool
        Learn statistics per (node, channel) instead of per channel pooled over nodes.
    with_mean, with_std : bool
        Centre, and divide by the standard deviation.
    eps : float
        Channels with a standard deviation below ``eps`` keep scale 1 (constant channels are only centred).

    Attributes
    ----------
    mean_, scale_, var_ : ndarray, shape (n_channels,) or (n_nodes, n_channels)
    n_values_seen_ : ndarray of int, same shape
        Number of real values behind each statistic.
    fitted_subjects_ : tuple of str
        Subjects whose windows the statistics were computed from.
    nodes_, channels_ : tuple of str
    n_windows_seen_ : int

    Notes
    -----
    ``fit(windows, subjects=train_subjects)`` reads only those subjects' windows, so test windows passed in
    the same batch cannot influence the statistics. ``check_disjoint=`` in :meth:`fit` and :meth:`transform`
    turns a declared test set into a hard guarantee: any overlap with ``fitted_subjects_`` raises
    :class:`~imuhar.core.SplitLeakageError`.
    """

    def __init__(self, *, per_node: bool = False, with_mean: bool = True, with_std: bool = True, eps: float = 1e-8):
        self.per_node = per_node
        self.with_mean = with_mean
        self.with_std = with_std
        self.eps = eps

    # ------------------------------------------------------------------ sklearn-style parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``get_params``."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> "Standardizer":
        """Set constructor parameters; unknown names raise :class:`InvalidParameterError`."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise InvalidParameterError(f"Standardizer has no parameter {k!r}; parameters are {sorted(valid)}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Standardizer({args})"

    # ------------------------------------------------------------------ checks
    def _check_windows(self, windows: Any, func: str) -> Windows:
        if not isinstance(windows, Windows):
            raise InvalidParameterError(
                f"Standardizer.{func} takes a Windows batch; received {type(windows).__name__}. Build one with "
                f"imuhar.preprocessing.sliding_windows(...) or Windows.from_sktime(...)"
            )
        return windows

    def _check_fitted(self) -> None:
        if not hasattr(self, "mean_"):
            raise NotFittedError("this Standardizer is not fitted yet: call fit(train_windows, subjects=...) first")

    def _check_compatible(self, w: Windows) -> None:
        if tuple(w.channels) != tuple(self.channels_):
            raise ChannelMismatchError(
                f"windows have channels {list(w.channels)} but the standardizer was fit on {list(self.channels_)}; "
                f"cut windows with the same channels"
            )
        if self.per_node and tuple(w.nodes) != tuple(self.nodes_):
            raise ChannelMismatchError(
                f"a per-node standardizer was fit on nodes {list(self.nodes_)}; received windows over "
                f"{list(w.nodes)}. Use select_nodes()/to_canonical() to match, or per_node=False"
            )

    def _check_disjoint(self, declared: set[str], where: str) -> None:
        overlap = sorted(declared & set(self.fitted_subjects_))
        if overlap:
            raise SplitLeakageError(
                f"{where}: subjects {overlap[:10]} are declared test subjects but the standardizer statistics were "
                f"computed from their windows (fitted subjects: {list(self.fitted_subjects_)[:10]}"
                f"{'...' if len(self.fitted_subjects_) > 10 else ''}). Fit on training subjects only: "
                f"fit(windows, subjects=train_subjects)"
            )

    # ------------------------------------------------------------------ fitting
    def fit(self, windows: Windows, subjects: Iterable[Any] | None = None, *, check_disjoint: Iterable[Any] | None = None) -> "Standardizer":
        """Learn per-channel mean and scale.

        Parameters
        ----------
        windows : Windows
        subjects : collection of subject ids, optional
            Use only windows of these subjects (the training subjects); default: every window.
        check_disjoint : collection of subject ids, optional
            Declared test subjects; :class:`SplitLeakageError` if any of them is among the fitted subjects.

        Returns
        -------
        self
        """
        w = self._check_windows(windows, "fit")
        if not isinstance(self.eps, (int, float)) or not self.eps >= 0:
            raise InvalidParameterError(f"eps must be a non-negative number; received {self.eps!r}")
        if subjects is not None:
            wanted = _subject_set(subjects, "subjects")
            absent = sorted(wanted - set(w.subjects.tolist()))
            if absent:
                logger.warning("Standardizer.fit: subjects %s have no windows in this batch", absent[:10])
            w = w[np.isin(w.subjects, sorted(wanted))]
        if w.n_windows == 0:
            raise InvalidParameterError(
                "Standardizer.fit received no windows" + (" of the requested subjects" if subjects is not None else "")
            )
        fitted = tuple(sorted(set(w.subjects.tolist())))
        if check_disjoint is not None:
            # Checked before any statistic is stored, so a refused fit leaves the estimator untouched.
            overlap = sorted(_subject_set(check_disjoint, "check_disjoint") & set(fitted))
            if overlap:
                raise SplitLeakageError(
                    f"Standardizer.fit: subjects {overlap[:10]} are declared test subjects but their windows are in "
                    f"the fitting set; pass subjects=train_subjects so only training windows are read"
                )
        valid = _valid_mask(w).astype(np.float64)  # (W, N, C)
        reduce_axes = (0,) if self.per_node else (0, 1)
        t = w.n_samples
        count = valid.sum(axis=reduce_axes) * t
        total = np.zeros(count.shape)
        for i in range(0, w.n_windows, _CHUNK):
            s = w.x[i : i + _CHUNK].sum(axis=3, dtype=np.float64)
            total += (s * valid[i : i + _CHUNK]).sum(axis=reduce_axes)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        # Second pass about the mean (numerically stable for large offsets such as gravity).
        m_b = mean[None, :, :, None] if self.per_node else mean[None, None, :, None]
        sq = np.zeros(count.shape)
        for i in range(0, w.n_windows, _CHUNK):
            d = w.x[i : i + _CHUNK].astype(np.float64) - m_b
            sq += (np.einsum("wnct,wnct->wnc", d, d) * valid[i : i + _CHUNK]).sum(axis=reduce_axes)
        var = np.where(count > 0, sq / np.maximum(count, 1), 0.0)
        std = np.sqrt(var)
        scale = np.where(std > self.eps, std, 1.0) if self.with_std else np.ones_like(std)
        if not self.with_mean:
            mean = np.zeros_like(mean)
        unseen = count == 0
        if unseen.any():
            logger.info("Standardizer.fit: %d statistic(s) have no real values (absent sensors); kept at mean 0, scale 1", int(unseen.sum()))
        self.mean_, self.scale_, self.var_ = mean, scale, var
        self.n_values_seen_ = count.astype(np.int64)
        self.fitted_subjects_ = fitted
        self.nodes_, self.channels_ = tuple(w.nodes), tuple(w.channels)
        self.n_windows_seen_ = w.n_windows
        return self

    def _broadcast(self) -> tuple[np.ndarray, np.ndarray]:
        if self.per_node:
            return self.mean_[None, :, :, None], self.scale_[None, :, :, None]
        return self.mean_[None, None, :, None], self.scale_[None, None, :, None]

    def transform(self, windows: Windows, *, check_disjoint: bool | Iterable[Any] | None = None) -> Windows:
        """Standardize windows: ``(x - mean_) / scale_`` on real values; masked values stay zero.

        Parameters
        ----------
        windows : Windows
        check_disjoint : bool or collection of subject ids, optional
            ``True``: these windows are test data, so their subjects must not be among ``fitted_subjects_``.
            A collection: those declared test subjects must not be. Either raises :class:`SplitLeakageError`.

        Returns
        -------
        Windows
            float32, with a ``"standardize"`` provenance step listing the fitted subjects.
        """
        w = self._check_windows(windows, "transform")
        self._check_fitted()
        self._check_compatible(w)
        if check_disjoint is True:
            self._check_disjoint(set(w.subjects.tolist()), "Standardizer.transform")
        elif check_disjoint not in (None, False):
            self._check_disjoint(_subject_set(check_disjoint, "check_disjoint"), "Standardizer.transform")
        mean, scale = self._broadcast()
        x = w.x - mean.astype(np.float32)
        x /= scale.astype(np.float32)
        _zero_masked(x, w)
        params = {
            "per_node": bool(self.per_node),
            "fitted_subjects": list(self.fitted_subjects_),
            "n_windows_seen": int(self.n_windows_seen_),
        }
        return w.with_step("standardize", params, x=x)

    def fit_transform(self, windows: Windows, subjects: Iterable[Any] | None = None, *, check_disjoint: Iterable[Any] | None = None) -> Windows:
        """:meth:`fit` on the windows of ``subjects``, then :meth:`transform` every window passed."""
        return self.fit(windows, subjects, check_disjoint=check_disjoint).transform(windows)

    def inverse_transform(self, windows: Windows) -> Windows:
        """Undo :meth:`transform`: ``x * scale_ + mean_`` on real values; masked values stay zero."""
        w = self._check_windows(windows, "inverse_transform")
        self._check_fitted()
        self._check_compatible(w)
        mean, scale = self._broadcast()
        x = w.x * scale.astype(np.float32)
        x += mean.astype(np.float32)
        _zero_masked(x, w)
        return w.with_step("inverse_standardize", {"per_node": bool(self.per_node)}, x=x)
