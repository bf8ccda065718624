"""Irregular timestamps onto a uniform grid, for the loaders of phone datasets (WISDM, RealWorld, UT-Complex ...).

Phones deliver samples when the operating system schedules them, so their timestamps jitter, repeat and sometimes
pause. A loader splits a stream at long pauses, then interpolates each piece onto a grid of exactly
``1 / rate_hz`` spacing: linearly for signals, nearest-neighbour for labels (a label is a category, never
averaged).

``imuhar.preprocessing`` did not provide ``resample_irregular`` when these loaders were written; this small
vectorized helper stands in for it (one ``searchsorted`` for all channels).
"""

from __future__ import annotations

import numpy as np

from ..core import InvalidParameterError, check_rate

__all__ = ["resample_irregular", "split_at_gaps", "clean_timestamps"]


def clean_timestamps(t_s: np.ndarray) -> np.ndarray:
    """Indices that sort ``t_s`` and drop repeated times (the first sample of a repeat is kept), shape (n_kept,)."""
    t_s = np.asarray(t_s, dtype=np.float64)
    order = np.argsort(t_s, kind="stable")
    ts = t_s[order]
    keep = np.ones(ts.shape[0], dtype=bool)
    keep[1:] = np.diff(ts) > 0
    keep &= np.isfinite(ts)
    return order[keep]


def split_at_gaps(t_s: np.ndarray, max_gap_s: float) -> list[tuple[int, int]]:
    """``(start, stop)`` index ranges of a sorted time vector, cut wherever consecutive samples are more than
    ``max_gap_s`` seconds apart (or go backwards)."""
    t_s = np.asarray(t_s, dtype=np.float64)
    if t_s.size == 0:
        return []
    dt = np.diff(t_s)
    cuts = np.flatnonzero((dt > max_gap_s) | (dt <= 0)) + 1
    edges = np.concatenate([[0], cuts, [t_s.size]])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _local_resample(t_s, x, rate_hz, labels):
    t_s = np.asarray(t_s, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if t_s.ndim != 1 or t_s.shape[0] != x.shape[0]:
        raise InvalidParameterError(
            f"timestamps must be 1-D with one entry per row of x; received t {t_s.shape} and x {x.shape}"
        )
    if t_s.shape[0] < 2 or np.any(np.diff(t_s) <= 0):
        raise InvalidParameterError(
            "timestamps must hold at least 2 strictly increasing values; sort them and drop repeats first "
            "(clean_timestamps) and cut the stream at pauses (split_at_gaps)"
        )
    n = int(np.floor((t_s[-1] - t_s[0]) * rate_hz + 1e-9)) + 1
    grid = t_s[0] + np.arange(n) / rate_hz
    # One searchsorted for all channels: the interval each grid time falls in, and its linear weight.
    right = np.clip(np.searchsorted(t_s, grid, side="right"), 1, t_s.shape[0] - 1)
    left = right - 1
    w = ((grid - t_s[left]) / (t_s[right] - t_s[left]))[:, None]
    out = x[left] * (1.0 - w) + x[right] * w
    lab = None
    if labels is not None:
        labels = np.asarray(labels)
        nearest = np.where(w[:, 0] < 0.5, left, right)
        lab = labels[nearest]
    return grid, out, lab


def resample_irregular(
    t_s: np.ndarray, x: np.ndarray, rate_hz: float, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Interpolate samples taken at irregular times onto a uniform grid starting at ``t_s[0]``.

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Strictly increasing sample times in seconds.
    x : ndarray, shape (n, c)
        Signals; interpolated linearly.
    rate_hz : float
        Rate of the output grid.
    labels : ndarray, shape (n,), optional
        Per-sample labels; taken from the nearest input sample.

    Returns
    -------
    grid_s : ndarray, shape (m,)
        Output times, ``t_s[0] + k / rate_hz`` up to ``t_s[-1]``.
    x_out : ndarray, shape (m, c)
    labels_out : ndarray, shape (m,) or None
    """
    rate_hz = check_rate(rate_hz, "rate_hz")
    return _local_resample(t_s, x, rate_hz, labels)
