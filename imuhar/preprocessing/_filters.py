"""Zero-phase Butterworth filters and the gravity/body separation of total acceleration."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..core import InvalidParameterError, ShapeMismatchError
from ..core._validation import check_positive_int
from ._common import array_rate, as_signal, check_kinds, is_recording, recording_rate, stack_signals, unstack_signals

__all__ = ["butter_sos", "lowpass", "highpass", "bandpass", "split_gravity"]


def butter_sos(btype: str, cutoff_hz: float | Sequence[float], rate_hz: float, order: int = 4) -> np.ndarray:
    """Second-order sections of a digital Butterworth filter, after checking the cut-offs against Nyquist.

    Parameters
    ----------
    btype : {"lowpass", "highpass", "bandpass"}
    cutoff_hz : float, or (low, high) for ``"bandpass"``
        -3 dB frequencies in Hz; each must lie strictly between 0 and ``rate_hz / 2``.
    rate_hz : float
    order : int
        Filter order (a zero-phase application doubles the effective order).

    Returns
    -------
    ndarray, shape (n_sections, 6)
    """
    order = check_positive_int(order, "order")
    nyq = rate_hz / 2.0
    cut = np.atleast_1d(np.asarray(cutoff_hz, dtype=np.float64))
    want = 2 if btype == "bandpass" else 1
    if cut.shape != (want,):
        shape = "(low_hz, high_hz)" if want == 2 else "a single frequency"
        raise InvalidParameterError(f"{btype} needs {shape} in Hz; received {cutoff_hz!r}")
    if not (np.isfinite(cut).all() and (cut > 0).all() and (cut < nyq).all()):
        raise InvalidParameterError(
            f"{btype} cut-off {cutoff_hz!r} Hz must lie strictly between 0 and the Nyquist frequency {nyq:g} Hz "
            f"(half of rate_hz={rate_hz:g}); lower the cut-off or use data sampled faster"
        )
    if want == 2 and not cut[0] < cut[1]:
        raise InvalidParameterError(f"bandpass needs low_hz < high_hz; received {tuple(cut)}")
    return _design(btype, tuple(float(c) for c in cut), float(rate_hz), order).copy()


@lru_cache(maxsize=128)
def _design(btype: str, cut: tuple[float, ...], rate_hz: float, order: int) -> np.ndarray:
    # Designing costs more than filtering a short recording; datasets reuse a handful of designs.
    from scipy.signal import butter

    sos = butter(order, cut if len(cut) == 2 else cut[0], btype=btype, fs=rate_hz, output="sos")
    sos.setflags(write=False)
    return sos


def _filtfilt(sos: np.ndarray, x: np.ndarray, axis: int, rate_hz: float, cutoff_hz: Any) -> np.ndarray:
    """``sosfiltfilt`` with even (mirror) edge extension about three periods of the lowest cut-off long.

    scipy's default odd extension ``2 x[0] - x[k]`` turns the body motion's value at the first sample into a
    level shift of the whole extension, which a low cut-off (0.3 Hz gravity) spreads over seconds; a mirror
    keeps the level, and a pad as long as the filter's memory lets the transient die out before the data.
    """
    from scipy.signal import sosfiltfilt

    minimum = 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum())))
    n = x.shape[axis]
    if n <= minimum:
        raise ShapeMismatchError(
            f"a zero-phase filter of {len(sos)} second-order section(s) needs more than {minimum} samples along the "
            f"time axis; received {n} (shape {x.shape}). Filter the whole recording before windowing, "
            f"or lower the order"
        )
    memory = int(np.ceil(3.0 * rate_hz / float(np.min(cutoff_hz))))
    padlen = min(n - 1, max(minimum, memory))
    return sosfiltfilt(sos, x, axis=axis, padtype="even", padlen=padlen)


def _apply(data: Any, btype: str, cutoff: Any, rate_hz: Any, order: int, axis: int, kinds: Sequence[str], func: str):
    if is_recording(data):
        rate = recording_rate(data, rate_hz, func)
        kinds = check_kinds(kinds)
        sos = butter_sos(btype, cutoff, rate, order)
        x, keys = stack_signals(data, kinds)
        if not keys:
            return data
        y = _filtfilt(sos, x, 0, rate, cutoff)
        cut = [float(c) for c in np.atleast_1d(cutoff)]
        params = {"cutoff_hz": cut if len(cut) > 1 else cut[0], "order": int(order), "kinds": list(kinds), "zero_phase": True, "padtype": "even"}
        return data.replace(step=func, params=params, **unstack_signals(y, keys))
    rate = array_rate(rate_hz, func)
    x = as_signal(data, f"{func} input", axis=axis)
    return _filtfilt(butter_sos(btype, cutoff, rate, order), x, axis, rate, cutoff)


def lowpass(data: Any, cutoff_hz: float, *, rate_hz: float | None = None, order: int = 4, axis: int = 0, kinds: Sequence[str] = ("acc", "gyro")):
    """Zero-phase Butterworth low-pass filter (``sosfiltfilt``), per channel.

    Parameters
    ----------
    data : Recording or array_like, shape (..., n_samples, ...)
        A recording (signals of ``kinds`` are filtered) or an array with time along ``axis``.
    cutoff_hz : float
        -3 dB frequency of the forward filter; strictly between 0 and ``rate_hz / 2``. Forward-backward
        filtering squares the magnitude response (-6 dB at the cut-off) and cancels the phase.
    rate_hz : float, optional
        Sample rate; required for arrays, taken from a recording.
    order : int
        Butterworth order.
    axis : int
        Time axis of an array.
    kinds : sequence of {"acc", "gyro"}
        Sensor kinds of a recording to filter.

    Returns
    -------
    Recording or ndarray of float64
        Same type and shape as ``data``; a recording gains a ``"lowpass"`` provenance step.

    Raises
    ------
    InvalidParameterError
        Cut-off not below Nyquist, or not positive.
    ShapeMismatchError
        Signal too short for the filter's edge padding.
    """
    return _apply(data, "lowpass", cutoff_hz, rate_hz, order, axis, kinds, "lowpass")


def highpass(data: Any, cutoff_hz: float, *, rate_hz: float | None = None, order: int = 4, axis: int = 0, kinds: Sequence[str] = ("acc", "gyro")):
    """Zero-phase Butterworth high-pass filter; parameters as :func:`lowpass`."""
    return _apply(data, "highpass", cutoff_hz, rate_hz, order, axis, kinds, "highpass")


def bandpass(data: Any, low_hz: float, high_hz: float, *, rate_hz: float | None = None, order: int = 4, axis: int = 0, kinds: Sequence[str] = ("acc", "gyro")):
    """Zero-phase Butterworth band-pass filter between ``low_hz`` and ``high_hz``; otherwise as :func:`lowpass`."""
    return _apply(data, "bandpass", (low_hz, high_hz), rate_hz, order, axis, kinds, "bandpass")


def split_gravity(acc: Any, rate_hz: float | None = None, cutoff_hz: float = 0.3, order: int = 3, *, axis: int = 0):
    """Separate total acceleration into gravity and body acceleration, as UCI-HAR does.

    Gravity is the zero-phase Butterworth low-pass of the total acceleration (default 0.3 Hz, order 3, the
    UCI-HAR choice); body acceleration is the remainder, so ``gravity + body == acc`` exactly.

    Parameters
    ----------
    acc : Recording or array_like, shape (..., n_samples, ...)
        Total acceleration in m/s² (time along ``axis``), or a recording.
    rate_hz : float, optional
        Required for arrays.
    cutoff_hz : float
    order : int
    axis : int

    Returns
    -------
    gravity, body : ndarray (same shape as ``acc``) or Recording
        For a recording, two recordings whose ``acc`` holds gravity and body acceleration respectively (gyro
        unchanged), each with a ``"split_gravity"`` provenance step naming its component.
    """
    if is_recording(acc):
        rate = recording_rate(acc, rate_hz, "split_gravity")
        sos = butter_sos("lowpass", cutoff_hz, rate, order)
        x, keys = stack_signals(acc, ("acc",))
        if not keys:
            raise InvalidParameterError("split_gravity needs accelerometer signals; this recording holds gyro only")
        g = _filtfilt(sos, x, 0, rate, cutoff_hz)
        params = {"cutoff_hz": float(cutoff_hz), "order": int(order)}
        grav = acc.replace(step="split_gravity", params={**params, "component": "gravity"}, **unstack_signals(g, keys))
        body = acc.replace(step="split_gravity", params={**params, "component": "body"}, **unstack_signals(x - g, keys))
        return grav, body
    rate = array_rate(rate_hz, "split_gravity")
    x = as_signal(acc, "split_gravity input", axis=axis)
    g = _filtfilt(butter_sos("lowpass", cutoff_hz, rate, order), x, axis, rate, cutoff_hz)
    return g, x - g
