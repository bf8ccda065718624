"""A generic parametric gait synthesizer: captioned 22-joint locomotion for the pretraining corpus.

The open mocap here walks and runs on flat floors only: nobody climbs or descends stairs or walks up a slope.
This module adds those as *generic* locomotion of the same parametric body as :mod:`._postures`: periodic
sagittal joint-angle curves per gait (hip, knee and ankle from heel strike to heel strike, shaped after the
normative curves of the gait literature: Winter's level walking, McFadyen & Winter's stair ascent and
descent, running), pelvic rotation, list and tilt, trunk lean and counter-phase arm swing, with
stride-to-stride variability. The pelvis travels at the speed the legs' sweep implies, modulated once per
step, bobs once per step (an inverted pendulum when walking, a spring when running), climbs or descends one
riser per step on stairs, follows the slope on hills, sways over each stance foot and takes a short damped
transient at every heel strike. These whole-body terms are parametric rather than solved from foot contacts:
solving them from the joint curves put most of the pelvis' vertical power at twice the step frequency,
unlike real waist sensors (and the Bandai Namco mocap), whose power sits at the step frequency.
Nothing is tuned to a benchmark's label list; captions describe ways of moving.

Output is what the simulator's array reader takes: global joint positions, shape (n_frames, 22, 3), metres,
Y up, SMPL joint order (:data:`imuhar.core.NODES`), at ``rate_hz``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping, Sequence

import numpy as np

from ...core import NODE_INDEX, InvalidParameterError
from ._postures import _ANKLE_HEIGHT_M, _ARMS_DOWN, _CHANNELS, _axis_angle, _min_jerk, _smooth_noise, SyntheticMotion, pose_positions

__all__ = ["GaitStyle", "GAITS", "synthesize_gait", "gait_corpus"]

_STANDARD_GRAVITY = 9.81  # m/s², as the simulator's (not imported: it would load the simulator at import time)

#: Bumped whenever the synthesized motions change, so cached corpora are rebuilt.
GAIT_VERSION = 3


@dataclass(frozen=True)
class GaitStyle:
    """One way of moving on the feet.

    Parameters
    ----------
    name : str
    hip, knee, ankle : sequence of (phase, degrees)
        Sagittal angle curves of one leg over a gait cycle, phase 0 = its heel strike, periodic (the value at 1
        equals the value at 0). Hip flexion forward, knee flexion, ankle dorsiflexion are positive.
    stance : float
        Fraction of the cycle a foot is on the ground (> 0.5 walking: double support; < 0.5 running: flight).
    cadence : (float, float)
        Range of steps per minute drawn per take.
    rise_per_step : (float, float)
        Height gained per step in metres (stairs: riser height; negative descends).
    slope_deg : (float, float)
        Ground slope along the walking direction (positive uphill).
    trunk_lean_deg : (float, float)
        Forward lean of the trunk.
    arm_swing_deg, elbow_deg : (float, float)
        Amplitude of the sagittal arm swing and the mean elbow flexion.
    amplitude : (float, float)
        Scale of the joint-angle excursions around their means.
    bob_m : (float, float)
        Walking gaits: amplitude of the once-per-step vertical arc of the pelvis over the stance leg, metres.
        Running gaits (stance < 0.5) derive their vertical motion from ballistic flight instead.
    impact_mm : (float, float)
        Depth of the damped (6 Hz) heel-strike transient of the pelvis, millimetres.
    turn_deg : float
        A heading change (either direction) in the middle of the take: walking and turning around.
    captions : tuple of str
    """

    name: str
    hip: Sequence[tuple[float, float]]
    knee: Sequence[tuple[float, float]]
    ankle: Sequence[tuple[float, float]]
    stance: float
    cadence: tuple[float, float]
    captions: tuple[str, ...]
    rise_per_step: tuple[float, float] = (0.0, 0.0)
    slope_deg: tuple[float, float] = (0.0, 0.0)
    trunk_lean_deg: tuple[float, float] = (0.0, 4.0)
    arm_swing_deg: tuple[float, float] = (10.0, 20.0)
    elbow_deg: tuple[float, float] = (10.0, 25.0)
    amplitude: tuple[float, float] = (0.95, 1.05)
    bob_m: tuple[float, float] = (0.018, 0.03)
    impact_mm: tuple[float, float] = (0.5, 1.5)
    turn_deg: float = 0.0
    tags: tuple[str, ...] = field(default_factory=tuple)


# Level walking (after Winter's normative sagittal curves), stair ascent and descent (after McFadyen & Winter
# 1988 and later stair studies) and running (flight phase, stance about 38 %).
_WALK_HIP = ((0, 30), (0.1, 26), (0.3, 8), (0.5, -10), (0.6, -6), (0.75, 20), (0.88, 33), (1, 30))
_WALK_KNEE = ((0, 3), (0.12, 18), (0.25, 10), (0.4, 5), (0.55, 25), (0.62, 40), (0.72, 60), (0.85, 30), (0.95, 5), (1, 3))
_WALK_ANKLE = ((0, 0), (0.08, -6), (0.3, 5), (0.45, 10), (0.6, -15), (0.68, -12), (0.8, 0), (0.9, 2), (1, 0))
_UP_HIP = ((0, 60), (0.2, 45), (0.45, 15), (0.62, 10), (0.75, 40), (0.88, 68), (1, 60))
_UP_KNEE = ((0, 60), (0.15, 50), (0.4, 18), (0.6, 12), (0.7, 50), (0.8, 92), (0.9, 80), (1, 60))
_UP_ANKLE = ((0, 5), (0.15, 15), (0.4, 10), (0.6, -15), (0.7, -5), (0.82, 15), (1, 5))
_DOWN_HIP = ((0, 15), (0.2, 12), (0.45, 25), (0.6, 30), (0.75, 38), (0.88, 30), (1, 15))
_DOWN_KNEE = ((0, 8), (0.12, 25), (0.35, 50), (0.55, 85), (0.68, 95), (0.8, 60), (0.92, 20), (1, 8))
_DOWN_ANKLE = ((0, -20), (0.1, -5), (0.3, 10), (0.5, 20), (0.62, 5), (0.75, -5), (0.9, -20), (1, -20))
_RUN_HIP = ((0, 32), (0.2, 10), (0.38, -12), (0.5, -5), (0.7, 35), (0.85, 42), (1, 32))
_RUN_KNEE = ((0, 18), (0.15, 40), (0.38, 18), (0.55, 70), (0.72, 100), (0.88, 40), (1, 18))
_RUN_ANKLE = ((0, 0), (0.12, 15), (0.38, -20), (0.55, -10), (0.75, 5), (1, 0))
_UPHILL_HIP = tuple((p, v + 8) for p, v in _WALK_HIP)
_UPHILL_KNEE = tuple((p, v + 6) for p, v in _WALK_KNEE)
_DOWNHILL_KNEE = tuple((p, v + 8) for p, v in _WALK_KNEE)

#: The gait library.
GAITS: dict[str, GaitStyle] = {
    g.name: g
    for g in [
        GaitStyle("walk", _WALK_HIP, _WALK_KNEE, _WALK_ANKLE, 0.60, (95, 118),
                  ("a person walks forward at a normal pace", "someone is walking", "a person walking straight ahead")),
        GaitStyle("walk_slow", _WALK_HIP, _WALK_KNEE, _WALK_ANKLE, 0.63, (72, 92),
                  ("a person walks slowly", "someone strolls leisurely", "a person walking at a slow pace"),
                  arm_swing_deg=(4, 12), amplitude=(0.75, 0.9), bob_m=(0.012, 0.022), impact_mm=(0.3, 1.0)),
        GaitStyle("walk_fast", _WALK_HIP, _WALK_KNEE, _WALK_ANKLE, 0.58, (118, 135),
                  ("a person walks briskly", "someone walks fast", "a person hurrying along on foot"),
                  arm_swing_deg=(18, 30), elbow_deg=(20, 45), amplitude=(1.05, 1.2), bob_m=(0.025, 0.035),
                  impact_mm=(1.0, 2.0)),
        GaitStyle("stairs_up", _UP_HIP, _UP_KNEE, _UP_ANKLE, 0.62, (80, 102),
                  ("a person walks up the stairs", "someone climbs a staircase", "a person going upstairs step by step"),
                  rise_per_step=(0.15, 0.19), trunk_lean_deg=(6, 16), arm_swing_deg=(2, 10), bob_m=(0.012, 0.022),
                  impact_mm=(0.3, 1.0)),
        GaitStyle("stairs_down", _DOWN_HIP, _DOWN_KNEE, _DOWN_ANKLE, 0.62, (88, 112),
                  ("a person walks down the stairs", "someone descends a staircase", "a person going downstairs step by step"),
                  rise_per_step=(-0.19, -0.15), trunk_lean_deg=(-2, 5), arm_swing_deg=(2, 10), bob_m=(0.015, 0.03),
                  impact_mm=(4.0, 8.0)),
        GaitStyle("uphill", _UPHILL_HIP, _UPHILL_KNEE, _WALK_ANKLE, 0.62, (90, 110),
                  ("a person walks up a hill", "someone walks up a ramp", "a person walking uphill"),
                  slope_deg=(5, 12), trunk_lean_deg=(5, 12)),
        GaitStyle("downhill", _WALK_HIP, _DOWNHILL_KNEE, _WALK_ANKLE, 0.62, (95, 115),
                  ("a person walks down a hill", "someone walks down a slope", "a person walking downhill"),
                  slope_deg=(-12, -5), trunk_lean_deg=(-4, 2), impact_mm=(1.0, 2.5)),
        GaitStyle("jog", _RUN_HIP, _RUN_KNEE, _RUN_ANKLE, 0.40, (145, 165),
                  ("a person jogs", "someone is jogging at an easy pace", "a person jogging forward"),
                  trunk_lean_deg=(3, 8), arm_swing_deg=(20, 30), elbow_deg=(75, 95), amplitude=(0.8, 0.95),
                  impact_mm=(2.0, 3.5)),
        GaitStyle("run", _RUN_HIP, _RUN_KNEE, _RUN_ANKLE, 0.34, (165, 185),
                  ("a person runs fast", "someone is running", "a person sprinting forward"),
                  trunk_lean_deg=(5, 12), arm_swing_deg=(30, 45), elbow_deg=(80, 100), amplitude=(1.05, 1.2),
                  impact_mm=(2.5, 4.5)),
        GaitStyle("walk_turn", _WALK_HIP, _WALK_KNEE, _WALK_ANKLE, 0.62, (88, 110),
                  ("a person walks and turns around", "someone turns around while walking and walks back",
                   "a person walking, making a u-turn"), turn_deg=180.0),
    ]
}


def _periodic_curve(points: Sequence[tuple[float, float]], phase: np.ndarray) -> np.ndarray:
    """A periodic cubic spline through ``(phase, value)`` points evaluated at ``phase`` (any real numbers)."""
    from scipy.interpolate import CubicSpline

    p = np.array(points, dtype=float)
    if p[0, 0] != 0 or p[-1, 0] != 1 or p[0, 1] != p[-1, 1]:
        raise InvalidParameterError(f"a gait curve must run from phase 0 to 1 with equal end values; received {points}")
    return CubicSpline(p[:, 0], p[:, 1], bc_type="periodic")(np.mod(phase, 1.0))


def _lowpass(x: np.ndarray, rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 4th-order Butterworth low-pass (no-op where the rate cannot carry the cutoff)."""
    from scipy.signal import butter, filtfilt

    if cutoff_hz >= 0.45 * rate_hz or len(x) < 16:
        return x
    b, a = butter(4, cutoff_hz / (rate_hz / 2))
    return filtfilt(b, a, x, padlen=min(3 * max(len(a), len(b)), len(x) - 1))


def synthesize_gait(
    name: str,
    *,
    duration_s: float = 10.0,
    rate_hz: float = 60.0,
    seed: int | np.random.Generator = 0,
) -> SyntheticMotion:
    """Walk, climb, descend or run in a gait of :data:`GAITS`.

    Parameters
    ----------
    name : str
        A key of :data:`GAITS`.
    duration_s : float
        Seconds of motion.
    rate_hz : float
        Frame rate of the joint positions (60 Hz keeps the foot impacts; the simulator resamples).
    seed : int or Generator
        Draws cadence, amplitudes, lean, body size, heading and the stride-to-stride variability.

    Returns
    -------
    SyntheticMotion
        Positions (n_frames, 22, 3) in metres, Y up, starting at the origin.
    """
    if name not in GAITS:
        raise InvalidParameterError(f"unknown gait {name!r}; choose one of {sorted(GAITS)}")
    if duration_s <= 0 or rate_hz <= 0:
        raise InvalidParameterError(f"duration_s and rate_hz must be positive; received {duration_s}, {rate_hz}")
    rng = np.random.default_rng(seed)
    g = GAITS[name]
    n = max(int(round(duration_s * rate_hz)), 4)
    dt = 1.0 / rate_hz
    t = np.arange(n) * dt

    # Phase of the right leg, cycles; cadence (steps/min) drifts slowly by a few percent.
    stride_hz = rng.uniform(*g.cadence) / 120.0
    drift = (1.0 + 0.03 * _smooth_noise(n, 1, rate_hz, rng, (0.02, 0.3))[:, 0]
             + 0.05 * _smooth_noise(n, 1, rate_hz, rng, (0.3, 2.0))[:, 0])  # slow drift and step-to-step jitter
    phase_r = rng.uniform(0, 1) + np.cumsum(stride_hz * drift) * dt
    phase_l = phase_r + 0.5
    amp = rng.uniform(*g.amplitude)

    names = list(_CHANNELS)
    angles = np.zeros((n, len(names)))
    for key, value in _ARMS_DOWN.items():
        angles[:, names.index(key)] = value
    for side, ph in (("right", phase_r), ("left", phase_l)):
        for joint, curve in (("hip", g.hip), ("knee", g.knee), ("ankle", g.ankle)):
            values = _periodic_curve(curve, ph)
            mean = np.mean(np.array(curve)[:-1, 1])
            angles[:, names.index(f"{side}_{joint}_flexion")] = mean + amp * (values - mean)
        angles[:, names.index(f"{side}_hip_abduction")] = 3.0 * np.sin(2 * np.pi * ph)  # pelvic list at the hip
    # Arms swing against the legs: the right arm moves forward with the left leg.
    swing = rng.uniform(*g.arm_swing_deg)
    elbow = rng.uniform(*g.elbow_deg)
    for side, ph in (("right", phase_l), ("left", phase_r)):
        angles[:, names.index(f"{side}_shoulder_flexion")] = swing * np.cos(2 * np.pi * (ph - 0.05)) + rng.uniform(-3, 5)
        angles[:, names.index(f"{side}_elbow_flexion")] = elbow + 0.4 * swing * np.cos(2 * np.pi * (ph - 0.1))
    lean = rng.uniform(*g.trunk_lean_deg)
    angles[:, names.index("trunk_flexion")] = lean + 1.5 * np.cos(4 * np.pi * phase_r)
    # Pelvic rotation (transverse), list (frontal) once per stride and tilt (sagittal) once per step.
    angles[:, names.index("root_yaw")] = rng.uniform(5, 10) * amp * np.sin(2 * np.pi * phase_r)
    angles[:, names.index("root_roll")] = rng.uniform(3, 7) * np.cos(2 * np.pi * phase_r)
    angles[:, names.index("root_pitch")] = rng.uniform(1, 3) * np.cos(4 * np.pi * phase_r + rng.uniform(0, 2 * np.pi))
    angles += 1.5 * _smooth_noise(n, len(names), rate_hz, rng, (0.1, 1.5))  # stride-to-stride variability
    for ch in ("root_yaw", "root_roll", "root_pitch"):  # the pelvis wobbles at every step, not as a pure sine
        angles[:, names.index(ch)] += rng.uniform(0.4, 1.2) * _smooth_noise(n, 1, rate_hz, rng, (1.0, 4.0))[:, 0]

    height = rng.uniform(0.9, 1.1)
    rel = pose_positions(angles, height_scale=height)  # pelvis at the origin, +Z forward
    ankles = (NODE_INDEX["right_ankle"], NODE_INDEX["left_ankle"])

    # Forward speed: as fast as the legs sweep backwards under the body on average (the walking speed the
    # joint curves imply), modulated once per step: slowest at mid-stance, where the body vaults over the leg.
    step_phase = 2 * (phase_r - g.stance / 2)  # integer at each mid-stance of either leg
    sweep = -np.gradient(rel[:, ankles, 2], dt, axis=0)
    stance_leg = np.stack([np.mod(phase_r, 1) < g.stance, np.mod(phase_l, 1) < g.stance], axis=1)
    v = np.where(stance_leg.any(axis=1), (sweep * stance_leg).sum(axis=1) / np.maximum(stance_leg.sum(axis=1), 1), np.nan)
    mean_v = _lowpass(np.interp(t, t[np.isfinite(v)], v[np.isfinite(v)]), rate_hz, 0.4)
    v = mean_v * (1.0 - 0.12 * np.cos(2 * np.pi * step_phase))
    root_z = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * dt)])

    # Height: the leg's standing height, the once-per-step motion of the body, the ground (stairs: a riser per
    # step; slopes: proportional to the distance) and a short damped heel-strike transient.
    stand = -np.median(rel[:, ankles, 1].min(axis=1)) + _ANKLE_HEIGHT_M  # the lower ankle, typically on the ground
    steps = 2 * phase_r  # one step per half stride, integer at each heel strike
    u = np.mod(steps, 1.0)
    variability = 1.0 + 0.3 * _smooth_noise(n, 1, rate_hz, rng, (0.3, 2.0))[:, 0]  # no two steps alike
    if g.stance < 0.5:
        # Running: ballistic flight (the body falls freely, an accelerometer reads ~0 g) and a half-sine
        # ground force over the stance, scaled so that the step's mean vertical acceleration is zero.
        on_ground = 2 * g.stance  # fraction of a step with a foot down
        peak = np.pi * _STANDARD_GRAVITY / (2 * on_ground)
        acc = np.where(u < on_ground, peak * variability * np.sin(np.pi * np.minimum(u / on_ground, 1.0)), 0.0)
        acc = acc - _STANDARD_GRAVITY
        vel = np.cumsum(acc - acc.mean()) * dt
        bob = np.cumsum(vel - _lowpass(vel, rate_hz, 0.5)) * dt
        bob = bob - _lowpass(bob, rate_hz, 0.5)
    else:
        # Walking: the body vaults over the stance leg on an arc (highest at mid-stance) and turns sharply
        # upwards in double support, which gives real waists their brief upward acceleration peaks.
        bob = rng.uniform(*g.bob_m) * amp * variability * 2 * (1.0 - (2 * u - 1) ** 2)
        bob = bob - bob.mean()  # about the standing height
    rise = rng.uniform(*g.rise_per_step)
    slope = np.tan(np.deg2rad(rng.uniform(*g.slope_deg)))
    # Ascending lifts the body hard as the leading leg takes the weight, then slows; descending lowers it
    # ever faster and brakes abruptly on landing.
    riser = 0.5 * _min_jerk(u) + 0.5 * (1.0 - (1.0 - u) ** 2 if rise > 0 else u**2)
    ground = rise * (np.floor(steps) + riser) + slope * root_z
    impact = np.zeros(n)
    depth = rng.uniform(*g.impact_mm) / 1000.0
    for k in np.flatnonzero(np.diff(np.floor(steps)) > 0) + 1:
        tau = t[k:] - t[k]
        impact[k:] -= depth * np.exp(-tau / 0.05) * np.sin(2 * np.pi * 6.0 * tau)
    # soft tissue and the double-support phase round the corners
    root_y = stand + _lowpass(bob + ground, rate_hz, 4.0) + impact
    # Lateral sway over each stance foot (the body's right is -X).
    root_x = -rng.uniform(0.01, 0.025) * np.cos(2 * np.pi * (phase_r - g.stance / 2))
    # Heading: a random direction, plus a turn in the middle for turning gaits.
    heading = np.full(n, rng.uniform(-180, 180))
    if g.turn_deg:
        turn_s = rng.uniform(1.5, 3.0)
        u = _min_jerk((t - (duration_s - turn_s) / 2) / turn_s)
        heading = heading + rng.choice([-1.0, 1.0]) * g.turn_deg * u
    psi = np.deg2rad(heading)
    step = np.diff(root_z, prepend=root_z[0])
    world_x = np.cumsum(step * np.sin(psi)) + root_x * np.cos(psi)
    world_z = np.cumsum(step * np.cos(psi)) - root_x * np.sin(psi)
    R = _axis_angle("y", heading)  # (n, 3, 3)
    pos = np.einsum("nij,nkj->nki", R, rel)
    pos += np.stack([world_x, root_y, world_z], axis=1)[:, None, :]
    return SyntheticMotion(pos, rate_hz, g.captions, name)


def gait_corpus(
    *,
    n_per_gait: int = 8,
    duration_s: float = 10.0,
    rate_hz: float = 60.0,
    seed: int = 0,
    gaits: Sequence[str] | Mapping[str, GaitStyle] | None = None,
) -> Iterator[SyntheticMotion]:
    """Yield ``n_per_gait`` takes of every gait (each with its own cadence, body and heading)."""
    if n_per_gait < 1:
        raise InvalidParameterError(f"n_per_gait must be at least 1; received {n_per_gait}")
    chosen = list(gaits) if gaits is not None else list(GAITS)
    rng = np.random.default_rng(seed)
    for name in chosen:
        for _ in range(n_per_gait):
            yield synthesize_gait(name, duration_s=duration_s, rate_hz=rate_hz, seed=rng)
