"""Resampling: polyphase with anti-aliasing for uniform signals, interpolation onto a grid for irregular ones."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, overload

import numpy as np

from ..core import InvalidParameterError, InvalidRateError, InvalidSignalError, Recording, ShapeMismatchError, check_rate
from ..core import LabelLengthError
from ._common import array_rate, as_signal, is_recording, recording_rate, stack_signals, unstack_signals

__all__ = ["rational_ratio", "resample", "resample_labels", "resample_irregular", "UniformSeries", "fill_gaps"]

logger = logging.getLogger(__name__)


def rational_ratio(rate_hz: float, target_rate_hz: float, *, max_denominator: int = 1000, rtol: float = 1e-3) -> tuple[int, int]:
    """Integers ``(up, down)`` with ``rate_hz * up / down`` within ``rtol`` of ``target_rate_hz``.

    Raises
    ------
    InvalidRateError
        If a rate is not positive, or no ratio with ``down <= max_denominator`` comes within ``rtol``.
    """
    rate, target = check_rate(rate_hz, "rate_hz"), check_rate(target_rate_hz, "target_rate_hz")
    ratio = Fraction(target / rate).limit_denominator(max_denominator)
    up, down = ratio.numerator, ratio.denominator
    if up == 0 or abs(rate * up / down - target) > rtol * target:
        raise InvalidRateError(
            f"cannot approximate {target:g} Hz / {rate:g} Hz by a ratio up/down with down <= {max_denominator} "
            f"within {rtol:.1e} (best {up}/{down} gives {rate * up / down:g} Hz); raise max_denominator= or rtol=, "
            f"or resample in two stages"
        )
    return up, down


def resample_labels(labels: Any, up: int, down: int, n_out: int | None = None) -> np.ndarray:
    """Per-sample labels after a rate change by ``up / down``, each output sample taking its nearest input's label.

    Parameters
    ----------
    labels : array_like of int, shape (n_samples,)
    up, down : int
    n_out : int, optional
        Output length; defaults to ``ceil(n_samples * up / down)`` (the length :func:`resample` returns).

    Returns
    -------
    ndarray of int64, shape (n_out,)
    """
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise ShapeMismatchError(f"labels must be 1-D (one id per sample); received shape {lab.shape}")
    n = lab.shape[0]
    if n_out is None:
        n_out = -(-n * up // down)
    i = np.arange(n_out, dtype=np.int64)
    # Output sample i sits at input position i * down / up; round half up in integer arithmetic.
    src = np.minimum((2 * i * down + up) // (2 * up), n - 1)
    return lab[src].astype(np.int64)


def _resample_array(x: np.ndarray, up: int, down: int, axis: int, window: Any, padtype: str) -> np.ndarray:
    from scipy.signal import resample_poly

    return resample_poly(x, up, down, axis=axis, window=window, padtype=padtype)


@overload
def resample(data: Recording, rate_hz: float | None = ..., target_rate_hz: float = ..., **kw: Any) -> Recording: ...
@overload
def resample(data: np.ndarray, rate_hz: float | None = ..., target_rate_hz: float = ..., **kw: Any) -> np.ndarray: ...


def resample(
    data: Any,
    rate_hz: float | None = None,
    target_rate_hz: float | None = None,
    *,
    axis: int = 0,
    max_denominator: int = 1000,
    rtol: float = 1e-3,
    window: Any = ("kaiser", 5.0),
    padtype: str = "line",
):
    """Change the sample rate with a polyphase anti-aliasing filter (:func:`scipy.signal.resample_poly`).

    The ratio ``target_rate_hz / rate_hz`` is approximated by ``up / down`` (``Fraction.limit_denominator``);
    the low-pass FIR of the polyphase filter removes content above the lower of the two Nyquist rates, so a
    tone above the new Nyquist frequency is removed rather than aliased.

    Parameters
    ----------
    data : Recording or array_like, shape (..., n_samples, ...)
        A recording (every acc and gyro signal is resampled; labels by nearest sample) or an array with time
        along ``axis``.
    rate_hz : float, optional
        Input rate in Hz; required for arrays, taken from a recording.
    target_rate_hz : float
        Output rate in Hz.
    axis : int
        Time axis of an array.
    max_denominator, rtol : int, float
        Limits of the rational approximation; see :func:`rational_ratio`.
    window : str or tuple
        FIR design window of ``resample_poly``.
    padtype : str
        Edge extension of ``resample_poly``. ``"line"`` (default) extends the trend, so gravity (a large constant)
        causes no ringing at the ends, unlike zero padding.

    Returns
    -------
    Recording or ndarray of float64
        A recording at ``rate_hz * up / down`` (exactly ``target_rate_hz`` when the ratio is exact) with a
        ``"resample"`` provenance step, or an array with ``ceil(n_samples * up / down)`` samples along ``axis``.
        A recording already at the target rate is returned as is (no step is recorded; nothing happened).

    Raises
    ------
    InvalidRateError
        Missing, zero, negative or unreachable rates.
    InvalidSignalError
        NaN or infinite input.
    """
    if target_rate_hz is None:
        raise InvalidRateError("resample needs target_rate_hz=<output samples per second>, e.g. target_rate_hz=20.0")
    if is_recording(data):
        rate = recording_rate(data, rate_hz, "resample")
        up, down = rational_ratio(rate, target_rate_hz, max_denominator=max_denominator, rtol=rtol)
        if up == down:
            return data
        x, keys = stack_signals(data, ("acc", "gyro"))
        y = _resample_array(x, up, down, 0, window, padtype)
        new_rate = rate * up / down
        params = {
            "from_hz": rate,
            "to_hz": new_rate,
            "up": up,
            "down": down,
            "method": "polyphase",
            "window": list(window) if isinstance(window, tuple) else window,
            "padtype": padtype,
        }
        return data.replace(
            step="resample",
            params=params,
            sample_rate_hz=new_rate,
            labels=resample_labels(data.labels, up, down, y.shape[0]),
            **unstack_signals(y, keys),
        )
    rate = array_rate(rate_hz, "resample")
    x = as_signal(data, "resample input", axis=axis)
    up, down = rational_ratio(rate, target_rate_hz, max_denominator=max_denominator, rtol=rtol)
    if up == down:
        return x.copy()
    return _resample_array(x, up, down, axis, window, padtype)


@dataclass(frozen=True)
class UniformSeries:
    """A signal on a uniform time grid, made from irregular timestamps by :func:`resample_irregular`.

    Attributes
    ----------
    time_s : ndarray, shape (n,)
        Grid times in the timestamps' clock, seconds.
    values : ndarray, shape (n, ...)
        Values on the grid; NaN where ``valid`` is False.
    valid : ndarray of bool, shape (n,)
        False inside gaps longer than ``max_gap_s``.
    rate_hz : float
    gaps_s : ndarray, shape (n_gaps, 2)
        ``[start, stop]`` times of every raw interval longer than ``max_gap_s``.
    labels : ndarray of int64, shape (n,), or None
        Labels of the nearest raw sample, when labels were given.
    """

    time_s: np.ndarray
    values: np.ndarray
    valid: np.ndarray
    rate_hz: float
    gaps_s: np.ndarray
    labels: np.ndarray | None = None

    def valid_segments(self, min_samples: int = 1) -> list[tuple[int, int]]:
        """``(start, stop)`` index ranges of the runs of valid samples, at least ``min_samples`` long.

        A loader cuts one :class:`~imuhar.core.Recording` per range, so no gap is ever interpolated over.
        """
        edges = np.diff(np.concatenate([[0], self.valid.astype(np.int8), [0]]))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        keep = stops - starts >= min_samples
        return [(int(a), int(b)) for a, b in zip(starts[keep], stops[keep])]


def _clean_timestamps(t: np.ndarray, v: np.ndarray, labels: np.ndarray | None, unsorted: str, duplicates: str):
    steps = np.diff(t)
    if (steps < 0).any():
        if unsorted == "raise":
            i = int(np.argmax(steps < 0))
            raise InvalidSignalError(
                f"timestamps go backwards {int((steps < 0).sum())} time(s), first after index {i} "
                f"({t[i]!r} -> {t[i + 1]!r}); pass unsorted='sort' to sort them, or fix the clock"
            )
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
        labels = None if labels is None else labels[order]
        logger.info("resample_irregular: sorted %d out-of-order timestamps", int((steps < 0).sum()))
    dup = np.diff(t) == 0
    if dup.any():
        if duplicates == "raise":
            i = int(np.argmax(dup))
            raise InvalidSignalError(
                f"{int(dup.sum())} duplicate timestamp(s), first {t[i]!r} at index {i}; pass duplicates='mean' or "
                f"'first' to merge them"
            )
        uniq, first, inverse = np.unique(t, return_index=True, return_inverse=True)
        if duplicates == "mean":
            flat = v.reshape(len(t), -1)
            sums = np.zeros((len(uniq), flat.shape[1]))
            np.add.at(sums, inverse, flat)
            counts = np.bincount(inverse, minlength=len(uniq))
            v = (sums / counts[:, None]).reshape((len(uniq),) + v.shape[1:])
        else:
            v = v[first]
        labels = None if labels is None else labels[first]
        t = uniq
    return t, v, labels


def resample_irregular(
    timestamps_s: Any,
    values: Any,
    rate_hz: float,
    *,
    labels: Any = None,
    max_gap_s: float | None = None,
    start_s: float | None = None,
    antialias: bool = True,
    unsorted: str = "sort",
    duplicates: str = "mean",
) -> UniformSeries:
    """Put samples with irregular timestamps (phones, BLE sensors) onto a uniform grid.

    Values are interpolated linearly. When the input is denser than the grid and ``antialias`` is True, the
    samples are first interpolated onto an intermediate grid at an integer multiple ``k`` of ``rate_hz`` (at
    least the median input rate) and decimated by ``k`` with a polyphase low-pass filter, so content above
    the new Nyquist frequency does not alias.

    Parameters
    ----------
    timestamps_s : array_like, shape (n,)
        Sample times in seconds (any origin; UNIX-ms clocks must be divided by 1000 first).
    values : array_like, shape (n, ...)
        Samples; the first axis matches ``timestamps_s``.
    rate_hz : float
        Output rate.
    labels : array_like of int, shape (n,), optional
        Per-sample labels, carried over from the nearest raw sample.
    max_gap_s : float, optional
        Raw intervals longer than this are gaps: grid points inside them are NaN and ``valid`` is False there.
        Default: the larger of 4 output periods and 4 median input intervals.
    start_s : float, optional
        First grid time; defaults to the first timestamp.
    antialias : bool
        Low-pass before decimating (see above).
    unsorted : {"sort", "raise"}
        What to do when timestamps go backwards.
    duplicates : {"mean", "first", "raise"}
        What to do with repeated timestamps.

    Returns
    -------
    UniformSeries

    Raises
    ------
    InvalidSignalError
        NaN/inf timestamps or values, unsorted or duplicate timestamps when asked to raise.
    ShapeMismatchError
        If ``values`` (or ``labels``) do not have one row per timestamp.
    """
    rate = check_rate(rate_hz)
    if unsorted not in ("sort", "raise"):
        raise InvalidParameterError(f"unsorted must be 'sort' or 'raise'; received {unsorted!r}")
    if duplicates not in ("mean", "first", "raise"):
        raise InvalidParameterError(f"duplicates must be 'mean', 'first' or 'raise'; received {duplicates!r}")
    t = as_signal(timestamps_s, "timestamps_s")
    if t.ndim != 1:
        raise ShapeMismatchError(f"timestamps_s must be 1-D; received shape {t.shape}")
    v = as_signal(values, "values")
    if v.shape[0] != t.shape[0]:
        raise ShapeMismatchError(
            f"values must have one row per timestamp: {t.shape[0]} timestamps but values of shape {v.shape}"
        )
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.shape != t.shape:
            raise LabelLengthError(f"labels must have shape {t.shape} (one per timestamp); received {lab.shape}")
    t, v, lab = _clean_timestamps(t, v, lab, unsorted, duplicates)
    if t.shape[0] < 2:
        raise ShapeMismatchError("resample_irregular needs at least two distinct timestamps")
    dt = np.diff(t)
    in_rate = 1.0 / float(np.median(dt))
    if max_gap_s is None:
        max_gap_s = max(4.0 / rate, 4.0 / in_rate)
    elif not max_gap_s > 0:
        raise InvalidParameterError(f"max_gap_s must be > 0 seconds; received {max_gap_s!r}")
    t0 = t[0] if start_s is None else float(start_s)
    n_out = int(math.floor((t[-1] - t0) * rate + 1e-9)) + 1
    if n_out < 1:
        raise InvalidParameterError(f"start_s={start_s!r} lies after the last timestamp {t[-1]!r}")
    k = max(1, math.ceil(in_rate / rate - 1e-9)) if antialias else 1
    grid_rate = rate * k
    n_grid = (n_out - 1) * k + 1
    grid = t0 + np.arange(n_grid) / grid_rate
    # Linear interpolation of every column at once: bracket each grid time between raw samples.
    flat = v.reshape(t.shape[0], -1)
    hi = np.clip(np.searchsorted(t, grid, side="right"), 1, t.shape[0] - 1)
    lo = hi - 1
    w = np.clip((grid - t[lo]) / (t[hi] - t[lo]), 0.0, 1.0)[:, None]
    y = flat[lo] * (1.0 - w) + flat[hi] * w
    if k > 1:
        from scipy.signal import resample_poly

        y = resample_poly(y, 1, k, axis=0, padtype="line")[:n_out]
    out_t = t0 + np.arange(n_out) / rate
    # A grid point is invalid inside a raw interval longer than max_gap_s, or outside the raw time span.
    seg = np.clip(np.searchsorted(t, out_t, side="right") - 1, 0, t.shape[0] - 2)
    valid = (dt[seg] <= max_gap_s) & (out_t >= t[0] - 1e-12) & (out_t <= t[-1] + 1e-12)
    y = y.reshape((n_out,) + v.shape[1:])
    y[~valid] = np.nan
    big = np.flatnonzero(dt > max_gap_s)
    gaps = np.stack([t[big], t[big + 1]], axis=1) if big.size else np.zeros((0, 2))
    if big.size:
        logger.info("resample_irregular: %d gap(s) longer than %.3g s, %d grid points invalid", big.size, max_gap_s, int((~valid).sum()))
    out_labels = None
    if lab is not None:
        nearest = np.where(np.abs(out_t - t[seg]) <= np.abs(t[np.minimum(seg + 1, t.shape[0] - 1)] - out_t), seg, seg + 1)
        out_labels = lab[np.minimum(nearest, t.shape[0] - 1)].astype(np.int64)
    return UniformSeries(time_s=out_t, values=y, valid=valid, rate_hz=rate, gaps_s=gaps, labels=out_labels)


def fill_gaps(x: Any, max_gap: int | None = None, *, axis: int = 0, edges: str = "nearest") -> np.ndarray:
    """Fill runs of NaN by linear interpolation between the valid samples around them.

    Parameters
    ----------
    x : array_like, shape (..., n_samples, ...)
        Signal with NaN marking missing samples; time along ``axis``. Each channel is filled independently.
    max_gap : int, optional
        Longest run (in samples) to fill; longer runs stay NaN so that callers can cut them out. ``None`` fills
        every run.
    axis : int
        Time axis.
    edges : {"nearest", "leave"}
        Runs at the start or end have a valid neighbour on one side only: hold that value, or leave them NaN.

    Returns
    -------
    ndarray of float64, same shape as ``x``
        Channels without any valid sample stay NaN.
    """
    if edges not in ("nearest", "leave"):
        raise InvalidParameterError(f"edges must be 'nearest' or 'leave'; received {edges!r}")
    if max_gap is not None and (isinstance(max_gap, bool) or not isinstance(max_gap, (int, np.integer)) or max_gap < 1):
        raise InvalidParameterError(f"max_gap must be a positive number of samples or None; received {max_gap!r}")
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidSignalError(f"fill_gaps needs numeric values; conversion failed: {exc}") from None
    if arr.ndim == 0:
        raise InvalidParameterError("fill_gaps needs an array with a time axis; received a scalar")
    if np.isinf(arr).any():
        raise InvalidSignalError("fill_gaps fills NaN gaps; infinite values are sensor faults: replace them by NaN first")
    moved = np.moveaxis(arr, axis, 0)
    n = moved.shape[0]
    flat = moved.reshape(n, -1)
    nan = np.isnan(flat)
    if not nan.any():
        return arr
    # Run boundaries per column from the padded NaN indicator; nonzero on the transpose pairs starts and ends.
    d = np.diff(np.pad(nan, ((1, 1), (0, 0))).astype(np.int8), axis=0)
    s_col, s_row = np.nonzero(d.T == 1)
    _, e_row = np.nonzero(d.T == -1)
    length = e_row - s_row
    at_edge = (s_row == 0) | (e_row == n)
    whole = (s_row == 0) & (e_row == n)
    fill = ~whole
    if max_gap is not None:
        fill &= length <= max_gap
    if edges == "leave":
        fill &= ~at_edge
    marks = np.zeros((n + 1, flat.shape[1]), dtype=np.int32)
    np.add.at(marks, (s_row[fill], s_col[fill]), 1)
    np.add.at(marks, (e_row[fill], s_col[fill]), -1)
    to_fill = np.cumsum(marks, axis=0)[:n] > 0
    idx = np.arange(n)
    for c in np.unique(s_col[fill]):
        ok = ~nan[:, c]
        rows = to_fill[:, c]
        flat[rows, c] = np.interp(idx[rows], idx[ok], flat[ok, c])
    return np.moveaxis(flat.reshape(moved.shape), 0, axis)
