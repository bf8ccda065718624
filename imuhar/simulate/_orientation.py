"""Segment orientations of the 22-node body from joint positions alone (HumanML3D, Kinect, plain arrays).

Positions fix each bone's direction but not its twist about itself, so a second axis must be chosen. The rule
used here, in the SMPL rest-pose convention (T-pose; every segment frame has x = the subject's left, y = up,
z = forward, so a still upright pelvis sensor reads acc = (0, +9.81, 0)):

* **pelvis**: y along pelvis -> spine3 (the trunk axis: SMPL's spine1 sits ~20 degrees behind the pelvis, which
  would tilt a belt sensor on an upright body), x towards ``left_hip - right_hip`` (made perpendicular).
* **trunk** (spine1, spine2, spine3, neck): y along the bone to the next trunk joint; x towards the body's
  left-right axis from the neighbouring joints -- the hips for spine1, the shoulders for spine3 and neck, their
  average for spine2. This keeps torso twist, which a minimal-rotation chain would lose.
* **limbs** (hips, knees, ankles, collars, shoulders, elbows): the minimal rotation (no twist) that turns the
  parent segment's frame so its rest-pose bone direction meets the observed bone, ``R = align(R_p d_rest, b)
  R_p``; the rest directions are those of the SMPL T-pose (legs down, feet forward, arms sideways). This is what
  the inverse kinematics behind UniMTS's BVH files does (one-iteration IK with minimal rotations).
* **leaves** (head, feet, wrists) take their parent segment's frame.

The twist about a limb's long axis is therefore a guess: it follows the parent segment. For training with
random per-sensor SO(3) rotation augmentation (UniMTS) a wrong but smooth twist is harmless: it is one more
fixed-per-take mounting rotation. It does not change the accelerometer magnitude at all and changes the
gyroscope only through the (unobserved) twist rate. The rule breaks down when a bone points exactly opposite
its rest direction (an arm pointing straight through the chest), where the minimal rotation is undefined.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..core import NODES, InvalidParameterError, ShapeMismatchError, resolve_placement
from ._mapping import match_joint_names
from ._motion import SkeletonMotion
from ._rotation import align_vectors, frame_from_axes

__all__ = ["orientations_from_positions", "canonical_motion_from_positions", "REST_DIRECTIONS"]

_I = {n: i for i, n in enumerate(NODES)}

#: Rest-pose (T-pose) bone direction of each limb segment in its parent segment's frame (x left, y up, z forward).
REST_DIRECTIONS: dict[str, tuple[str, str, tuple[float, float, float]]] = {
    # node: (parent segment, child joint that the bone points to, direction)
    "left_hip": ("pelvis", "left_knee", (0.0, -1.0, 0.0)),
    "right_hip": ("pelvis", "right_knee", (0.0, -1.0, 0.0)),
    "left_knee": ("left_hip", "left_ankle", (0.0, -1.0, 0.0)),
    "right_knee": ("right_hip", "right_ankle", (0.0, -1.0, 0.0)),
    "left_ankle": ("left_knee", "left_foot", (0.0, -0.3, 0.954)),
    "right_ankle": ("right_knee", "right_foot", (0.0, -0.3, 0.954)),
    "left_collar": ("spine3", "left_shoulder", (1.0, 0.0, 0.0)),
    "right_collar": ("spine3", "right_shoulder", (-1.0, 0.0, 0.0)),
    "left_shoulder": ("left_collar", "left_elbow", (1.0, 0.0, 0.0)),
    "right_shoulder": ("right_collar", "right_elbow", (-1.0, 0.0, 0.0)),
    "left_elbow": ("left_shoulder", "left_wrist", (1.0, 0.0, 0.0)),
    "right_elbow": ("right_shoulder", "right_wrist", (-1.0, 0.0, 0.0)),
}
_LEAVES = {"head": "neck", "left_foot": "left_ankle", "right_foot": "right_ankle", "left_wrist": "left_elbow", "right_wrist": "right_elbow"}


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def orientations_from_positions(positions: np.ndarray) -> np.ndarray:
    """Segment orientations of the 22 canonical nodes from their positions (rule in the module docstring).

    Parameters
    ----------
    positions : ndarray, shape (n_frames, 22, 3)
        Node positions in the z-up world, canonical (SMPL) order, metres.

    Returns
    -------
    ndarray, shape (n_frames, 22, 3, 3)
        Global segment orientations; columns are the segment's x (left), y (along the bone / up), z (forward).
    """
    p = np.asarray(positions, dtype=np.float64)
    if p.ndim != 3 or p.shape[1:] != (len(NODES), 3):
        raise ShapeMismatchError(f"positions must have shape (n_frames, 22, 3); received {p.shape}")
    out = np.empty(p.shape[:2] + (3, 3))

    def at(name: str) -> np.ndarray:
        return p[:, _I[name]]

    lat_hips = _unit(at("left_hip") - at("right_hip"))
    lat_sh = _unit(at("left_shoulder") - at("right_shoulder"))
    lat_mid = _unit(lat_hips + lat_sh)
    trunk = {
        "pelvis": (at("spine3") - at("pelvis"), lat_hips),
        "spine1": (at("spine2") - at("spine1"), lat_hips),
        "spine2": (at("spine3") - at("spine2"), lat_mid),
        "spine3": (at("neck") - at("spine3"), lat_sh),
        "neck": (at("head") - at("neck"), lat_sh),
    }
    for name, (up, lateral) in trunk.items():
        out[:, _I[name]] = frame_from_axes(up, lateral, primary_axis=1, secondary_axis=0)
    # REST_DIRECTIONS is ordered parents-first
    for name, (parent, child, rest) in REST_DIRECTIONS.items():
        r_parent = out[:, _I[parent]]
        d_world = r_parent @ np.asarray(rest) / np.linalg.norm(rest)
        bone = _unit(at(child) - at(name))
        out[:, _I[name]] = align_vectors(d_world, bone) @ r_parent
    for leaf, parent in _LEAVES.items():
        out[:, _I[leaf]] = out[:, _I[parent]]
    return out


def canonical_motion_from_positions(
    positions: np.ndarray,
    rate_hz: float,
    *,
    joint_names: Sequence[str] | None = None,
    parents: Sequence[int] | None = None,
    mapping: Mapping[str, object] | None = None,
    source: str = "array",
    metadata: Mapping[str, object] | None = None,
) -> SkeletonMotion:
    """A canonical 22-node :class:`SkeletonMotion` from joint positions in the z-up world.

    Parameters
    ----------
    positions : ndarray, shape (n_frames, n_joints, 3)
        Joint positions, metres, z-up.
    rate_hz : float
        Frame rate in Hz.
    joint_names : sequence of str, optional
        Names of the joints; canonical names are used directly, others are matched by name
        (:func:`match_joint_names`) unless ``mapping`` gives them. Omit for 22 joints in SMPL order.
    parents : sequence of int, optional
        Parents of the joints (only for name matching of leaves).
    mapping : mapping of node -> joint name or (joint_a, joint_b, t), optional
        Explicit source of each node's position; ``(a, b, t)`` places the node at ``(1 - t) a + t b``.
    source : str
        Used in error messages.
    metadata : mapping, optional
        Stored on the motion.
    """
    pos = np.asarray(positions, dtype=np.float64)
    names = list(joint_names) if joint_names is not None else list(NODES)
    if pos.ndim != 3 or pos.shape[1] != len(names) or pos.shape[2] != 3:
        raise ShapeMismatchError(
            f"{source}: positions must have shape (n_frames, {len(names)}, 3) for {len(names)} joint names; "
            f"received {pos.shape}"
        )
    index = {n: i for i, n in enumerate(names)}
    table: dict[str, tuple[tuple[int, float], ...]] = {}
    if all(n in index for n in NODES):
        table = {n: ((index[n], 1.0),) for n in NODES}
    else:
        guessed = match_joint_names(names, parents if parents is not None else [-1] * len(names))
        table = {n: tuple((index[j], w) for j, w in src.position) for n, src in guessed.items()}
    for key, value in (mapping or {}).items():
        node = resolve_placement(key)
        if isinstance(value, str) and value in index:
            table[node] = ((index[value], 1.0),)
        elif isinstance(value, (tuple, list)) and len(value) == 3 and value[0] in index and value[1] in index:
            t = float(value[2])
            table[node] = ((index[value[0]], 1.0 - t), (index[value[1]], t))
        else:
            raise InvalidParameterError(
                f"{source}: mapping[{key!r}] must be a joint name or (joint_a, joint_b, t) with names from "
                f"{names}; received {value!r}"
            )
    missing = [n for n in NODES if n not in table]
    if missing:
        raise InvalidParameterError(
            f"{source}: deriving orientations from positions needs all 22 canonical nodes; no joint found for "
            f"{missing}. Pass mapping={{node: joint name}} for them."
        )
    canon = np.zeros((pos.shape[0], len(NODES), 3))
    for k, n in enumerate(NODES):
        for j, w in table[n]:
            canon[:, k] += w * pos[:, j]
    rot = orientations_from_positions(canon)
    from ..core import NODE_PARENTS

    return SkeletonMotion(
        canon,
        rot,
        rate_hz,
        NODES,
        NODE_PARENTS,
        source=source,
        rig="smpl",
        metadata={"orientation": "derived from positions", **dict(metadata or {})},
    )
