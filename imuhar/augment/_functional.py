"""Functional augmentation kernels: deterministic, vectorized, identical on numpy arrays and torch tensors.

Every kernel takes a batch ``x`` of shape (n_windows, n_nodes, n_channels, n_samples) as a numpy array or a
torch tensor, plus parameters as numpy arrays, and returns the same kind of object with the same dtype (and,
for tensors, on the same device). Randomness lives elsewhere: the ``draw_*`` helpers turn a numpy
``Generator`` into parameters, so a parameter set can be applied to a numpy batch and to a tensor and give the
same numbers. torch is imported only when a tensor is passed.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

from ..core._errors import ChannelMismatchError, InvalidParameterError, ShapeMismatchError

__all__ = [
    "is_tensor",
    "check_batch",
    "channel_triads",
    "channel_groups",
    "channel_families",
    "quaternion_to_matrix",
    "random_rotation_matrices",
    "smooth_random_curves",
    "spline_basis",
    "monotone_time_warp",
    "rotate",
    "add_noise",
    "scale_channels",
    "time_warp",
    "drop_nodes",
]

_AXES = ("x", "y", "z")


# ---------------------------------------------------------------------------------------------- backends
def is_tensor(x: Any) -> bool:
    """True if ``x`` is a torch tensor; never imports torch (a tensor cannot exist unless torch is loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _as_param(p: np.ndarray, like: Any) -> Any:
    """Parameter array in the backend, float dtype and device of ``like`` (integer arrays keep their dtype)."""
    arr = np.asarray(p)
    if is_tensor(like):
        import torch

        if not arr.flags.writeable:  # broadcast views; torch wants memory it may own
            arr = arr.copy()
        if arr.dtype.kind == "f":
            dtype = like.dtype if like.is_floating_point() else torch.get_default_dtype()
            return torch.as_tensor(arr, dtype=dtype, device=like.device)
        return torch.as_tensor(arr, device=like.device)
    if arr.dtype.kind == "f" and like.dtype.kind == "f":
        return arr.astype(like.dtype, copy=False)
    return arr


def check_batch(x: Any, what: str = "x") -> tuple[int, int, int, int]:
    """Shape of a (n_windows, n_nodes, n_channels, n_samples) batch, or :class:`ShapeMismatchError`."""
    shape = tuple(x.shape) if hasattr(x, "shape") else None
    if shape is None or len(shape) != 4:
        raise ShapeMismatchError(
            f"{what} must be a 4-D array or tensor of shape (n_windows, n_nodes, n_channels, n_samples); received "
            f"{'shape ' + str(shape) if shape is not None else type(x).__name__}. Add missing axes with x[None] or pass "
            f"a Windows batch"
        )
    return tuple(int(s) for s in shape)  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------- channel names
def channel_families(channels: Sequence[str]) -> list[str]:
    """Family of each channel name: ``"acc.x" -> "acc"``, ``"gyro.z" -> "gyro"``, ``"temp" -> "temp"``."""
    return [c.rsplit(".", 1)[0] if c.rsplit(".", 1)[-1] in _AXES and "." in c else c for c in channels]


def channel_triads(channels: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """Indices of the x, y, z channels of every family that has all three.

    Parameters
    ----------
    channels : sequence of str
        Channel names such as ``("acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z")``.

    Returns
    -------
    dict
        ``{family: (i_x, i_y, i_z)}`` in order of first appearance, e.g. ``{"acc": (0, 1, 2), "gyro": (3, 4, 5)}``.
        Channels not part of a full triad are left out.
    """
    found: dict[str, dict[str, int]] = {}
    for i, name in enumerate(channels):
        family, _, axis = name.rpartition(".")
        if family and axis in _AXES:
            found.setdefault(family, {})[axis] = i
    return {fam: tuple(ax[a] for a in _AXES) for fam, ax in found.items() if len(ax) == 3}  # type: ignore[misc]


def channel_groups(channels: Sequence[str], mode: str) -> np.ndarray:
    """Group id of each channel: one per channel (``mode="channel"``) or one per x/y/z triad (``"triad"``).

    Channels outside any full triad form groups of their own in ``"triad"`` mode.

    Returns
    -------
    ndarray of int, shape (n_channels,)
    """
    if mode == "channel":
        return np.arange(len(channels))
    if mode != "triad":
        raise InvalidParameterError(f"mode must be 'channel' or 'triad'; received {mode!r}")
    group = np.full(len(channels), -1)
    for g, idx in enumerate(channel_triads(channels).values()):
        group[list(idx)] = g
    next_id = group.max() + 1
    for i in np.flatnonzero(group < 0):
        group[i] = next_id
        next_id += 1
    return group


# ---------------------------------------------------------------------------------------------- random draws
def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices of unit quaternions.

    Parameters
    ----------
    q : ndarray, shape (..., 4)
        Quaternions ``(w, x, y, z)``; normalised here.

    Returns
    -------
    ndarray, shape (..., 3, 3)
        Proper rotation matrices (``det = +1``), acting on column vectors.
    """
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def random_rotation_matrices(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Rotations drawn uniformly (Haar measure) on SO(3).

    A 4-D standard normal vector, normalised, is uniform on the unit 3-sphere; as a unit quaternion it gives a
    rotation uniform on SO(3) (the double cover maps Haar measure to Haar measure).

    Returns
    -------
    ndarray, shape (*shape, 3, 3), float64
    """
    q = rng.standard_normal((*shape, 4))
    # A draw of exactly zero has probability 0 but would divide by zero; replace it by the identity.
    q[np.linalg.norm(q, axis=-1) == 0] = (1.0, 0.0, 0.0, 0.0)
    return quaternion_to_matrix(q)


def spline_basis(n_knots: int, n_samples: int) -> np.ndarray:
    """Values at every sample of the cubic splines through unit knots.

    Spline interpolation is linear in the knot values, so a curve through knot values ``v`` (evenly spread
    from sample 0 to ``n_samples - 1``, not-a-knot ends) is ``v @ B``: one matrix product instead of one
    spline fit per curve.

    Returns
    -------
    ndarray, shape (n_knots, n_samples), float64
    """
    from scipy.interpolate import CubicSpline

    if n_samples == 1:
        return np.eye(n_knots, 1)
    knots_t = np.linspace(0.0, n_samples - 1, n_knots)
    return CubicSpline(knots_t, np.eye(n_knots), axis=0)(np.arange(n_samples, dtype=np.float64)).T


def smooth_random_curves(
    shape: tuple[int, ...], n_samples: int, rng: np.random.Generator, *, sigma: float, n_knots: int
) -> np.ndarray:
    """Smooth random curves around 1: a cubic spline through ``n_knots + 2`` knots drawn from N(1, sigma²).

    The knots sit evenly from the first to the last sample (both ends included), as in Um et al. (2017).

    Returns
    -------
    ndarray, shape (*shape, n_samples), float64
    """
    values = rng.normal(1.0, sigma, size=(*shape, n_knots + 2))
    return values @ spline_basis(n_knots + 2, n_samples)


def monotone_time_warp(
    n_windows: int, n_samples: int, rng: np.random.Generator, *, sigma: float, n_knots: int, min_speed: float = 0.1
) -> np.ndarray:
    """Smooth, strictly increasing maps from output samples to input sample positions.

    A random speed curve (cubic spline through knots drawn from N(1, sigma²), floored at ``min_speed``) is
    integrated with the trapezoid rule and rescaled so the warp starts at sample 0 and ends at sample
    ``n_samples - 1``: the window keeps its length and its ends, while time runs faster or slower in between.
    ``sigma = 0`` gives the identity ``arange(n_samples)`` exactly.

    Returns
    -------
    ndarray, shape (n_windows, n_samples), float64
        Input position (in samples) read by each output sample.
    """
    if n_samples < 2:
        return np.zeros((n_windows, n_samples))
    speed = np.maximum(smooth_random_curves((n_windows,), n_samples, rng, sigma=sigma, n_knots=n_knots), min_speed)
    steps = 0.5 * (speed[:, 1:] + speed[:, :-1])
    pos = np.concatenate([np.zeros((n_windows, 1)), np.cumsum(steps, axis=1)], axis=1)
    pos *= (n_samples - 1) / pos[:, -1:]
    pos[:, -1] = n_samples - 1  # exact end despite rounding
    return pos


# ---------------------------------------------------------------------------------------------- kernels
def rotate(x: Any, R: np.ndarray, triads: Sequence[Sequence[int]]) -> Any:
    """Rotate every x/y/z triad of every node by that node's rotation.

    Parameters
    ----------
    x : ndarray or torch.Tensor, shape (n_windows, n_nodes, n_channels, n_samples)
    R : ndarray, shape (n_windows, n_nodes, 3, 3) or broadcastable (e.g. (n_windows, 1, 3, 3))
        Rotation of each (window, node), acting on column vectors: ``v' = R @ v``. All triads of a node (its
        accelerometer and gyroscope) share it, which is what turning the device does.
    triads : sequence of (i_x, i_y, i_z)
        Channel indices of each vector quantity, e.g. ``[(0, 1, 2), (3, 4, 5)]``.

    Returns
    -------
    Same type, dtype and shape as ``x``; channels outside the triads are copied unchanged.
    """
    w, n, c, _ = check_batch(x)
    R = np.asarray(R)
    if R.shape[-2:] != (3, 3) or R.ndim != 4:
        raise ShapeMismatchError(f"R must have shape (n_windows, n_nodes, 3, 3); received {R.shape}")
    idx = [int(i) for t in triads for i in t]
    if any(len(t) != 3 for t in triads) or any(not 0 <= i < c for i in idx):
        raise ChannelMismatchError(f"each triad must hold 3 channel indices below {c}; received {list(triads)}")
    if not idx:
        return x.clone() if is_tensor(x) else x.copy()
    Rb = _as_param(R, x)[:, :, None]  # (w or 1, n or 1, 1, 3, 3): one matrix for all triads of a node
    out = x.clone() if is_tensor(x) else x.copy()
    # Gather all triads as (w, n, k, 3, T), rotate them in one batched matmul, scatter back.
    flat = np.asarray(idx)
    k = len(triads)
    if is_tensor(x):
        import torch

        index = torch.as_tensor(flat, device=x.device)
        v = x[:, :, index].reshape(w, n, k, 3, -1)
        out[:, :, index] = torch.matmul(Rb, v).reshape(w, n, 3 * k, -1)
    else:
        v = x[:, :, flat].reshape(w, n, k, 3, -1)
        out[:, :, flat] = np.matmul(Rb, v).reshape(w, n, 3 * k, -1)
    return out


def add_noise(x: Any, noise: np.ndarray) -> Any:
    """``x + noise`` with ``noise`` (numpy, broadcastable to ``x``) moved to ``x``'s backend, dtype and device."""
    check_batch(x)
    return x + _as_param(noise, x)


def scale_channels(x: Any, factors: np.ndarray, groups: np.ndarray) -> Any:
    """Multiply each channel by the factor of its group.

    Parameters
    ----------
    x : ndarray or torch.Tensor, shape (n_windows, n_nodes, n_channels, n_samples)
    factors : ndarray, shape (n_windows, n_nodes, n_groups) or (n_windows, n_nodes, n_groups, n_samples)
        Constant factors, or one factor per sample (magnitude warp).
    groups : ndarray of int, shape (n_channels,)
        Group of each channel (see :func:`channel_groups`): channels of one triad share a factor, which keeps
        the vector's direction.
    """
    check_batch(x)
    f = np.asarray(factors)[:, :, np.asarray(groups)]
    if f.ndim == 3:
        f = f[..., None]
    return x * _as_param(f, x)


def time_warp(x: Any, positions: np.ndarray) -> Any:
    """Resample every channel of each window at (fractional) input positions, by linear interpolation.

    Parameters
    ----------
    x : ndarray or torch.Tensor, shape (n_windows, n_nodes, n_channels, n_samples)
    positions : ndarray, shape (n_windows, n_out)
        Input sample position read by each output sample, in [0, n_samples - 1]; the same warp serves every
        node and channel of a window, so the sensors stay synchronised.

    Returns
    -------
    Same type and dtype as ``x``, shape (n_windows, n_nodes, n_channels, n_out).
    """
    w, n, c, t = check_batch(x)
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[0] != w:
        raise ShapeMismatchError(f"positions must have shape ({w}, n_out); received {pos.shape}")
    pos = np.clip(pos, 0.0, t - 1)
    i0 = np.minimum(np.floor(pos).astype(np.int64), max(t - 2, 0))
    i1 = np.minimum(i0 + 1, t - 1)
    frac = pos - i0
    # Gather on a (window, time, node, channel) view: one fancy index per window and output sample serves every
    # node and channel, which is several times faster than a gather over the full (w, n, c, t) index.
    rows = np.arange(w)[:, None]
    if is_tensor(x):
        import torch

        xt = x.permute(0, 3, 1, 2)
        r = torch.as_tensor(rows, device=x.device)
        x0, x1 = xt[r, torch.as_tensor(i0, device=x.device)], xt[r, torch.as_tensor(i1, device=x.device)]
        f = _as_param(frac, x)[:, :, None, None]
        # (1 - f) * x0 + f * x1 (not x0 + f * (x1 - x0)) is exact at f = 0 and f = 1: integer positions copy x.
        return ((1 - f) * x0 + f * x1).permute(0, 2, 3, 1).contiguous()
    xt = np.moveaxis(x, 3, 1)
    x0, x1 = xt[rows, i0], xt[rows, i1]
    f = _as_param(frac, x)[:, :, None, None]
    return np.ascontiguousarray(np.moveaxis((1 - f) * x0 + f * x1, 1, 3))


def drop_nodes(x: Any, keep: np.ndarray) -> Any:
    """Zero the nodes where ``keep`` (bool, shape (n_windows, n_nodes)) is False."""
    w, n, _, _ = check_batch(x)
    keep = np.asarray(keep, dtype=bool)
    if keep.shape != (w, n):
        raise ShapeMismatchError(f"keep must have shape ({w}, {n}); received {keep.shape}")
    return x * _as_param(keep[:, :, None, None].astype(np.float32), x)
