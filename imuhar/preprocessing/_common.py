"""Helpers shared by the preprocessing modules: Recording/array dispatch and rate checks."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import InvalidParameterError, InvalidRateError, Recording, check_rate, check_signal
from ..core._recording import SENSOR_KINDS

__all__ = ["is_recording", "recording_rate", "array_rate", "stack_signals", "unstack_signals", "as_signal", "check_kinds"]


def is_recording(data: Any) -> bool:
    """True if ``data`` is a :class:`~imuhar.core.Recording`."""
    return isinstance(data, Recording)


def recording_rate(rec: Recording, rate_hz: Any, func: str) -> float:
    """The rate of ``rec``; a ``rate_hz`` passed beside it must agree with it."""
    if rate_hz is not None and abs(check_rate(rate_hz) - rec.sample_rate_hz) > 1e-9 * rec.sample_rate_hz:
        raise InvalidRateError(
            f"{func}: rate_hz={rate_hz!r} disagrees with the recording's sample_rate_hz={rec.sample_rate_hz:g}; "
            f"leave rate_hz out when passing a Recording (its rate travels with it)"
        )
    return rec.sample_rate_hz


def array_rate(rate_hz: Any, func: str) -> float:
    """``rate_hz`` checked, with a message saying arrays need it explicitly."""
    if rate_hz is None:
        raise InvalidRateError(
            f"{func}: a plain array carries no sample rate; pass rate_hz=<samples per second> (or pass a Recording)"
        )
    return check_rate(rate_hz)


def as_signal(x: Any, what: str, axis: int = 0, min_samples: int = 1) -> np.ndarray:
    """``x`` as a finite float64 array with at least ``min_samples`` entries along ``axis``."""
    arr = check_signal(x, what)
    if arr.ndim == 0:
        raise InvalidParameterError(f"{what} must be an array with a time axis; received a scalar")
    if not -arr.ndim <= axis < arr.ndim:
        raise InvalidParameterError(f"{what}: axis={axis} is out of range for an array of shape {arr.shape}")
    if arr.shape[axis] < min_samples:
        raise InvalidParameterError(
            f"{what} needs at least {min_samples} samples along axis {axis}; received shape {arr.shape}"
        )
    return arr


def check_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """Sensor kinds validated against ``("acc", "gyro")``."""
    if isinstance(kinds, str):
        kinds = (kinds,)
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in SENSOR_KINDS]
    if bad or not kinds:
        raise InvalidParameterError(f"kinds must be a non-empty subset of {tuple(SENSOR_KINDS)}; received {kinds!r}")
    return kinds


def stack_signals(rec: Recording, kinds: Sequence[str]) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """All signals of the given kinds side by side, shape (n_samples, 3 * n_signals), with their (kind, node) keys.

    One call of a filter or resampler over this array processes every channel at once.
    """
    keys = [(kind, node) for kind in kinds for node in getattr(rec, kind)]
    if not keys:
        return np.zeros((rec.n_samples, 0)), keys
    x = np.concatenate([np.asarray(getattr(rec, kind)[node]) for kind, node in keys], axis=1)
    return x, keys


def unstack_signals(x: np.ndarray, keys: list[tuple[str, str]]) -> dict[str, dict[str, np.ndarray]]:
    """Inverse of :func:`stack_signals`: ``{"acc": {node: (n, 3)}, "gyro": {...}}`` for the kinds present."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for i, (kind, node) in enumerate(keys):
        out.setdefault(kind, {})[node] = np.ascontiguousarray(x[:, 3 * i : 3 * i + 3])
    return out
