"""Paired random time crops: more, and more varied, training clips from few trials, for every modality alike.

Cross-modal distillation needs the student's and the teacher's inputs to show the *same* moment. When a data
set has few trials (UTD-MHAD: ~430 training trials), :func:`paired_time_crops` turns each trial into several
clips: a random interval of the trial, identical in relative time for every row-aligned array (real IMU,
simulated IMU, skeleton ...), linearly resampled back to the original number of samples. The first view of
each trial can be kept whole, so the read-out's input distribution (whole trials) is part of the training set.
"""

from __future__ import annotations

import numpy as np

from imuhar.core import InvalidParameterError, ShapeMismatchError

__all__ = ["paired_time_crops"]


def paired_time_crops(
    arrays: list[np.ndarray] | tuple[np.ndarray, ...],
    *,
    n_crops: int,
    min_fraction: float = 0.7,
    keep_whole: bool = True,
    seed: int = 0,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Random time crops of row-aligned, time-normalized arrays, the same interval in every array.

    Parameters
    ----------
    arrays : sequence of ndarray, each shape (n, ..., n_samples_j)
        Row-aligned inputs (trial ``i`` is row ``i`` of each), time on the last axis, each spanning the whole
        trial (their sample counts may differ; the crop is taken in relative time).
    n_crops : int
        Views per trial (>= 1).
    min_fraction : float
        Each crop covers a uniform random fraction in ``[min_fraction, 1]`` of the trial, at a uniform random
        position.
    keep_whole : bool
        View 0 of every trial is the whole trial.
    seed : int
        Seeds the intervals.

    Returns
    -------
    crops : list of ndarray, each shape (n * n_crops, ..., n_samples_j), float32
        Views ordered trial-major (rows ``i * n_crops ... i * n_crops + n_crops - 1`` come from trial ``i``).
    source : ndarray of int, shape (n * n_crops,)
        The trial each view came from.
    """
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    if not arrays or any(a.ndim < 2 or a.shape[-1] < 2 for a in arrays):
        raise ShapeMismatchError(
            f"arrays must be a non-empty list of (n, ..., n_samples >= 2) arrays; received shapes "
            f"{[a.shape for a in arrays]}"
        )
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ShapeMismatchError(f"arrays must share their first (trial) axis; received {[a.shape for a in arrays]}")
    if int(n_crops) < 1:
        raise InvalidParameterError(f"n_crops must be a positive integer; received {n_crops!r}")
    if not 0.0 < float(min_fraction) <= 1.0:
        raise InvalidParameterError(f"min_fraction must lie in (0, 1]; received {min_fraction!r}")
    m = int(n_crops)
    rng = np.random.default_rng(int(seed))
    length = rng.uniform(float(min_fraction), 1.0, size=(n, m))
    start = rng.uniform(0.0, 1.0, size=(n, m)) * (1.0 - length)
    if keep_whole:
        length[:, 0], start[:, 0] = 1.0, 0.0
    out = []
    for a in arrays:
        t = a.shape[-1]
        # fractional source positions of every output sample, (n, m, t)
        pos = (start[..., None] + length[..., None] * np.linspace(0.0, 1.0, t)) * (t - 1)
        lo = np.clip(np.floor(pos).astype(np.int64), 0, t - 2)
        w = (pos - lo).astype(np.float32)
        mid = a.shape[1:-1]
        src = np.broadcast_to(a[:, None], (n, m) + a.shape[1:])
        shape = (n, m) + (1,) * len(mid) + (t,)
        idx = lo.reshape(shape)
        wt = w.reshape(shape)
        full_idx = np.broadcast_to(idx, (n, m) + mid + (t,))
        v0 = np.take_along_axis(src, full_idx, axis=-1)
        v1 = np.take_along_axis(src, full_idx + 1, axis=-1)
        out.append((v0 * (1.0 - wt) + v1 * wt).reshape((n * m,) + a.shape[1:]).astype(np.float32))
    return out, np.repeat(np.arange(n), m)
