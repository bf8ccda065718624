"""Input checks shared across imuhar, each raising a typed error that says what to do."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._errors import InvalidParameterError, InvalidRateError, InvalidSignalError, ShapeMismatchError

__all__ = ["check_rate", "check_finite", "check_signal", "check_positive_int", "check_fraction"]


def check_rate(rate_hz: Any, name: str = "rate_hz") -> float:
    """Return ``rate_hz`` as a float, raising :class:`InvalidRateError` unless it is finite and > 0."""
    try:
        value = float(rate_hz)
    except (TypeError, ValueError):
        raise InvalidRateError(f"{name} must be a number of samples per second; received {rate_hz!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise InvalidRateError(
            f"{name} must be a finite rate above 0 Hz; received {rate_hz!r}. Pass the sensor's sampling rate, "
            f"e.g. {name}=50.0"
        )
    return value


def check_finite(x: np.ndarray, what: str) -> None:
    """Raise :class:`InvalidSignalError` if ``x`` holds NaN or infinity, saying where and how to fix it."""
    if x.dtype.kind in "fc" and not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))
        n_bad = len(bad)
        first = tuple(int(v) for v in bad[0])
        raise InvalidSignalError(
            f"{what} holds {n_bad} NaN/inf value(s), first at index {first}. Interpolate or drop the gaps first "
            f"(e.g. imuhar.preprocessing.fill_gaps) before building or processing the signal."
        )


def check_signal(x: Any, what: str, *, ndim: int | None = None, last_dim: int | None = None) -> np.ndarray:
    """Convert to a float array and check its rank, last dimension and finiteness."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidSignalError(f"{what} must be numeric; conversion failed: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ShapeMismatchError(f"{what} must have {ndim} dimensions; received shape {arr.shape}")
    if last_dim is not None and (arr.ndim == 0 or arr.shape[-1] != last_dim):
        raise ShapeMismatchError(
            f"{what} must have {last_dim} columns (x, y, z) in its last dimension; received shape {arr.shape}"
        )
    check_finite(arr, what)
    return arr


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1 or raise :class:`InvalidParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(f"{name} must be a positive integer; received {value!r}")
    return int(value)


def check_fraction(value: Any, name: str, *, low: float = 0.0, high: float = 1.0, closed_high: bool = False) -> float:
    """Return ``value`` as a float in [low, high) (or [low, high]) or raise :class:`InvalidParameterError`."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a number; received {value!r}") from None
    ok = low <= v <= high if closed_high else low <= v < high
    if not ok:
        bracket = "]" if closed_high else ")"
        raise InvalidParameterError(f"{name} must lie in [{low}, {high}{bracket}; received {value!r}")
    return v
