"""A generic posture-and-transition synthesizer: captioned 22-joint motions for the pretraining corpus.

Open mocap (Bandai Namco, CMU) is rich in locomotion, gestures and sports but poor in daily postures: people
sitting, lying, kneeling and the transitions between them. This module fills that gap with *generic* motions
of a parametric SMPL-proportioned body: a library of postures (each a handful of joint angles), natural sway
and breathing around them, and minimum-jerk transitions between any two of them. Nothing here is tuned to a
benchmark's label list; postures and captions describe bodies, not datasets.

Output is what the simulator's array reader takes: global joint positions, shape (n_frames, 22, 3), metres,
Y up, facing +Z, SMPL joint order (:data:`imuhar.core.NODES`), at ``rate_hz``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np

from ...core import NODE_INDEX, NODE_PARENTS, NODES, InvalidParameterError

__all__ = [
    "Posture",
    "POSTURES",
    "TRANSITION_CAPTIONS",
    "SyntheticMotion",
    "rest_skeleton",
    "pose_positions",
    "synthesize_posture",
    "synthesize_transition",
    "posture_corpus",
]

# Rest joint positions of a neutral SMPL-proportioned adult (about 1.70 m), metres, Y up, +Z forward, +X = the
# body's left. Arms in a T-pose, as SMPL's template.
_REST = np.array(
    [
        [0.000, 0.000, 0.000],  # pelvis
        [0.070, -0.091, -0.004],  # left_hip
        [-0.068, -0.091, -0.007],  # right_hip
        [-0.001, 0.120, -0.016],  # spine1
        [0.104, -0.471, 0.009],  # left_knee
        [-0.106, -0.476, 0.003],  # right_knee
        [0.007, 0.258, -0.002],  # spine2
        [0.088, -0.883, -0.048],  # left_ankle
        [-0.086, -0.888, -0.050],  # right_ankle
        [0.005, 0.311, 0.003],  # spine3
        [0.123, -0.939, 0.075],  # left_foot
        [-0.117, -0.937, 0.080],  # right_foot
        [-0.013, 0.524, -0.008],  # neck
        [0.073, 0.435, -0.010],  # left_collar
        [-0.081, 0.435, -0.011],  # right_collar
        [0.012, 0.588, 0.045],  # head
        [0.173, 0.465, -0.006],  # left_shoulder
        [-0.172, 0.464, -0.010],  # right_shoulder
        [0.435, 0.448, -0.037],  # left_elbow
        [-0.435, 0.446, -0.040],  # right_elbow
        [0.688, 0.458, -0.036],  # left_wrist
        [-0.694, 0.456, -0.039],  # right_wrist
    ]
)
_ANKLE_HEIGHT_M = 0.08  # ankle joint above the sole
_BODY_HALF_THICKNESS_M = 0.10  # joint centres above the floor when lying


def rest_skeleton(height_scale: float = 1.0) -> np.ndarray:
    """Rest joint positions, shape (22, 3), metres; ``height_scale`` scales the whole body."""
    return _REST * float(height_scale)


def _axis_angle(axis: str, degrees: np.ndarray) -> np.ndarray:
    """Rotation matrices about a principal axis, shape (..., 3, 3)."""
    a = np.deg2rad(np.asarray(degrees, dtype=float))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    if axis == "x":
        rows = [[o, z, z], [z, c, -s], [z, s, c]]
    elif axis == "y":
        rows = [[c, z, s], [z, o, z], [-s, z, c]]
    else:
        rows = [[c, -s, z], [s, c, z], [z, z, o]]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


# Joint-angle channels a posture sets, each (joint, axis, sign): positive values are the anatomical motion
# named (flexion moves a limb forward / bends it; abduction moves it out to the side).
_CHANNELS: dict[str, tuple[str, str, float]] = {
    "root_pitch": ("pelvis", "x", 1.0),  # +: body tips forward (prone at +90), -: backward (supine at -90)
    "root_roll": ("pelvis", "z", 1.0),  # +: body tips to its right side
    "root_yaw": ("pelvis", "y", 1.0),
    "trunk_flexion": ("spine1", "x", 1.0),
    "trunk_flexion_mid": ("spine2", "x", 1.0),
    "trunk_flexion_upper": ("spine3", "x", 1.0),
    "neck_flexion": ("neck", "x", 1.0),
    "left_hip_flexion": ("left_hip", "x", -1.0),
    "right_hip_flexion": ("right_hip", "x", -1.0),
    "left_hip_abduction": ("left_hip", "z", 1.0),
    "right_hip_abduction": ("right_hip", "z", -1.0),
    "left_knee_flexion": ("left_knee", "x", 1.0),
    "right_knee_flexion": ("right_knee", "x", 1.0),
    "left_ankle_flexion": ("left_ankle", "x", -1.0),
    "right_ankle_flexion": ("right_ankle", "x", -1.0),
    "left_shoulder_adduction": ("left_shoulder", "z", -1.0),  # 80 = arm hanging at the side
    "right_shoulder_adduction": ("right_shoulder", "z", 1.0),
    "left_shoulder_flexion": ("left_shoulder", "y", -1.0),  # forward in the horizontal plane of a T-pose arm
    "right_shoulder_flexion": ("right_shoulder", "y", 1.0),
    "left_elbow_flexion": ("left_elbow", "y", -1.0),
    "right_elbow_flexion": ("right_elbow", "y", 1.0),
}
_ARMS_DOWN = {"left_shoulder_adduction": 78.0, "right_shoulder_adduction": 78.0, "left_elbow_flexion": 8.0, "right_elbow_flexion": 8.0}


@dataclass(frozen=True)
class Posture:
    """A named body posture: joint angles in degrees, how the body rests, and captions describing it.

    Parameters
    ----------
    name : str
    angles : mapping of str to float
        Joint-angle channels (see ``_CHANNELS``) in degrees; unspecified channels are 0.
    support : str
        ``"feet"`` (upright: the feet stay planted) or ``"body"`` (lying: the trunk rests on the floor).
    captions : tuple of str
        Natural-language descriptions of holding the posture.
    sway_deg : float
        Amplitude of the slow postural sway around the posture, degrees.
    """

    name: str
    angles: Mapping[str, float]
    support: str
    captions: tuple[str, ...]
    sway_deg: float = 1.5
    tags: tuple[str, ...] = field(default_factory=tuple)


def _p(name, support, captions, sway=1.5, **angles) -> Posture:
    merged = dict(_ARMS_DOWN)
    merged.update(angles)
    return Posture(name, merged, support, tuple(captions), sway)


#: The posture library, generic daily body positions.
POSTURES: dict[str, Posture] = {
    p.name: p
    for p in [
        _p("standing", "feet", ["a person stands still", "someone is standing upright with arms relaxed at the sides",
                                 "a person standing in place, barely moving"], sway=1.5),
        _p("standing_arms_crossed", "feet", ["a person stands with arms folded across the chest"], sway=1.5,
           left_shoulder_adduction=70, right_shoulder_adduction=70, left_shoulder_flexion=35, right_shoulder_flexion=35,
           left_elbow_flexion=110, right_elbow_flexion=110),
        _p("leaning_forward", "feet", ["a person stands bent forward at the waist", "someone leans forward while standing"],
           trunk_flexion=25, trunk_flexion_mid=15, trunk_flexion_upper=10, left_hip_flexion=15, right_hip_flexion=15),
        _p("sitting", "feet", ["a person sits on a chair", "someone is seated with feet on the floor",
                                "a person sitting still on a seat"], sway=1.0,
           root_pitch=-8, left_hip_flexion=88, right_hip_flexion=88, left_knee_flexion=88, right_knee_flexion=88,
           left_shoulder_flexion=25, right_shoulder_flexion=25, left_elbow_flexion=55, right_elbow_flexion=55),
        _p("sitting_slouched", "feet", ["a person slouches in a chair", "someone sits leaning back in a seat"], sway=1.0,
           root_pitch=-22, trunk_flexion=12, trunk_flexion_upper=10, left_hip_flexion=80, right_hip_flexion=80,
           left_knee_flexion=70, right_knee_flexion=70),
        _p("sitting_leaning_forward", "feet", ["a person sits leaning forward with elbows near the knees"], sway=1.0,
           root_pitch=10, trunk_flexion=15, trunk_flexion_mid=10, left_hip_flexion=95, right_hip_flexion=95,
           left_knee_flexion=95, right_knee_flexion=95, left_elbow_flexion=80, right_elbow_flexion=80,
           left_shoulder_flexion=40, right_shoulder_flexion=40),
        _p("sitting_floor", "body", ["a person sits on the floor with legs stretched out"], sway=1.0,
           root_pitch=-5, left_hip_flexion=90, right_hip_flexion=90),
        _p("kneeling", "feet", ["a person kneels on the floor with the trunk upright", "someone is kneeling"],
           left_hip_flexion=5, right_hip_flexion=5, left_knee_flexion=95, right_knee_flexion=95),
        _p("squatting", "feet", ["a person squats down low", "someone crouches in a deep squat"], sway=2.0,
           root_pitch=15, trunk_flexion=20, left_hip_flexion=110, right_hip_flexion=110, left_knee_flexion=125,
           right_knee_flexion=125, left_ankle_flexion=30, right_ankle_flexion=30,
           left_shoulder_flexion=45, right_shoulder_flexion=45),
        _p("lying_back", "body", ["a person lies on their back", "someone is lying face up, resting",
                                  "a person lying flat on a bed"], sway=0.5, root_pitch=-90),
        _p("lying_front", "body", ["a person lies face down on the stomach", "someone is lying prone"], sway=0.5,
           root_pitch=90),
        _p("lying_left_side", "body", ["a person lies on their left side", "someone lying curled on the side"],
           sway=0.5, root_roll=-90, left_hip_flexion=35, right_hip_flexion=40, left_knee_flexion=45, right_knee_flexion=50),
        _p("lying_right_side", "body", ["a person lies on their right side"], sway=0.5, root_roll=90,
           left_hip_flexion=40, right_hip_flexion=35, left_knee_flexion=50, right_knee_flexion=45),
        _p("reclining", "body", ["a person reclines half lying with the upper body propped up"], sway=0.8,
           root_pitch=-55, left_hip_flexion=35, right_hip_flexion=35),
    ]
}

#: Captions of a transition ``(from, to)``, templated by the postures' gist; pairs not listed get generic text.
TRANSITION_CAPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("standing", "sitting"): ("a person sits down on a chair", "someone lowers themselves from standing onto a seat"),
    ("sitting", "standing"): ("a person stands up from a chair", "someone rises from a seat to standing"),
    ("sitting", "lying_back"): ("a person lies down from sitting", "someone goes from sitting to lying on the back"),
    ("lying_back", "sitting"): ("a person sits up from lying down", "someone gets up from lying to sitting"),
    ("standing", "lying_back"): ("a person lies down on the back from standing",),
    ("lying_back", "standing"): ("a person gets up from lying on the back to standing",),
    ("lying_back", "lying_left_side"): ("a person rolls from the back onto the left side",),
    ("lying_back", "lying_right_side"): ("a person rolls from the back onto the right side",),
    ("lying_left_side", "lying_back"): ("a person rolls from the side onto the back",),
    ("lying_right_side", "lying_back"): ("a person rolls from the side onto the back",),
    ("lying_back", "lying_front"): ("a person turns over from the back onto the stomach",),
    ("standing", "squatting"): ("a person squats down", "someone crouches down from standing"),
    ("squatting", "standing"): ("a person stands up from a squat",),
    ("standing", "kneeling"): ("a person kneels down",),
    ("kneeling", "standing"): ("a person gets up from kneeling",),
    ("standing", "leaning_forward"): ("a person bends forward",),
    ("leaning_forward", "standing"): ("a person straightens up from bending forward",),
}


def _angle_matrix(postures: list[Mapping[str, float]]) -> np.ndarray:
    """Postures to a (n, n_channels) array of degrees in ``_CHANNELS`` order."""
    names = list(_CHANNELS)
    return np.array([[float(p.get(c, 0.0)) for c in names] for p in postures])


def pose_positions(angles_deg: np.ndarray, *, height_scale: float = 1.0) -> np.ndarray:
    """Forward kinematics of channel angles to joint positions relative to the pelvis.

    Parameters
    ----------
    angles_deg : ndarray, shape (n_frames, n_channels)
        Joint-angle channels in degrees, in ``_CHANNELS`` order.
    height_scale : float

    Returns
    -------
    ndarray, shape (n_frames, 22, 3)
        Joint positions in metres with the pelvis at the origin.
    """
    angles_deg = np.asarray(angles_deg, dtype=float)
    n = angles_deg.shape[0]
    local = np.broadcast_to(np.eye(3), (n, len(NODES), 3, 3)).copy()
    for c, (joint, axis, sign) in enumerate(_CHANNELS.values()):
        j = NODE_INDEX[joint]
        local[:, j] = local[:, j] @ _axis_angle(axis, sign * angles_deg[:, c])
    rest = rest_skeleton(height_scale)
    glob = np.empty_like(local)
    pos = np.zeros((n, len(NODES), 3))
    for j, parent in enumerate(NODE_PARENTS):  # 22 joints: a short loop over the tree, vectorized over frames
        if parent < 0:
            glob[:, j] = local[:, j]
            continue
        offset = rest[j] - rest[parent]
        pos[:, j] = pos[:, parent] + glob[:, parent] @ offset
        glob[:, j] = glob[:, parent] @ local[:, j]
    return pos


def _place_on_floor(rel: np.ndarray, body_weight: np.ndarray) -> np.ndarray:
    """Put pelvis-relative poses on the floor (y = 0): upright poses stand on their soles with the ankle midpoint
    fixed horizontally; lying poses rest their lowest joint on the floor with the pelvis fixed horizontally.
    ``body_weight`` (n_frames,) in [0, 1] blends the two rules through transitions."""
    ankles = rel[:, [NODE_INDEX["left_ankle"], NODE_INDEX["right_ankle"]]]
    feet_h = -ankles[:, :, 1].min(axis=1) + _ANKLE_HEIGHT_M
    body_h = -rel[:, :, 1].min(axis=1) + _BODY_HALF_THICKNESS_M
    root_y = (1 - body_weight) * feet_h + body_weight * np.maximum(body_h, _BODY_HALF_THICKNESS_M)
    anchor_xz = (1 - body_weight)[:, None] * ankles.mean(axis=1)[:, [0, 2]]
    root_xz = anchor_xz[0] - anchor_xz  # keeps the feet planted; lying keeps the pelvis in place
    root = np.stack([root_xz[:, 0], root_y, root_xz[:, 1]], axis=1)
    return rel + root[:, None, :]


def _smooth_noise(n_frames: int, n_channels: int, rate_hz: float, rng: np.random.Generator, band_hz: tuple[float, float]) -> np.ndarray:
    """Band-limited Gaussian noise with unit standard deviation, shape (n_frames, n_channels)."""
    spec = rng.normal(size=(n_frames // 2 + 1, n_channels)) + 1j * rng.normal(size=(n_frames // 2 + 1, n_channels))
    freqs = np.fft.rfftfreq(n_frames, 1.0 / rate_hz)
    spec[(freqs < band_hz[0]) | (freqs > band_hz[1])] = 0
    out = np.fft.irfft(spec, n=n_frames, axis=0)
    std = out.std(axis=0, keepdims=True)
    return out / np.where(std > 0, std, 1.0)


def _min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk profile 10u³ − 15u⁴ + 6u⁵ on [0, 1]: zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


@dataclass(frozen=True)
class SyntheticMotion:
    """A captioned motion: joint positions (n_frames, 22, 3) in metres, Y up, at ``rate_hz``."""

    positions: np.ndarray
    rate_hz: float
    captions: tuple[str, ...]
    name: str


def _sway(n: int, rate_hz: float, amplitude_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Slow postural sway (0.05-0.6 Hz) on every channel plus breathing (about 0.25 Hz) on the trunk."""
    noise = _smooth_noise(n, len(_CHANNELS), rate_hz, rng, (0.05, 0.6)) * amplitude_deg
    t = np.arange(n) / rate_hz
    breath = np.sin(2 * np.pi * rng.uniform(0.2, 0.33) * t + rng.uniform(0, 2 * np.pi)) * 0.8
    names = list(_CHANNELS)
    for ch in ("trunk_flexion_mid", "trunk_flexion_upper"):
        noise[:, names.index(ch)] += breath
    return noise


def _render(angles: np.ndarray, body_weight: np.ndarray, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    height = rng.uniform(0.9, 1.1)
    rel = pose_positions(angles, height_scale=height)
    pos = _place_on_floor(rel, body_weight)
    yaw = _axis_angle("y", np.array(rng.uniform(-180, 180)))  # face any direction
    return pos @ yaw.T


def _jitter_posture(p: Posture, rng: np.random.Generator, spread_deg: float = 6.0) -> np.ndarray:
    base = _angle_matrix([p.angles])[0]
    # Individual variation of the set angles; the whole-body tilt varies less (a bed is flat).
    spread = np.where([name.startswith("root_") for name in _CHANNELS], spread_deg / 2, spread_deg)
    return base + rng.normal(0.0, 1.0, base.shape) * spread * (np.abs(base) > 0)


def synthesize_posture(name: str, *, duration_s: float = 10.0, rate_hz: float = 30.0, seed: int | np.random.Generator = 0) -> SyntheticMotion:
    """Hold a posture with natural sway and breathing.

    Parameters
    ----------
    name : str
        A key of :data:`POSTURES`.
    duration_s, rate_hz : float
    seed : int or Generator

    Returns
    -------
    SyntheticMotion
    """
    if name not in POSTURES:
        raise InvalidParameterError(f"unknown posture {name!r}; choose one of {sorted(POSTURES)}")
    rng = np.random.default_rng(seed)
    p = POSTURES[name]
    n = max(int(round(duration_s * rate_hz)), 2)
    angles = _jitter_posture(p, rng)[None, :] + _sway(n, rate_hz, p.sway_deg, rng)
    weight = np.full(n, 1.0 if p.support == "body" else 0.0)
    return SyntheticMotion(_render(angles, weight, rate_hz, rng), rate_hz, p.captions, name)


def synthesize_transition(
    start: str,
    end: str,
    *,
    hold_before_s: float = 2.0,
    transition_s: float | None = None,
    hold_after_s: float = 2.0,
    rate_hz: float = 30.0,
    seed: int | np.random.Generator = 0,
) -> SyntheticMotion:
    """Hold ``start``, move to ``end`` along a minimum-jerk path, hold ``end``; sway throughout.

    ``transition_s`` defaults to a random 1.2-3.0 s. Captions come from :data:`TRANSITION_CAPTIONS` or a generic
    "a person goes from ... to ..." sentence.
    """
    for name in (start, end):
        if name not in POSTURES:
            raise InvalidParameterError(f"unknown posture {name!r}; choose one of {sorted(POSTURES)}")
    rng = np.random.default_rng(seed)
    a, b = POSTURES[start], POSTURES[end]
    move = transition_s if transition_s is not None else rng.uniform(1.2, 3.0)
    n0, n1, n2 = (max(int(round(s * rate_hz)), 1) for s in (hold_before_s, move, hold_after_s))
    n = n0 + n1 + n2
    u = np.concatenate([np.zeros(n0), _min_jerk(np.linspace(0, 1, n1)), np.ones(n2)])
    qa, qb = _jitter_posture(a, rng), _jitter_posture(b, rng)
    angles = (1 - u)[:, None] * qa + u[:, None] * qb
    sway_amp = (1 - u) * a.sway_deg + u * b.sway_deg
    angles = angles + _sway(n, rate_hz, 1.0, rng) * sway_amp[:, None]
    wa, wb = float(a.support == "body"), float(b.support == "body")
    weight = (1 - u) * wa + u * wb
    captions = TRANSITION_CAPTIONS.get(
        (start, end), (f"a person goes from {a.captions[0][9:]} to {b.captions[0][9:]}".replace("  ", " "),)
    )
    return SyntheticMotion(_render(angles, weight, rate_hz, rng), rate_hz, captions, f"{start}->{end}")


def posture_corpus(
    *,
    n_holds_per_posture: int = 4,
    n_per_transition: int = 2,
    duration_s: float = 10.0,
    rate_hz: float = 30.0,
    seed: int = 0,
    transitions: str = "captioned",
) -> Iterator[SyntheticMotion]:
    """Yield holds of every posture and transitions between postures.

    Parameters
    ----------
    transitions : {"captioned", "all", "none"}
        ``captioned``: the pairs with written captions; ``all``: every ordered pair of distinct postures.
    """
    if transitions not in ("captioned", "all", "none"):
        raise InvalidParameterError(f"transitions must be 'captioned', 'all' or 'none'; received {transitions!r}")
    rng = np.random.default_rng(seed)
    for name in POSTURES:
        for _ in range(n_holds_per_posture):
            yield synthesize_posture(name, duration_s=duration_s, rate_hz=rate_hz, seed=rng)
    if transitions == "none":
        return
    pairs = list(TRANSITION_CAPTIONS) if transitions == "captioned" else [
        (a, b) for a in POSTURES for b in POSTURES if a != b
    ]
    for start, end in pairs:
        for _ in range(n_per_transition):
            hold = (duration_s - 2.0) / 2
            yield synthesize_transition(start, end, hold_before_s=hold, hold_after_s=hold, rate_hz=rate_hz, seed=rng)
