"""Match simulated channels to a small set of real recordings, channel by channel, by their percentiles.

This is the "distribution mapping" of IMUTube/IMUGPT: for each channel the simulated value at percentile q is
mapped to the real value at percentile q. Here the map is piecewise linear between ``n_quantiles`` matched
percentiles (IMUTube replaces values bin-wise, a step function), so distinct inputs stay distinct; values
beyond the simulated range extend the outermost segments linearly.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import ChannelMismatchError, InvalidParameterError, NotFittedError, Recording, ShapeMismatchError

__all__ = ["PercentileCalibrator"]


def _as_matrix(data: Any, placements: Sequence[str] | None, what: str) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """(n_samples, n_channels) from an array or a list of Recordings (acc then gyro per placement)."""
    if isinstance(data, Recording):
        data = [data]
    if isinstance(data, (list, tuple)) and data and all(isinstance(r, Recording) for r in data):
        nodes = tuple(placements) if placements is not None else data[0].placements
        blocks = [r.to_array(nodes)[0].reshape(r.n_samples, -1) for r in data]
        return np.concatenate(blocks, axis=0), nodes
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 3:
        arr = arr.reshape(arr.shape[0], -1)
    if arr.ndim != 2:
        raise ShapeMismatchError(f"{what} must be (n_samples, n_channels), (n_samples, P, 3) or Recordings; received {arr.shape}")
    return arr, None


class PercentileCalibrator:
    """Per-channel percentile matching of simulated signals to real ones.

    Parameters
    ----------
    n_quantiles : int
        Number of matched percentiles (evenly spaced from 0 to 100).

    Attributes
    ----------
    sim_quantiles_ : ndarray, shape (n_quantiles, n_channels)
    real_quantiles_ : ndarray, shape (n_quantiles, n_channels)
    placements_ : tuple of str or None
        Placements whose acc and gyro make up the channels when fitted on Recordings.

    Examples
    --------
    >>> cal = PercentileCalibrator().fit(simulated_recordings, real_recordings)  # doctest: +SKIP
    >>> calibrated = cal.transform(simulated_recordings[0])                       # doctest: +SKIP
    """

    def __init__(self, *, n_quantiles: int = 100):
        self.n_quantiles = n_quantiles

    def fit(self, simulated: Any, real: Any) -> "PercentileCalibrator":
        """Learn the per-channel maps.

        Parameters
        ----------
        simulated, real : array (n, C), array (n, P, 3), or list of Recordings
            Pooled samples of each channel; the two may have different lengths but the same channels
            (for Recordings: the same placements, acc and gyro each).
        """
        if not isinstance(self.n_quantiles, int) or self.n_quantiles < 2:
            raise InvalidParameterError(f"n_quantiles must be an integer >= 2; received {self.n_quantiles!r}")
        sim, nodes = _as_matrix(simulated, None, "simulated")
        rl, _ = _as_matrix(real, nodes, "real")
        if sim.shape[1] != rl.shape[1]:
            raise ChannelMismatchError(
                f"simulated data has {sim.shape[1]} channels but real data has {rl.shape[1]}; calibrate the same channels"
            )
        q = np.linspace(0.0, 100.0, self.n_quantiles)
        self.sim_quantiles_ = np.percentile(sim, q, axis=0)
        self.real_quantiles_ = np.percentile(rl, q, axis=0)
        self.placements_ = nodes
        return self

    def transform(self, simulated: Any) -> Any:
        """Map simulated values onto the real distribution; returns the same kind of object it was given."""
        if not hasattr(self, "sim_quantiles_"):
            raise NotFittedError("PercentileCalibrator is not fitted: call fit(simulated, real) first")
        if isinstance(simulated, Recording):
            nodes = self.placements_ or simulated.placements
            x, _ = simulated.to_array(nodes)
            y = self._map(x.reshape(x.shape[0], -1)).reshape(x.shape)
            return simulated.replace(
                step="percentile_calibration",
                params={"n_quantiles": self.n_quantiles},
                acc={n: y[:, k, :3] for k, n in enumerate(nodes)},
                gyro={n: y[:, k, 3:] for k, n in enumerate(nodes)},
            )
        arr = np.asarray(simulated, dtype=np.float64)
        flat = arr.reshape(arr.shape[0], -1)
        return self._map(flat).reshape(arr.shape)

    def _map(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] != self.sim_quantiles_.shape[1]:
            raise ChannelMismatchError(
                f"fitted on {self.sim_quantiles_.shape[1]} channels; received {x.shape[1]}"
            )
        out = np.empty_like(x)
        for c in range(x.shape[1]):  # loop over channels only (a handful); np.interp is vectorized over samples
            xs, ys = self.sim_quantiles_[:, c], self.real_quantiles_[:, c]
            xs_u, idx = np.unique(xs, return_index=True)
            ys_u = ys[idx]
            if len(xs_u) < 2:
                out[:, c] = ys_u[0]
                continue
            y = np.interp(x[:, c], xs_u, ys_u)
            lo, hi = x[:, c] < xs_u[0], x[:, c] > xs_u[-1]
            slope_lo = (ys_u[1] - ys_u[0]) / (xs_u[1] - xs_u[0])
            slope_hi = (ys_u[-1] - ys_u[-2]) / (xs_u[-1] - xs_u[-2])
            y[lo] = ys_u[0] + (x[lo, c] - xs_u[0]) * slope_lo
            y[hi] = ys_u[-1] + (x[hi, c] - xs_u[-1]) * slope_hi
            out[:, c] = y
        return out
