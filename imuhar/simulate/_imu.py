"""Virtual IMUs: accelerometer and gyroscope signals of sensors strapped to the segments of a moving skeleton.

For a sensor on node ``n`` with lever arm ``r`` (metres, segment frame) and mounting rotation ``M``:

* sensor origin ``p_S = p_n + R_seg r`` and orientation ``R_S = R_seg M`` per frame;
* **accelerometer** = specific force in the sensor frame, ``R_S^T (p_S'' - g)`` with ``g = (0, 0, -9.81)``
  m/s^2 in the z-up world: a still sensor reads +9.81 along its upward axis; free fall reads 0. ``p_S''`` is the
  central second difference of the positions;
* **gyroscope** = angular velocity in the sensor frame from consecutive orientations by the matrix log,
  ``Log(R_S(t-1)^T R_S(t+1)) f_s / 2`` (central; one-sided at the ends), rad/s;
* both are smoothed by a zero-phase Butterworth low-pass (``cutoff_hz``) so that differentiation does not
  amplify mocap jitter. The filter runs on the sensor-frame signals: linear filters commute with differences,
  so up to the (slow) rotation into the sensor frame this equals smoothing before differentiating, while
  constant spins, free fall and polynomial trajectories pass exactly;
* both are computed on the motion's frames and, for another output rate, interpolated onto the output grid with
  a cubic (Catmull-Rom) kernel -- the low-pass keeps them band-limited below both Nyquist frequencies;
* optional sensor errors (:mod:`imuhar.simulate._noise`).

Everything is vectorized over frames and sensors; Python loops run only over joints of a rig.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..core import (
    NODES,
    InvalidParameterError,
    InvalidRateError,
    LabelVocabulary,
    Recording,
    ShapeMismatchError,
    check_rate,
    resolve_placement,
)
from ._mapping import resolve_mapping
from ._motion import SkeletonMotion, catmull_rom
from ._noise import SensorModel, apply_sensor_model, get_sensor_model
from ._rotation import continuous_quat, matrix_to_quat, quat_conj, quat_log, quat_mul, quat_rotate, so3_exp

__all__ = ["simulate_imu", "simulate_signals", "SimulatedSignals", "STANDARD_GRAVITY", "default_cutoff_hz"]

logger = logging.getLogger(__name__)

#: Gravity magnitude used by default, m/s^2.
STANDARD_GRAVITY = 9.81


@dataclass(frozen=True)
class SimulatedSignals:
    """Raw simulated signals of one take.

    Attributes
    ----------
    acc : ndarray, shape (n_samples, n_placements, 3)
        Specific force in each sensor's frame, m/s^2, gravity included.
    gyro : ndarray, shape (n_samples, n_placements, 3)
        Angular velocity in each sensor's frame, rad/s.
    placements : tuple of str
        Canonical node of each sensor.
    rate_hz : float
        Output rate in Hz.
    params : dict
        The simulation parameters (JSON-ready), for provenance.
    """

    acc: np.ndarray
    gyro: np.ndarray
    placements: tuple[str, ...]
    rate_hz: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.acc.shape[0])


def default_cutoff_hz(input_rate_hz: float, output_rate_hz: float) -> float:
    """Low-pass cut-off used when ``cutoff_hz="auto"``: ``min(12, 0.4 * min(input, output rate))`` Hz.

    12 Hz keeps nearly all voluntary human movement (mostly below 10 Hz); 0.4 of the lower rate stays below
    both Nyquist frequencies, so downsampling does not alias.
    """
    return float(min(12.0, 0.4 * min(input_rate_hz, output_rate_hz)))


def _per_node(value: Any, nodes: Sequence[str], what: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """Broadcast a lever arm / mounting spec to an array (P, *shape); None if not given."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        out = np.zeros((len(nodes),) + shape)
        if shape == (3, 3):
            out[:] = np.eye(3)
        for key, v in value.items():
            node = resolve_placement(key)
            if node not in nodes:
                raise InvalidParameterError(
                    f"{what}[{key!r}] is for node {node!r}, which is not among the simulated placements {list(nodes)}"
                )
            out[nodes.index(node)] = _one(v, what, shape)
        return out
    return np.broadcast_to(_one(value, what, shape), (len(nodes),) + shape).copy()


def _one(v: Any, what: str, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(v, dtype=np.float64)
    if shape == (3, 3) and arr.shape == (3,):
        return so3_exp(arr)  # a rotation vector (axis * angle in rad)
    if arr.shape != shape or not np.isfinite(arr).all():
        hint = "a rotation matrix (3, 3) or a rotation vector (3,) in rad" if shape == (3, 3) else "3 numbers in metres"
        raise InvalidParameterError(f"{what} must be {hint} per node; received shape {arr.shape}")
    if shape == (3, 3):
        if not (np.allclose(arr @ arr.T, np.eye(3), atol=1e-6) and np.linalg.det(arr) > 0):
            raise InvalidParameterError(f"{what} must be a proper rotation matrix (orthonormal, det +1); received {arr.tolist()}")
    return arr


@functools.lru_cache(maxsize=64)
def _butter_sos(order: int, wn: float) -> np.ndarray:
    from scipy.signal import butter

    return butter(order, wn, output="sos")


def _lowpass(x: np.ndarray, rate_hz: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (odd extension at the ends)."""
    from scipy.signal import sosfiltfilt

    sos = _butter_sos(int(order), float(cutoff_hz / (rate_hz / 2.0)))
    padlen = min(3 * (2 * len(sos) + 1), x.shape[0] - 1)
    return sosfiltfilt(sos, x, axis=0, padlen=padlen)


def simulate_signals(
    motion: SkeletonMotion,
    placements: Sequence[str] | None = None,
    *,
    rate_hz: float | None = None,
    mapping: Mapping[str, Any] | None = None,
    cutoff_hz: float | str | None = "auto",
    filter_order: int = 4,
    lever_arm: Any = None,
    mounting: Any = None,
    noise: str | SensorModel | None = "ideal",
    seed: int | np.random.Generator | None = None,
    gravity_m_s2: float = STANDARD_GRAVITY,
    max_upsample: float = 10.0,
) -> SimulatedSignals:
    """Simulate accelerometer and gyroscope signals of sensors on a skeleton's segments.

    Parameters
    ----------
    motion : SkeletonMotion
        The take (z-up world, metres).
    placements : sequence of str, optional
        Canonical nodes or aliases (``"right_wrist"``, ``"waist"``); default all 22 nodes.
    rate_hz : float, optional
        Output rate in Hz (default: the motion's frame rate). At most ``max_upsample`` times the motion rate.
    mapping : mapping, optional
        Explicit node -> joint entries overriding the rig's table (see :func:`resolve_mapping`).
    cutoff_hz : float, "auto" or None
        Low-pass cut-off applied to positions and orientations before differentiation; ``"auto"`` uses
        :func:`default_cutoff_hz`, ``None`` disables smoothing. Must lie below half the motion's rate.
    filter_order : int
        Butterworth order (applied forwards and backwards, so the effective order doubles).
    lever_arm : (3,) array or mapping node -> (3,), optional
        Sensor offset from the node in the segment frame, metres.
    mounting : (3, 3) matrix, (3,) rotation vector, or mapping node -> either, optional
        Sensor orientation relative to the segment frame: the sensor frame is ``R_seg @ mounting``.
    noise : str or SensorModel
        Sensor error model or preset (``"ideal"``, ``"consumer_phone"``, ``"research_imu"``).
    seed : int or Generator, optional
        Seed of the sensor errors.
    gravity_m_s2 : float
        Gravity magnitude (the world's gravity vector is ``(0, 0, -gravity_m_s2)``).
    max_upsample : float
        Largest allowed ratio of output rate to motion rate.

    Returns
    -------
    SimulatedSignals
        ``acc`` and ``gyro`` of shape (n_samples, n_placements, 3) on the grid ``arange(n) / rate_hz`` starting
        at the motion's first frame, ``n = floor((n_frames - 1) / motion.rate_hz * rate_hz) + 1``.

    Raises
    ------
    InvalidRateError
        If ``rate_hz`` is not positive, exceeds ``max_upsample`` times the motion rate, or the take is too short
        to give two output samples.
    UnknownPlacementError, InvalidParameterError
        For unknown placements, a node the rig cannot carry, bad lever arms, mountings or cut-offs.
    """
    if not isinstance(motion, SkeletonMotion):
        raise InvalidParameterError(
            f"motion must be a SkeletonMotion (read one with imuhar.simulate.load_motion); received {type(motion).__name__}"
        )
    nodes = [resolve_placement(p) for p in (placements if placements is not None else NODES)]
    if len(set(nodes)) != len(nodes):
        raise InvalidParameterError(f"placements resolve to repeated nodes: {nodes}; list each node once")
    if not nodes:
        raise InvalidParameterError("placements is empty; name at least one node such as 'right_wrist'")
    fs = motion.rate_hz
    out_rate = fs if rate_hz is None else check_rate(rate_hz, "rate_hz")
    if out_rate > max_upsample * fs * (1 + 1e-9):
        raise InvalidRateError(
            f"rate_hz={out_rate:g} cannot be reached from {motion.source} recorded at {fs:g} Hz: at most "
            f"max_upsample={max_upsample:g} x the motion rate ({max_upsample * fs:g} Hz). Lower rate_hz or raise "
            f"max_upsample if you know the motion is smooth enough."
        )
    n_frames = motion.n_frames
    if n_frames < 4:
        raise InvalidRateError(
            f"{motion.source} has {n_frames} frame(s); differentiating twice needs at least 4 frames"
        )
    n_out = int(math.floor((n_frames - 1) / fs * out_rate + 1e-9)) + 1
    if n_out < 2:
        raise InvalidRateError(
            f"rate_hz={out_rate:g} gives fewer than 2 samples over the {motion.duration_s:.3g} s take {motion.source}; "
            f"raise rate_hz"
        )
    if cutoff_hz == "auto":
        cutoff = default_cutoff_hz(fs, out_rate)
    elif cutoff_hz is None:
        cutoff = None
    else:
        try:
            cutoff = float(cutoff_hz)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"cutoff_hz must be a number of Hz, 'auto' or None; received {cutoff_hz!r}") from None
        if not 0 < cutoff < fs / 2:
            raise InvalidParameterError(
                f"cutoff_hz must lie in (0, {fs / 2:g}) Hz, below the Nyquist frequency of the {fs:g} Hz motion; "
                f"received {cutoff_hz!r}"
            )
        if cutoff > out_rate / 2:
            logger.warning("cutoff_hz=%g is above the output Nyquist frequency %g Hz: the output may alias", cutoff, out_rate / 2)
    if not (isinstance(gravity_m_s2, (int, float)) and math.isfinite(gravity_m_s2) and gravity_m_s2 >= 0):
        raise InvalidParameterError(f"gravity_m_s2 must be a finite number >= 0; received {gravity_m_s2!r}")
    sensor_model = get_sensor_model(noise)

    sources = resolve_mapping(
        motion.joint_names, motion.parents, nodes, rig=motion.rig, mapping=mapping, source=motion.source
    )
    lever = _per_node(lever_arm, nodes, "lever_arm", (3,))
    mount = _per_node(mounting, nodes, "mounting", (3, 3))

    # ---- gather sensor trajectories (T, P, ...)
    idx = {n: i for i, n in enumerate(motion.joint_names)}
    rot_idx = [idx[sources[n].rotation] for n in nodes]
    simple = all(len(sources[n].position) == 1 for n in nodes)
    if simple:
        pos = motion.positions[:, [idx[sources[n].position[0][0]] for n in nodes]]
    else:
        pos = np.zeros((n_frames, len(nodes), 3))
        for k, n in enumerate(nodes):
            for joint, w in sources[n].position:
                pos[:, k] += w * motion.positions[:, idx[joint]]
    seg_q = motion.quaternions[:, rot_idx]  # (T, P, 4)
    q = seg_q
    if mount is not None:
        q = quat_mul(q, matrix_to_quat(mount)[None])
    if lever is not None:
        pos = pos + quat_rotate(seg_q, np.broadcast_to(lever, pos.shape))
    q = continuous_quat(q, axis=0)

    # ---- second derivative of position (central difference) and angular velocity by the log of relative
    # rotations (central: Log(R(t-1)^T R(t+1)) * fs / 2, which is exact for a constant rate), sensor frame
    n_p = len(nodes)
    p_ddot = np.empty(pos.shape)
    p_ddot[1:-1] = (pos[2:] - 2.0 * pos[1:-1] + pos[:-2]) * (fs * fs)
    p_ddot[0] = p_ddot[1]
    p_ddot[-1] = p_ddot[-2]
    omega = np.empty(pos.shape)
    omega[1:-1] = quat_log(quat_mul(quat_conj(q[:-2]), q[2:])) * (fs / 2.0)
    omega[0] = quat_log(quat_mul(quat_conj(q[0]), q[1])) * fs
    omega[-1] = quat_log(quat_mul(quat_conj(q[-2]), q[-1])) * fs
    g_world = np.array([0.0, 0.0, -float(gravity_m_s2)])
    both = np.concatenate([quat_rotate(quat_conj(q), p_ddot - g_world), omega], axis=-1)  # (T, P, 6)

    # ---- zero-phase low-pass of the sensor-frame signals. A linear filter commutes with differencing, so in
    # the interior this equals smoothing positions and orientations before differentiating: the noise that
    # differencing amplifies is removed, and constant-rate spins, free fall and polynomial trends pass exactly
    # (odd extension at the ends). Filtering in the sensor frame is also what a real IMU's bandwidth does.
    if cutoff is not None:
        both = _lowpass(both.reshape(n_frames, n_p * 6), fs, cutoff, filter_order).reshape(n_frames, n_p, 6)
    acc, gyro = both[..., :3], both[..., 3:]

    # ---- onto the output grid (Catmull-Rom cubic interpolation of the band-limited signals)
    same_grid = n_out == n_frames and abs(out_rate - fs) <= 1e-9 * fs
    if not same_grid:
        both = catmull_rom(both, np.arange(n_out) * (fs / out_rate))
        acc, gyro = both[..., :3], both[..., 3:]
    acc, gyro = apply_sensor_model(acc, gyro, out_rate, sensor_model, seed=seed)
    params = {
        "source": motion.source,
        "rig": motion.rig,
        "motion_rate_hz": fs,
        "rate_hz": out_rate,
        "cutoff_hz": cutoff,
        "filter_order": int(filter_order),
        "gravity_m_s2": float(gravity_m_s2),
        "noise": sensor_model.name,
        "seed": seed if isinstance(seed, (int, type(None))) else "generator",
        "lever_arm": None if lever is None else lever.tolist(),
        "mounting": None if mount is None else mount.tolist(),
        "node_sources": {n: {"position": [list(p) for p in sources[n].position], "rotation": sources[n].rotation} for n in nodes},
    }
    return SimulatedSignals(acc, gyro, tuple(nodes), out_rate, params)


def simulate_imu(
    motion: SkeletonMotion,
    placements: Sequence[str] | None = None,
    *,
    rate_hz: float | None = None,
    labels: Any = None,
    vocabulary: LabelVocabulary | None = None,
    subject: str = "unknown",
    recording_id: str | None = None,
    **kwargs: Any,
) -> Recording:
    """Simulate an IMU at each placement and return a :class:`imuhar.core.Recording`.

    Parameters
    ----------
    motion : SkeletonMotion
        The take.
    placements : sequence of str, optional
        Canonical nodes or aliases; default all 22 nodes.
    rate_hz : float, optional
        Output rate in Hz (default: the motion's frame rate).
    labels : int array of shape (n_samples,), optional
        Per-sample class ids on the output grid.
    vocabulary : LabelVocabulary, optional
    subject : str
        Subject id for splits.
    recording_id : str, optional
        Defaults to the motion's source.
    **kwargs
        Passed to :func:`simulate_signals` (``cutoff_hz``, ``lever_arm``, ``mounting``, ``noise``, ``seed``,
        ``mapping``, ``gravity_m_s2``, ``max_upsample``, ``filter_order``).

    Returns
    -------
    Recording
        ``acc`` and ``gyro`` per canonical node (m/s^2 with gravity, rad/s); ``metadata["provenance"]`` holds one
        ``simulate_imu`` step with every parameter.
    """
    sig = simulate_signals(motion, placements, rate_hz=rate_hz, **kwargs)
    if labels is not None and np.asarray(labels).shape != (sig.n_samples,):
        raise ShapeMismatchError(
            f"labels must have one entry per output sample, shape ({sig.n_samples},); received {np.asarray(labels).shape}"
        )
    return Recording(
        acc={n: sig.acc[:, k] for k, n in enumerate(sig.placements)},
        gyro={n: sig.gyro[:, k] for k, n in enumerate(sig.placements)},
        sample_rate_hz=sig.rate_hz,
        labels=labels,
        vocabulary=vocabulary or LabelVocabulary(),
        subject=subject,
        recording_id=recording_id if recording_id is not None else motion.source,
        metadata={
            "dataset": "simulated",
            "simulated": True,
            "motion": {"source": motion.source, "rig": motion.rig, **{k: v for k, v in motion.metadata.items() if isinstance(v, (str, int, float))}},
            "provenance": [{"step": "simulate_imu", **sig.params}],
        },
    )

