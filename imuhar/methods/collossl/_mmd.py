"""Maximum mean discrepancy between the windows of two devices, and ColloSSL's device selection.

ColloSSL (Jain et al., IMWUT 2022) ranks the candidate devices of every batch by how close their data
distribution is to the anchor's: the MMD between the anchor's and the candidate's synchronized windows,
with a sum of Gaussian kernels of several bandwidths. The closest device(s) give positives, the others
negatives, and a negative device's weight in the loss is inversely proportional to its MMD.

Everything here is numpy: selection runs on the input batch, before the encoder, and needs no gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ...core import InvalidParameterError, ShapeMismatchError

__all__ = [
    "PAPER_BANDWIDTHS",
    "MMD_FLOOR",
    "SELECTION_STRATEGIES",
    "DeviceSelection",
    "gaussian_kernel_sum",
    "mmd2",
    "device_distances",
    "select_devices",
]

#: The 12 bandwidths of the released code. A kernel is ``exp(-||x - y||^2 / (2 sigma))``: sigma acts as a variance.
PAPER_BANDWIDTHS: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 100.0)

#: The released code clips the MMD below at this value, so ``1 / MMD`` weights stay finite.
MMD_FLOOR: float = 1e-4

#: Device-selection strategies (names of the released code).
SELECTION_STRATEGIES: tuple[str, ...] = (
    "closest_pos_all_neg",
    "closest_pos_rest_neg",
    "hard_negative",
    "random_selection",
)


def _as_matrix(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ShapeMismatchError(f"{name} must have shape (n_windows, n_features); received shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ShapeMismatchError(f"{name} must hold at least one window; received shape {arr.shape}")
    return arr


def _check_bandwidths(bandwidths: Sequence[float]) -> np.ndarray:
    bw = np.asarray(bandwidths, dtype=np.float64).ravel()
    if bw.size == 0 or not np.all(np.isfinite(bw)) or np.any(bw <= 0):
        raise InvalidParameterError(
            f"bandwidths must be a non-empty sequence of finite positive numbers; received {list(bandwidths)}"
        )
    return bw


def gaussian_kernel_sum(x: np.ndarray, y: np.ndarray, bandwidths: Sequence[float] = PAPER_BANDWIDTHS) -> np.ndarray:
    """Sum of Gaussian kernels ``sum_s exp(-||x_i - y_j||^2 / (2 s))`` for every pair of rows.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray, shape (m, d)
    bandwidths : sequence of float
        Kernel variances ``s`` (same units as ``||x - y||^2``).

    Returns
    -------
    ndarray, shape (n, m)
    """
    x = _as_matrix(x, "x")
    y = _as_matrix(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ShapeMismatchError(f"x and y must have the same number of features; received {x.shape} and {y.shape}")
    bw = _check_bandwidths(bandwidths)
    # ||x||^2 + ||y||^2 - 2 x.y, clipped at 0 against round-off.
    d2 = np.maximum((x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2.0 * x @ y.T, 0.0)
    return np.exp(-d2[None, :, :] / (2.0 * bw[:, None, None])).sum(axis=0)


def mmd2(x: np.ndarray, y: np.ndarray, *, bandwidths: Sequence[float] = PAPER_BANDWIDTHS, floor: float = 0.0) -> float:
    """Squared maximum mean discrepancy between two sets of windows (biased estimator, as in the paper's code).

    ``MMD^2 = mean K(x, x) + mean K(y, y) - 2 mean K(x, y)`` with :func:`gaussian_kernel_sum`, clipped below at
    ``floor`` (0 by default; the released code uses :data:`MMD_FLOOR` before taking ``1 / MMD`` weights).

    Parameters
    ----------
    x : ndarray, shape (n, d) or (n,)
        One feature vector per window of the first device (e.g. acceleration magnitude per time step).
    y : ndarray, shape (m, d) or (m,)
    bandwidths : sequence of float
    floor : float
        Lower clip, >= 0.

    Returns
    -------
    float
    """
    if floor < 0:
        raise InvalidParameterError(f"floor must be >= 0; received {floor}")
    value = (
        gaussian_kernel_sum(x, x, bandwidths).mean()
        + gaussian_kernel_sum(y, y, bandwidths).mean()
        - 2.0 * gaussian_kernel_sum(x, y, bandwidths).mean()
    )
    return float(max(value, floor))


def device_distances(
    acc: np.ndarray,
    anchor: int,
    *,
    metric: str = "magnitude",
    bandwidths: Sequence[float] = PAPER_BANDWIDTHS,
    floor: float = MMD_FLOOR,
) -> np.ndarray:
    """MMD between the anchor device's windows and every other device's synchronized windows.

    Parameters
    ----------
    acc : ndarray, shape (n_windows, n_devices, 3, n_samples)
        Accelerometer of a batch of time-synchronized windows, in the units the encoder sees.
    anchor : int
        Index of the anchor device along axis 1.
    metric : {"magnitude", "per_axis"}
        ``"magnitude"``: MMD of the per-sample acceleration norm (orientation free, the paper's final choice).
        ``"per_axis"``: mean of the MMDs of the x, y and z axes.
    bandwidths : sequence of float
    floor : float
        Lower clip of each MMD (the released code's 1e-4).

    Returns
    -------
    ndarray, shape (n_devices,)
        MMD of each device to the anchor; NaN at the anchor itself.
    """
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 4 or acc.shape[2] != 3:
        raise ShapeMismatchError(
            f"acc must have shape (n_windows, n_devices, 3, n_samples); received shape {acc.shape}"
        )
    n_dev = acc.shape[1]
    if not 0 <= anchor < n_dev:
        raise InvalidParameterError(f"anchor must index one of the {n_dev} devices; received {anchor}")
    if metric not in ("magnitude", "per_axis"):
        raise InvalidParameterError(f"metric must be 'magnitude' or 'per_axis'; received {metric!r}")
    out = np.full(n_dev, np.nan)
    if metric == "magnitude":
        mag = np.linalg.norm(acc, axis=2)  # (W, D, T)
        for d in range(n_dev):
            if d != anchor:
                out[d] = mmd2(mag[:, anchor], mag[:, d], bandwidths=bandwidths, floor=floor)
    else:
        for d in range(n_dev):
            if d != anchor:
                out[d] = float(
                    np.mean([mmd2(acc[:, anchor, a], acc[:, d, a], bandwidths=bandwidths, floor=floor) for a in range(3)])
                )
    return out


@dataclass(frozen=True)
class DeviceSelection:
    """The devices one batch contrasts the anchor with, and their loss weights.

    Attributes
    ----------
    anchor : int
    positives : tuple of int
        Devices whose time-synchronized windows are positives.
    negatives : tuple of int
        Devices whose windows at other times are negatives (may include a positive device, as in the
        paper's final ``closest_pos_all_neg`` strategy: same device, different time).
    positive_weights : ndarray, shape (n_positives,)
    negative_weights : ndarray, shape (n_negatives,)
        ``1 / MMD`` when weighting is on, else 1; all weights divided by their overall maximum.
    distances : ndarray, shape (n_devices,)
        MMD of each device to the anchor (NaN at the anchor).
    """

    anchor: int
    positives: tuple[int, ...]
    negatives: tuple[int, ...]
    positive_weights: np.ndarray = field(repr=False)
    negative_weights: np.ndarray = field(repr=False)
    distances: np.ndarray = field(repr=False)


def select_devices(
    distances: np.ndarray,
    anchor: int,
    *,
    strategy: str = "closest_pos_all_neg",
    n_positives: int = 1,
    n_hard_negatives: int = 2,
    weighted: bool = True,
    rng: np.random.Generator | None = None,
) -> DeviceSelection:
    """Choose positive and negative devices from their MMD to the anchor.

    Parameters
    ----------
    distances : ndarray, shape (n_devices,)
        From :func:`device_distances` (the anchor's entry is ignored).
    anchor : int
    strategy : str
        ``"closest_pos_all_neg"`` (paper's final): the ``n_positives`` closest devices are positives and every
        other device, positives included, gives negatives. ``"closest_pos_rest_neg"``: positives as before,
        the remaining devices are negatives. ``"hard_negative"``: positives as before, the next
        ``n_hard_negatives`` closest devices are negatives. ``"random_selection"``: positives and one negative
        drawn at random, all weights 1 (the paper's ablation).
    n_positives : int
        How many closest devices are positives.
    n_hard_negatives : int
        Negatives of ``"hard_negative"``.
    weighted : bool
        Negative weights ``1 / MMD`` (closer devices are harder negatives and weigh more); positives weigh 1.
    rng : numpy Generator, optional
        For ``"random_selection"``.

    Returns
    -------
    DeviceSelection
    """
    d = np.asarray(distances, dtype=np.float64)
    n_dev = d.shape[0]
    if strategy not in SELECTION_STRATEGIES:
        raise InvalidParameterError(f"strategy must be one of {SELECTION_STRATEGIES}; received {strategy!r}")
    if not 0 <= anchor < n_dev:
        raise InvalidParameterError(f"anchor must index one of the {n_dev} devices; received {anchor}")
    candidates = np.array([i for i in range(n_dev) if i != anchor])
    if candidates.size == 0:
        raise InvalidParameterError("ColloSSL needs at least one device besides the anchor; received only the anchor")
    if not np.all(np.isfinite(d[candidates])):
        raise InvalidParameterError(f"distances of candidate devices must be finite; received {d.tolist()}")
    needed = {"closest_pos_all_neg": n_positives, "closest_pos_rest_neg": n_positives + 1,
              "hard_negative": n_positives + n_hard_negatives, "random_selection": 1}[strategy]
    if n_positives < 1 or candidates.size < needed:
        raise InvalidParameterError(
            f"strategy {strategy!r} with n_positives={n_positives}"
            + (f", n_hard_negatives={n_hard_negatives}" if strategy == "hard_negative" else "")
            + f" needs {needed} candidate devices besides the anchor; received {candidates.size}. Use "
            f"'closest_pos_all_neg' (works from one candidate) or add devices"
        )
    order = candidates[np.argsort(d[candidates], kind="stable")]
    if strategy == "random_selection":
        rng = rng if rng is not None else np.random.default_rng()
        positives = tuple(int(i) for i in rng.choice(candidates, size=min(n_positives, candidates.size), replace=False))
        negatives = (int(rng.choice(candidates)),)
        weighted = False
    else:
        positives = tuple(int(i) for i in order[:n_positives])
        if strategy == "closest_pos_all_neg":
            negatives = tuple(int(i) for i in sorted(order))
        elif strategy == "closest_pos_rest_neg":
            negatives = tuple(int(i) for i in sorted(order[n_positives:]))
        else:
            negatives = tuple(int(i) for i in sorted(order[n_positives : n_positives + n_hard_negatives]))
    pw = np.ones(len(positives))
    nw = 1.0 / d[list(negatives)] if weighted else np.ones(len(negatives))
    top = max(pw.max(), nw.max())  # the released code divides every weight by the largest one
    return DeviceSelection(
        anchor=int(anchor),
        positives=positives,
        negatives=negatives,
        positive_weights=pw / top,
        negative_weights=nw / top,
        distances=d,
    )
