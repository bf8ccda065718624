"""Contrastive sampling: synchronized multi-device views, and negatives drawn at other times.

A positive for the anchor's window ``i`` is window ``i`` of a positive device (the same instant seen from
another place on the body). A negative is a window of a negative device at *another* time. "Another time"
is stricter than "another index": windows cut with overlap from one recording share samples, so a window
of the same recording whose span overlaps the anchor's is never a negative.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...core import InvalidParameterError, ShapeMismatchError, Windows, resolve_placement

__all__ = ["device_views", "other_time_mask", "sample_negative_counts"]


def device_views(windows: Windows, devices: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """The synchronized windows of several devices as one array, keeping windows where all devices are present.

    Works on windows of real multi-device recordings (phone + watch) and of simulated ones (any set of nodes):
    each window of a :class:`~imuhar.core.Windows` batch already holds all nodes over the same time span.

    Parameters
    ----------
    windows : Windows
    devices : sequence of str, optional
        Nodes (or aliases) to use; default every node that is present in at least one window.

    Returns
    -------
    x : ndarray, shape (n_kept, n_devices, n_channels, n_samples)
    devices : tuple of str
        Canonical node names along axis 1.
    kept : ndarray of int, shape (n_kept,)
        Indices of the windows that hold every device.
    """
    if not isinstance(windows, Windows):
        raise InvalidParameterError(f"windows must be an imuhar Windows batch; received {type(windows).__name__}")
    if devices is None:
        devices = tuple(n for n, m in zip(windows.nodes, windows.node_mask.any(axis=0)) if m)
    names = tuple(resolve_placement(d) for d in devices)
    missing = [n for n in names if n not in windows.nodes]
    if missing:
        raise InvalidParameterError(
            f"devices {missing} are not nodes of these windows; present nodes are "
            f"{[n for n, m in zip(windows.nodes, windows.node_mask.any(axis=0)) if m]}"
        )
    if len(names) < 2:
        raise InvalidParameterError(
            f"ColloSSL needs windows of at least 2 devices worn at once; received {list(names)}. Load a "
            f"multi-placement dataset or simulate several nodes"
        )
    idx = [windows.nodes.index(n) for n in names]
    kept = np.flatnonzero(windows.node_mask[:, idx].all(axis=1))
    if kept.size == 0:
        raise InvalidParameterError(f"no window holds all of the devices {list(names)} at once")
    return windows.x[kept][:, idx], names, kept


def other_time_mask(
    recording_ids: np.ndarray | None,
    start_s: np.ndarray | None,
    length_s: float,
    n: int | None = None,
) -> np.ndarray:
    """Which windows lie at another time than which.

    Parameters
    ----------
    recording_ids : ndarray of str, shape (n,), optional
        Recording of each window. Without it (or for windows whose id is ``""``), only the window itself counts
        as "the same time".
    start_s : ndarray of float, shape (n,), optional
        Start of each window in its recording, seconds.
    length_s : float
        Window length, seconds.
    n : int, optional
        Number of windows when neither array is given.

    Returns
    -------
    ndarray of bool, shape (n, n)
        ``mask[i, j]`` is True when window ``j`` does not overlap window ``i`` in time: another recording, or
        the same recording with ``|start_i - start_j| >= length_s``. The diagonal is always False.
    """
    if recording_ids is None or start_s is None:
        if n is None:
            n = len(recording_ids) if recording_ids is not None else len(start_s) if start_s is not None else None
        if n is None:
            raise InvalidParameterError("pass n= when neither recording_ids nor start_s is given")
        return ~np.eye(n, dtype=bool)
    rec = np.asarray(recording_ids).astype(str)
    start = np.asarray(start_s, dtype=np.float64)
    if rec.shape != start.shape or rec.ndim != 1:
        raise ShapeMismatchError(f"recording_ids and start_s must both have shape (n,); received {rec.shape}, {start.shape}")
    same_rec = (rec[:, None] == rec[None, :]) & (rec != "")[:, None]
    # A small tolerance so windows cut exactly back to back (stride = length) count as other times.
    overlap = np.abs(start[:, None] - start[None, :]) < length_s - 1e-9
    mask = ~(same_rec & overlap)
    np.fill_diagonal(mask, False)
    return mask


def sample_negative_counts(
    allowed: np.ndarray,
    n_samples: int | str,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw negatives among the allowed (other-time) windows, for every anchor.

    Parameters
    ----------
    allowed : ndarray of bool, shape (n, n)
        From :func:`other_time_mask`.
    n_samples : int or "all"
        Negatives per anchor and negative device, drawn uniformly with replacement among the allowed windows
        (the released code uses 1: one in-batch shuffle per negative device); ``"all"`` takes every allowed
        window once.
    rng : numpy Generator

    Returns
    -------
    ndarray of float32, shape (n, n)
        ``counts[i, j]``: how many times window ``j`` is a negative of anchor ``i``; zero wherever
        ``allowed`` is False. Rows of anchors without any allowed window are all zero.
    """
    allowed = np.asarray(allowed, dtype=bool)
    if allowed.ndim != 2 or allowed.shape[0] != allowed.shape[1]:
        raise ShapeMismatchError(f"allowed must be a square (n, n) mask; received shape {allowed.shape}")
    if isinstance(n_samples, str):
        if n_samples != "all":
            raise InvalidParameterError(f"n_samples must be a positive int or 'all'; received {n_samples!r}")
        return allowed.astype(np.float32)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise InvalidParameterError(f"n_samples must be a positive int or 'all'; received {n_samples!r}")
    n = allowed.shape[0]
    per_row = allowed.sum(axis=1)
    rows = np.flatnonzero(per_row > 0)
    counts = np.zeros((n, n), dtype=np.float32)
    if rows.size == 0:
        return counts
    # The r-th allowed column of row i (r uniform in [0, per_row[i])) via one searchsorted over row-offset
    # cumulative counts; offsets of n + 1 per row keep the flattened sequence increasing.
    offset = (np.arange(n) * (n + 1))[:, None]
    cum = (np.cumsum(allowed, axis=1) + offset).ravel()
    r = np.floor(rng.random((rows.size, int(n_samples))) * per_row[rows, None]).astype(np.int64)
    target = r + 1 + offset[rows]
    cols = np.searchsorted(cum, target.ravel(), side="left") % n
    np.add.at(counts, (np.repeat(rows, int(n_samples)), cols), 1.0)
    return counts
