"""Sensor error models: white noise, bias and bias drift, scale and cross-axis errors, range clipping, quantization.

For one axis triplet of one device the measured value is::

    y(t) = Q( clip( (I + diag(s)) (I + C) x(t) + b + w(t) + n(t), -range, +range ) )

with ``s`` per-axis scale errors ~ N(0, scale_sd^2), ``C`` off-diagonal cross-axis couplings ~ N(0, cross_axis_sd^2),
``b`` a constant turn-on bias ~ N(0, bias_sd^2), ``w`` a bias random walk (``cumsum`` of N(0, bias_walk^2 / f_s)),
``n`` white noise with standard deviation ``noise_density * sqrt(f_s / 2)`` (density over the Nyquist band) and
``Q`` rounding to the resolution (LSB). Every device (placement) draws its own errors; acc and gyro are
independent. The numbers of the presets are typical datasheet values, stated per preset.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..core import InvalidParameterError

__all__ = ["AxisErrors", "SensorModel", "NOISE_PRESETS", "get_sensor_model", "apply_sensor_model"]


@dataclass(frozen=True)
class AxisErrors:
    """Error parameters of one 3-axis sensor (units of the sensor: m/s^2 for acc, rad/s for gyro).

    Attributes
    ----------
    noise_density : float
        White-noise density, unit/sqrt(Hz).
    bias_sd : float
        Standard deviation of the constant bias drawn per device, unit.
    bias_walk : float
        Bias random-walk intensity, unit/sqrt(s).
    scale_sd : float
        Standard deviation of per-axis scale-factor errors (fraction, 0.01 = 1 %).
    cross_axis_sd : float
        Standard deviation of cross-axis couplings (fraction).
    range : float
        Full-scale range; outputs are clipped to [-range, range]. ``inf`` for none.
    resolution : float
        Quantization step (LSB), unit; 0 for none.
    """

    noise_density: float = 0.0
    bias_sd: float = 0.0
    bias_walk: float = 0.0
    scale_sd: float = 0.0
    cross_axis_sd: float = 0.0
    range: float = math.inf
    resolution: float = 0.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            v = float(value)
            if math.isnan(v) or v < 0 or (name != "range" and math.isinf(v)) or (name == "range" and v == 0):
                raise InvalidParameterError(f"AxisErrors.{name} must be a finite number >= 0 (range > 0, may be inf); received {value!r}")

    @property
    def is_ideal(self) -> bool:
        return self == _NO_ERRORS


_NO_ERRORS = AxisErrors()  # compared against, not rebuilt (and re-validated) on every call


@dataclass(frozen=True)
class SensorModel:
    """Error model of an IMU: accelerometer and gyroscope errors."""

    name: str = "ideal"
    acc: AxisErrors = field(default_factory=AxisErrors)
    gyro: AxisErrors = field(default_factory=AxisErrors)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "acc": asdict(self.acc), "gyro": asdict(self.gyro)}


_G = 9.80665
_DEG = math.pi / 180.0

#: Preset sensor models.
#:
#: * ``ideal``: no errors.
#: * ``consumer_phone``: smartphone MEMS IMU (BMI160/LSM6DS3 class): acc 300 ug/sqrt(Hz), 20 mg bias, 1 % scale and
#:   cross-axis, +-8 g, 16 bit; gyro 0.01 deg/s/sqrt(Hz), 1 deg/s bias, +-2000 deg/s, 16 bit.
#: * ``research_imu``: research-grade wearable (Xsens MTw / Shimmer3 class): acc 120 ug/sqrt(Hz), 5 mg bias,
#:   0.3 % scale, 0.2 % cross-axis, +-16 g; gyro 0.007 deg/s/sqrt(Hz), 0.2 deg/s bias, +-2000 deg/s.
NOISE_PRESETS: dict[str, SensorModel] = {
    "ideal": SensorModel("ideal"),
    "consumer_phone": SensorModel(
        "consumer_phone",
        acc=AxisErrors(300e-6 * _G, 0.02 * _G, 1e-3, 0.01, 0.01, 8 * _G, 16 * _G / 2**16),
        gyro=AxisErrors(0.01 * _DEG, 1.0 * _DEG, 1e-4, 0.01, 0.01, 2000 * _DEG, 4000 * _DEG / 2**16),
    ),
    "research_imu": SensorModel(
        "research_imu",
        acc=AxisErrors(120e-6 * _G, 0.005 * _G, 1e-4, 0.003, 0.002, 16 * _G, 32 * _G / 2**16),
        gyro=AxisErrors(0.007 * _DEG, 0.2 * _DEG, 2e-5, 0.003, 0.002, 2000 * _DEG, 4000 * _DEG / 2**16),
    ),
}


def get_sensor_model(noise: str | SensorModel | None) -> SensorModel:
    """A :class:`SensorModel` from a preset name (``ideal``, ``consumer_phone``, ``research_imu``) or instance."""
    if noise is None:
        return NOISE_PRESETS["ideal"]
    if isinstance(noise, SensorModel):
        return noise
    key = str(noise).strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"phone": "consumer_phone", "consumer": "consumer_phone", "research": "research_imu", "none": "ideal"}
    key = aliases.get(key, key)
    if key not in NOISE_PRESETS:
        raise InvalidParameterError(
            f"unknown noise model {noise!r}; use one of {sorted(NOISE_PRESETS)} or an imuhar.simulate.SensorModel"
        )
    return NOISE_PRESETS[key]


def _apply_axis(x: np.ndarray, err: AxisErrors, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    n_t, n_p, _ = x.shape
    y = x
    if err.scale_sd > 0 or err.cross_axis_sd > 0:
        scale = np.eye(3)[None] * (1.0 + rng.normal(0.0, err.scale_sd, (n_p, 3)))[:, :, None]
        cross = rng.normal(0.0, err.cross_axis_sd, (n_p, 3, 3)) * (1.0 - np.eye(3))
        m = scale @ (np.eye(3) + cross)  # (P, 3, 3)
        y = np.einsum("pij,tpj->tpi", m, y)
    else:
        y = y.copy()
    if err.bias_sd > 0:
        y += rng.normal(0.0, err.bias_sd, (1, n_p, 3))
    if err.bias_walk > 0:
        y += np.cumsum(rng.normal(0.0, err.bias_walk / math.sqrt(rate_hz), (n_t, n_p, 3)), axis=0)
    if err.noise_density > 0:
        y += rng.normal(0.0, err.noise_density * math.sqrt(rate_hz / 2.0), y.shape)
    if math.isfinite(err.range):
        np.clip(y, -err.range, err.range, out=y)
    if err.resolution > 0:
        y = np.round(y / err.resolution) * err.resolution
    return y


def apply_sensor_model(
    acc: np.ndarray,
    gyro: np.ndarray,
    rate_hz: float,
    model: str | SensorModel | None = "ideal",
    *,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt ideal signals with a sensor error model.

    Parameters
    ----------
    acc, gyro : ndarray, shape (n_samples, n_placements, 3)
        Ideal specific force (m/s^2) and angular velocity (rad/s).
    rate_hz : float
        Sample rate in Hz (sets the white-noise level and the random-walk step).
    model : str or SensorModel
        Preset name or model.
    seed : int or Generator, optional
        Seed of the draws; the same seed gives the same errors.

    Returns
    -------
    acc, gyro : ndarray, shape (n_samples, n_placements, 3)
    """
    m = get_sensor_model(model)
    if m.acc.is_ideal and m.gyro.is_ideal:
        return acc, gyro
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _apply_axis(acc, m.acc, rate_hz, rng), _apply_axis(gyro, m.gyro, rate_hz, rng)
