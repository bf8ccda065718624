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
from ._rotation import _quat_log, _rotate, matrix_to_quat, quat_conj_mul, quat_mul, quat_rotate, so3_exp

__all__ = ["simulate_imu", "simulate_recordings", "simulate_signals", "simulate_many", "SimulatedSignals", "STANDARD_GRAVITY", "default_cutoff_hz"]

logger = logging.getLogger(__name__)

_BATCH_NODE_FRAMES = 1 << 14

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


@functools.lru_cache(maxsize=64)
def _butter_sos_zi(order: int, wn: float) -> np.ndarray:
    """Steady-state initial conditions of :func:`_butter_sos` for a unit step, (n_sections, 2) (read-only)."""
    from scipy.signal import sosfilt_zi

    zi = sosfilt_zi(_butter_sos(order, wn))
    zi.setflags(write=False)
    return zi


_MAPPING_CACHE: dict[tuple, dict] = {}


def _cached_mapping(rig: str, joint_names: tuple[str, ...], parents: tuple[int, ...], nodes: tuple[str, ...], source: str) -> dict:
    """:func:`resolve_mapping` without an explicit mapping, memoized across calls (read-only use).

    ``source`` only names the take in error messages, and failures are not memoized, so it is no part of the key.
    """
    key = (rig, joint_names, parents, nodes)
    hit = _MAPPING_CACHE.get(key)
    if hit is None:
        hit = resolve_mapping(joint_names, parents, list(nodes), rig=rig, mapping=None, source=source)
        if len(_MAPPING_CACHE) >= 256:
            _MAPPING_CACHE.clear()
        _MAPPING_CACHE[key] = hit
    return hit


def _resolve_cutoff(cutoff_hz: Any, fs: float, out_rate: float) -> float | None:
    if isinstance(cutoff_hz, str) and cutoff_hz == "auto":
        return default_cutoff_hz(fs, out_rate)
    if cutoff_hz is None:
        return None
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
    return cutoff


def _gather(motion: SkeletonMotion, nodes: list[str], sources: dict, lever: np.ndarray | None, mount_q: np.ndarray | None):
    """Sensor origins (T, P, 3) and orientations (T, P, 4) of one take.

    Nodes between two joints are weighted sums, padded to the same number of source joints (weight 0), so the
    sum is a few gathers instead of a loop over nodes.
    """
    idx = {n: i for i, n in enumerate(motion.joint_names)}
    rot_idx = [idx[sources[n].rotation] for n in nodes]
    pos = motion.positions[:, [idx[sources[n].position[0][0]] for n in nodes]]
    # nodes between joints (weighted sums): only those columns are recomputed, summed in listed order from 0
    # as a per-node loop would (a lone joint of weight 1 is that joint exactly)
    mixed = [k for k, n in enumerate(nodes) if len(sources[n].position) > 1 or sources[n].position[0][1] != 1.0]
    if mixed:
        n_src = max(len(sources[nodes[k]].position) for k in mixed)
        cols = np.zeros((n_src, len(mixed)), dtype=np.intp)
        weights = np.zeros((n_src, len(mixed), 3))  # repeated over xyz: no broadcast length-1 inner axis
        for c, k in enumerate(mixed):
            for i, (joint, w) in enumerate(sources[nodes[k]].position):
                cols[i, c] = idx[joint]
                weights[i, c] = w
        acc = weights[0] * motion.positions[:, cols[0]]
        for i in range(1, n_src):
            acc += weights[i] * motion.positions[:, cols[i]]
        pos[:, mixed] = acc
    seg_q = motion.quaternions[:, rot_idx]  # (T, P, 4)
    q = seg_q if mount_q is None else quat_mul(seg_q, mount_q[None])
    if lever is not None:
        pos = pos + quat_rotate(seg_q, np.broadcast_to(lever, pos.shape))
    return pos, q


def _sensor_signals(pos: np.ndarray, q: np.ndarray, starts: np.ndarray, ends: np.ndarray, fs: float, gravity: float) -> np.ndarray:
    """Specific force and angular velocity in the sensor frames, (N, P, 6), for takes stacked along axis 0.

    ``p''`` is the central second difference of positions; the angular velocity is the log of relative
    rotations, central ``Log(q(t-1)^* q(t+1)) fs / 2`` (exact for a constant rate). At the first and last frame
    of every take (``starts``, ``ends - 1``) one-sided versions are used, so takes never mix.
    """
    # no sign continuity needed: quat_log takes the short way round, and rotating by q or -q is the same
    out = np.empty(pos.shape[:-1] + (6,))
    p_ddot = np.empty(pos.shape)
    p_ddot[1:-1] = (pos[2:] - 2.0 * pos[1:-1] + pos[:-2]) * (fs * fs)
    omega = out[..., 3:]  # written in place, no temporary to copy
    _quat_log(quat_conj_mul(q[:-2], q[2:]), fs / 2.0, out=omega[1:-1])
    last = ends - 1
    p_ddot[starts] = p_ddot[starts + 1]
    p_ddot[last] = p_ddot[last - 1]
    # one-sided rates at both ends of every take in one call
    a = np.concatenate([starts, last - 1])
    omega[np.concatenate([starts, last])] = _quat_log(quat_conj_mul(q[a], q[a + 1]), fs)
    p_ddot[..., 2] += float(gravity)  # p'' - g with g = (0, 0, -gravity)
    _rotate(q, p_ddot, -1.0, out=out[..., :3])  # R(q)^T (p'' - g)
    return out


def _filter_and_sample(
    flat: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    n_outs: np.ndarray,
    fs: float,
    out_rate: float,
    sos: np.ndarray | None,
    zi_unit: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Zero-phase filter every take (odd extension, steady-state initial conditions, as ``sosfiltfilt``) and
    sample it on its output grid; takes of similar length are filtered together in a 2-D batch.

    Parameters
    ----------
    flat : ndarray, shape (N, C)
        Takes stacked along axis 0.
    starts, lengths, n_outs : int arrays, shape (K,)
        Row where each take starts, its length and its number of output samples.
    zi_unit : ndarray, shape (n_sections, 2), optional
        ``sosfilt_zi(sos)`` when the caller has it cached.
    """
    from scipy.signal import sosfilt, sosfilt_zi

    out: list[np.ndarray | None] = [None] * len(starts)
    same_grid = abs(out_rate - fs) <= 1e-9 * fs
    if sos is None:
        for k, (s, n, m) in enumerate(zip(starts, lengths, n_outs)):
            x = flat[s : s + n]
            out[k] = x[:m] if same_grid and m == n else catmull_rom(x, np.arange(m) * (fs / out_rate))
        return out  # type: ignore[return-value]
    if zi_unit is None:
        zi_unit = sosfilt_zi(sos)  # (n_sections, 2)
    default_pad = 3 * (2 * len(sos) + 1)
    order = np.argsort(lengths, kind="stable")
    chunk: list[int] = []

    def run(chunk: list[int]) -> None:
        ks = np.array(chunk)
        n = lengths[ks]
        pad = np.minimum(default_pad, n - 1)
        n_pad = n + 2 * pad
        width = int(n_pad.max())
        kk = np.arange(width)[None, :]
        u = kk - pad[:, None]  # take-local index of each padded position
        s0 = starts[ks][:, None]
        valid = kk < n_pad[:, None]
        left, right = u < 0, u >= n[:, None]
        main = s0 + np.clip(u, 0, n[:, None] - 1)
        edge = np.where(left, s0, s0 + n[:, None] - 1)
        mirror = np.where(left, s0 + np.minimum(-u, n[:, None] - 1), s0 + np.clip(2 * (n[:, None] - 1) - u, 0, n[:, None] - 1))
        x = flat[main]
        is_pad = (left | right) & valid
        x[is_pad] = 2.0 * flat[edge[is_pad]] - flat[mirror[is_pad]]
        x[~valid] = 0.0
        # forward pass with steady-state initial conditions scaled by each row's first value
        zi = zi_unit[:, None, :, None] * x[:, 0][None, :, None, :]
        y, _ = sosfilt(sos, x, axis=1, zi=zi)
        # backward pass: reverse the valid part of every row (an involution), filter, reverse back
        uniform = bool(np.all(n_pad == width))
        rev = None if uniform else np.clip(n_pad[:, None] - 1 - kk, 0, None)[..., None]
        y = y[:, ::-1] if uniform else np.take_along_axis(y, rev, axis=1)
        zi = zi_unit[:, None, :, None] * y[:, 0][None, :, None, :]
        y, _ = sosfilt(sos, y, axis=1, zi=zi)
        y = y[:, ::-1] if uniform else np.take_along_axis(y, rev, axis=1)
        for row, k in enumerate(ks):
            m, p = int(n_outs[k]), int(pad[row])
            if same_grid and m == lengths[k]:
                out[k] = y[row, p : p + m]
            else:  # output grid in padded coordinates: the filtered pads serve as neighbours at the ends
                out[k] = catmull_rom(y[row, : int(n_pad[row])], p + np.arange(m) * (fs / out_rate))

    for k in order:
        if chunk and (len(chunk) >= 256 or lengths[k] > 1.25 * lengths[chunk[0]] + 16):
            run(chunk)
            chunk = []
        chunk.append(int(k))
    if chunk:
        run(chunk)
    return out  # type: ignore[return-value]


def simulate_many(
    motions: Sequence[SkeletonMotion],
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
    verbose: bool = True,
) -> list[SimulatedSignals]:
    """Simulate many takes at once: the same result as :func:`simulate_signals` per take, batched.

    Short takes (HumanML3D's are ~7 s) spend most of a per-take call in fixed overheads; here the kinematics of
    all takes are stacked and differentiated in one pass and takes of similar length are filtered together, so
    the cost per node-frame stays flat. Parameters are those of :func:`simulate_signals`; ``rate_hz=None`` keeps
    each take's own frame rate. With an integer ``seed``, take ``k`` draws its sensor errors from ``seed + k``.
    ``verbose`` shows a progress bar when there is more than one batch of takes.

    Returns
    -------
    list of SimulatedSignals
        One per motion, in order.
    """
    motions = list(motions)
    for m in motions:
        if not isinstance(m, SkeletonMotion):
            raise InvalidParameterError(
                f"motions must be SkeletonMotion objects (read them with imuhar.simulate.load_motion); received {type(m).__name__}"
            )
    if not motions:
        return []
    nodes = [resolve_placement(p) for p in (placements if placements is not None else NODES)]
    if len(set(nodes)) != len(nodes):
        raise InvalidParameterError(f"placements resolve to repeated nodes: {nodes}; list each node once")
    if not nodes:
        raise InvalidParameterError("placements is empty; name at least one node such as 'right_wrist'")
    if not (isinstance(gravity_m_s2, (int, float)) and math.isfinite(gravity_m_s2) and gravity_m_s2 >= 0):
        raise InvalidParameterError(f"gravity_m_s2 must be a finite number >= 0; received {gravity_m_s2!r}")
    sensor_model = get_sensor_model(noise)
    lever = _per_node(lever_arm, nodes, "lever_arm", (3,))
    mount = _per_node(mounting, nodes, "mounting", (3, 3))
    mount_q = None if mount is None else matrix_to_quat(mount)
    out_fixed = None if rate_hz is None else check_rate(rate_hz, "rate_hz")

    plans = []
    mapping_cache: dict[tuple, dict] = {}
    for m in motions:
        fs = m.rate_hz
        out_rate = fs if out_fixed is None else out_fixed
        if out_rate > max_upsample * fs * (1 + 1e-9):
            raise InvalidRateError(
                f"rate_hz={out_rate:g} cannot be reached from {m.source} recorded at {fs:g} Hz: at most "
                f"max_upsample={max_upsample:g} x the motion rate ({max_upsample * fs:g} Hz). Lower rate_hz or raise "
                f"max_upsample if you know the motion is smooth enough."
            )
        if m.n_frames < 4:
            raise InvalidRateError(f"{m.source} has {m.n_frames} frame(s); differentiating twice needs at least 4 frames")
        n_out = int(math.floor((m.n_frames - 1) / fs * out_rate + 1e-9)) + 1
        if n_out < 2:
            raise InvalidRateError(
                f"rate_hz={out_rate:g} gives fewer than 2 samples over the {m.duration_s:.3g} s take {m.source}; raise rate_hz"
            )
        cutoff = _resolve_cutoff(cutoff_hz, fs, out_rate)
        key = (m.rig, m.joint_names, m.parents)
        if key not in mapping_cache:
            if mapping is None:  # the common case: the rig's own table, memoized across calls
                mapping_cache[key] = _cached_mapping(m.rig, m.joint_names, m.parents, tuple(nodes), m.source)
            else:
                mapping_cache[key] = resolve_mapping(m.joint_names, m.parents, nodes, rig=m.rig, mapping=mapping, source=m.source)
        plans.append((fs, out_rate, cutoff, n_out, mapping_cache[key]))

    results: list[SimulatedSignals | None] = [None] * len(motions)
    groups: dict[tuple, list[int]] = {}
    for k, (fs, out_rate, cutoff, _, _) in enumerate(plans):
        groups.setdefault((fs, out_rate, cutoff), []).append(k)
    n_p = len(nodes)
    batches = []
    for key, ks in groups.items():
        # sub-batches of about _BATCH_NODE_FRAMES node-frames: large enough to amortize per-call overheads over
        # many short takes, small enough that the working arrays stay in cache
        cur: list[int] = []
        size = 0
        for k in ks:
            cur.append(k)
            size += motions[k].n_frames * len(nodes)
            if size >= _BATCH_NODE_FRAMES:
                batches.append((key, cur))
                cur, size = [], 0
        if cur:
            batches.append((key, cur))
    if verbose and len(batches) > 1:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="simulating", unit="batch")
    for (fs, out_rate, cutoff), ks in batches:
        gathered = [_gather(motions[k], nodes, plans[k][4], lever, mount_q) for k in ks]
        lengths = np.array([g[0].shape[0] for g in gathered])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pos = np.concatenate([g[0] for g in gathered]) if len(ks) > 1 else gathered[0][0]
        q = np.concatenate([g[1] for g in gathered]) if len(ks) > 1 else gathered[0][1]
        both = _sensor_signals(pos, q, starts, starts + lengths, fs, gravity_m_s2)
        sos = zi_unit = None
        if cutoff is not None:
            sos = _butter_sos(int(filter_order), float(cutoff / (fs / 2.0)))
            zi_unit = _butter_sos_zi(int(filter_order), float(cutoff / (fs / 2.0)))
        n_outs = np.array([plans[k][3] for k in ks])
        sampled = _filter_and_sample(both.reshape(len(both), n_p * 6), starts, lengths, n_outs, fs, out_rate, sos, zi_unit)
        for k, sig in zip(ks, sampled):
            sig = sig.reshape(-1, n_p, 6)
            results[k] = (sig[..., :3], sig[..., 3:])  # type: ignore[assignment]

    rng = seed if isinstance(seed, np.random.Generator) else None
    final = []
    for k, m in enumerate(motions):
        fs, out_rate, cutoff, _, sources = plans[k]
        acc, gyro = results[k]  # type: ignore[misc]
        take_seed = rng if rng is not None else (None if seed is None else int(seed) + k)
        acc, gyro = apply_sensor_model(acc, gyro, out_rate, sensor_model, seed=take_seed)
        params = {
            "source": m.source,
            "rig": m.rig,
            "motion_rate_hz": fs,
            "rate_hz": out_rate,
            "cutoff_hz": cutoff,
            "filter_order": int(filter_order),
            "gravity_m_s2": float(gravity_m_s2),
            "noise": sensor_model.name,
            "seed": take_seed if isinstance(take_seed, (int, type(None))) else "generator",
            "lever_arm": None if lever is None else lever.tolist(),
            "mounting": None if mount is None else mount.tolist(),
            "node_sources": {
                n: {"position": [list(p) for p in sources[n].position], "rotation": sources[n].rotation} for n in nodes
            },
        }
        final.append(SimulatedSignals(acc, gyro, tuple(nodes), out_rate, params))
    return final


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
        Cut-off of the zero-phase low-pass that keeps differentiation from amplifying mocap noise; ``"auto"``
        uses :func:`default_cutoff_hz`, ``None`` disables smoothing. Must lie below half the motion's rate.
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
    return simulate_many(
        [motion], placements, rate_hz=rate_hz, mapping=mapping, cutoff_hz=cutoff_hz, filter_order=filter_order,
        lever_arm=lever_arm, mounting=mounting, noise=noise, seed=seed, gravity_m_s2=gravity_m_s2,
        max_upsample=max_upsample, verbose=False,
    )[0]  # fmt: skip


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
    return _to_recording(motion, sig, labels, vocabulary, subject, recording_id)


def simulate_recordings(
    motions: Sequence[SkeletonMotion],
    placements: Sequence[str] | None = None,
    *,
    rate_hz: float | None = None,
    subjects: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[Recording]:
    """Simulate many takes (batched, see :func:`simulate_many`) into one :class:`imuhar.core.Recording` each.

    Parameters
    ----------
    motions : sequence of SkeletonMotion
    placements : sequence of str, optional
        Canonical nodes or aliases; default all 22 nodes.
    rate_hz : float, optional
        Output rate in Hz (default: each motion's frame rate).
    subjects : sequence of str, optional
        Subject id per motion (default ``"unknown"``).
    **kwargs
        Passed to :func:`simulate_many`.
    """
    motions = list(motions)
    if subjects is not None and len(subjects) != len(motions):
        raise InvalidParameterError(f"got {len(motions)} motions but {len(subjects)} subjects; pass one subject per motion")
    sigs = simulate_many(motions, placements, rate_hz=rate_hz, **kwargs)
    return [
        _to_recording(m, sig, None, None, subjects[k] if subjects is not None else "unknown", None)
        for k, (m, sig) in enumerate(zip(motions, sigs))
    ]


def _to_recording(motion, sig: SimulatedSignals, labels, vocabulary, subject, recording_id) -> Recording:
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
