"""`SkeletonMotion`: per-frame global joint positions and orientations of one take, in one world frame.

Every reader (BVH, HumanML3D, Kinect, plain arrays) produces this type, so the virtual sensors need to know
nothing about file formats.

World frame: right-handed, **z up**, metres; gravity is ``(0, 0, -g)``. Readers of y-up sources (BVH,
HumanML3D, Kinect) rotate by +90 degrees about x, which maps ``(x, y, z) -> (x, -z, y)``. Only the world frame
changes; each segment's local axes (and therefore the simulated sensor axes) stay those of the source rig.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..core import InvalidParameterError, InvalidRateError, InvalidSignalError, ShapeMismatchError, check_rate
from ._rotation import continuous_quat, matrix_to_quat, quat_mul, quat_norm, quat_normalize, quat_to_matrix

__all__ = ["SkeletonMotion", "UP_AXIS_TO_Z", "catmull_rom"]

#: Rotation taking a y-up world to imuhar's z-up world: (x, y, z) -> (x, -z, y).
UP_AXIS_TO_Z: dict[str, np.ndarray] = {
    "z": np.eye(3),
    "y": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),
    "x": np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
}


def catmull_rom(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Cubic (Catmull-Rom) interpolation of ``x`` (n, ...) at fractional sample positions ``f`` (m,) in [0, n-1].

    Exact for quadratics in the interior; beyond the ends the missing neighbour is extrapolated linearly.
    """
    n = x.shape[0]
    if n < 2:
        return np.repeat(x[:1], len(f), axis=0)
    f = np.asarray(f, dtype=np.float64)
    i1 = np.clip(np.floor(f).astype(np.int64), 0, n - 2)
    u = f - i1
    u2 = u * u
    u3 = u2 * u
    # the cubic as four weights per output sample (computed on (m,) vectors), so the (m, ...) data only meet
    # four row gathers and multiply-adds; at u = 0 the weights are (0, 1, 0, 0) and frames pass exactly
    w = np.empty((4, len(f)))
    w[0] = 0.5 * (-u + 2.0 * u2 - u3)
    w[1] = 0.5 * (2.0 - 5.0 * u2 + 3.0 * u3)
    w[2] = 0.5 * (u + 4.0 * u2 - 3.0 * u3)
    w[3] = 0.5 * (u3 - u2)
    # missing neighbours beyond the ends, extrapolated linearly (p0 = 2 p1 - p2, p3 = 2 p2 - p1), folded into the weights
    first, last = i1 == 0, i1 + 2 > n - 1
    w[1, first] += 2.0 * w[0, first]
    w[2, first] -= w[0, first]
    w[0, first] = 0.0
    w[2, last] += 2.0 * w[3, last]
    w[1, last] -= w[3, last]
    w[3, last] = 0.0
    flat = x.reshape(n, -1)
    out = w[0][:, None] * flat[np.maximum(i1 - 1, 0)]
    for k, idx in ((1, i1), (2, i1 + 1), (3, np.minimum(i1 + 2, n - 1))):
        out += w[k][:, None] * flat[idx]
    return out.reshape((len(f),) + x.shape[1:])


def up_axis_matrix(up_axis: str) -> np.ndarray:
    """Rotation matrix taking a world whose up axis is ``up_axis`` ('x', 'y' or 'z') to the z-up world."""
    key = str(up_axis).lower()
    if key not in UP_AXIS_TO_Z:
        raise InvalidParameterError(f"up_axis must be one of 'x', 'y', 'z'; received {up_axis!r}")
    return UP_AXIS_TO_Z[key]


def _first_nan_message(arr: np.ndarray, what: str, source: str) -> str:
    bad = np.argwhere(~np.isfinite(arr))
    first = tuple(int(v) for v in bad[0])
    return (
        f"{source}: {what} holds {len(bad)} NaN/inf value(s), first at index {first} (frame {first[0]}). "
        f"Fill the gaps (interpolate the missing markers) or cut the take before simulating."
    )


@dataclass(frozen=True, eq=False)
class SkeletonMotion:
    """One mocap take as global joint positions and orientations on a uniform time grid.

    Parameters
    ----------
    positions : ndarray, shape (n_frames, n_joints, 3)
        Global joint positions in metres, z-up world.
    orientations : ndarray, shape (n_frames, n_joints, 4) or (n_frames, n_joints, 3, 3)
        Global orientation of the segment each joint drives, as unit quaternions (w, x, y, z) or rotation
        matrices (columns = the segment's local axes in world coordinates); stored as quaternions
        (:attr:`quaternions`), with matrices in :attr:`rotations`. For position-only sources these are derived
        (see :func:`orientations_from_positions`).
    rate_hz : float
        Frame rate in Hz.
    joint_names : sequence of str, length n_joints
    parents : sequence of int, length n_joints
        Parent index per joint, -1 for roots.
    source : str
        Where the take came from (file path, ``archive.zip!member``), used in error messages.
    rig : str
        Name of the rig (``"bandai_namco"``, ``"cmu"``, ``"iclone"``, ``"smpl"`` ...) or ``"unknown"``; picks the
        joint-to-node table in :func:`resolve_mapping`.
    metadata : mapping
        Free-form facts (unit, body height, original frame time ...).
    """

    positions: np.ndarray
    orientations: np.ndarray
    rate_hz: float
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    source: str = "array"
    rig: str = "unknown"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        src = self.source
        try:
            rate = check_rate(self.rate_hz, "rate_hz")
        except InvalidRateError as exc:
            raise InvalidRateError(f"{src}: {exc}") from None
        pos = np.asarray(self.positions, dtype=np.float64)
        rot = np.asarray(self.orientations, dtype=np.float64)
        if pos.ndim != 3 or pos.shape[-1] != 3:
            raise ShapeMismatchError(f"{src}: positions must have shape (n_frames, n_joints, 3); received {pos.shape}")
        if rot.shape == pos.shape[:2] + (3, 3):
            if not np.isfinite(rot).all():
                raise InvalidSignalError(_first_nan_message(rot, "joint rotations", src))
            rot = matrix_to_quat(rot)
        elif rot.shape != pos.shape[:2] + (4,):
            raise ShapeMismatchError(
                f"{src}: orientations must have shape {pos.shape[:2] + (4,)} (quaternions) or "
                f"{pos.shape[:2] + (3, 3)} (matrices) to match positions; received {rot.shape}"
            )
        if pos.shape[0] == 0:
            raise ShapeMismatchError(f"{src}: the take has 0 frames; a motion needs at least one frame")
        names = tuple(str(n) for n in self.joint_names)
        parents = tuple(int(p) for p in self.parents)
        if len(names) != pos.shape[1] or len(parents) != pos.shape[1]:
            raise ShapeMismatchError(
                f"{src}: {pos.shape[1]} joints in positions but {len(names)} names and {len(parents)} parents"
            )
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise InvalidParameterError(f"{src}: joint names must be unique; duplicated {dup}")
        for j, p in enumerate(parents):
            if p >= j or p < -1:
                raise InvalidParameterError(
                    f"{src}: parents must list each joint after its parent (parent index < joint index, -1 for a "
                    f"root); joint {j} ({names[j]!r}) has parent {p}"
                )
        if not np.isfinite(pos).all():
            raise InvalidSignalError(_first_nan_message(pos, "joint positions", src))
        if not np.isfinite(rot).all():
            raise InvalidSignalError(_first_nan_message(rot, "joint orientations", src))
        norms = quat_norm(rot)
        if np.any(norms < 1e-6):
            raise InvalidSignalError(f"{src}: orientations hold zero quaternions; pass unit quaternions (w, x, y, z)")
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "orientations", quat_normalize(rot, norms))
        object.__setattr__(self, "rate_hz", rate)
        object.__setattr__(self, "joint_names", names)
        object.__setattr__(self, "parents", parents)
        object.__setattr__(self, "metadata", dict(self.metadata))

    # ------------------------------------------------------------------ facts
    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.positions.shape[0])

    @property
    def n_joints(self) -> int:
        """Number of joints."""
        return int(self.positions.shape[1])

    @property
    def duration_s(self) -> float:
        """``n_frames / rate_hz`` in seconds."""
        return self.n_frames / self.rate_hz

    @property
    def quaternions(self) -> np.ndarray:
        """Global segment orientations as unit quaternions (w, x, y, z), shape (n_frames, n_joints, 4)."""
        return self.orientations

    @property
    def rotations(self) -> np.ndarray:
        """Global segment orientations as rotation matrices, shape (n_frames, n_joints, 3, 3)."""
        return quat_to_matrix(self.orientations)

    def joint_index(self, name: str) -> int:
        """Index of a joint by exact name; :class:`InvalidParameterError` listing the names otherwise."""
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise InvalidParameterError(
                f"{self.source}: no joint named {name!r}; joints are {list(self.joint_names)}"
            ) from None

    def body_height_m(self) -> float:
        """Median over frames of the vertical extent of all joints, in metres (a stature proxy)."""
        z = self.positions[..., 2]
        return float(np.median(z.max(axis=1) - z.min(axis=1)))

    def __repr__(self) -> str:
        return (
            f"SkeletonMotion({self.source!r}, rig={self.rig!r}, {self.n_frames} frames at {self.rate_hz:g} Hz "
            f"({self.duration_s:.1f} s), {self.n_joints} joints)"
        )

    # ------------------------------------------------------------------ derivation
    def replace(self, **changes: Any) -> "SkeletonMotion":
        """A copy with some fields changed."""
        fields = dict(
            positions=self.positions,
            orientations=self.orientations,
            rate_hz=self.rate_hz,
            joint_names=self.joint_names,
            parents=self.parents,
            source=self.source,
            rig=self.rig,
            metadata=self.metadata,
        )
        unknown = set(changes) - set(fields)
        if unknown:
            raise InvalidParameterError(f"SkeletonMotion has no field(s) {sorted(unknown)}")
        fields.update(changes)
        return SkeletonMotion(**fields)

    def slice(self, start: int, stop: int) -> "SkeletonMotion":
        """Frames ``start:stop`` as a new motion."""
        if not 0 <= start < stop <= self.n_frames:
            raise InvalidParameterError(
                f"slice must satisfy 0 <= start < stop <= n_frames={self.n_frames}; received {start}, {stop}"
            )
        return self.replace(positions=self.positions[start:stop], orientations=self.orientations[start:stop])

    def resample(self, rate_hz: float) -> "SkeletonMotion":
        """The motion on a new uniform grid: cubic (Catmull-Rom) positions, normalized-lerp quaternions.

        Parameters
        ----------
        rate_hz : float
            New frame rate in Hz. The new grid starts at the first frame and stays within the take.
        """
        new_rate = check_rate(rate_hz, "rate_hz")
        if self.n_frames < 2:
            raise InvalidRateError(f"{self.source}: a single-frame motion cannot be resampled to rate_hz={rate_hz}")
        n_new = int(np.floor((self.n_frames - 1) / self.rate_hz * new_rate + 1e-9)) + 1
        t_new = np.arange(n_new) / new_rate
        f = t_new * self.rate_hz
        pos = catmull_rom(self.positions, f)
        q = continuous_quat(self.orientations, axis=0).reshape(self.n_frames, -1)
        i0 = np.minimum(np.floor(f).astype(int), self.n_frames - 2)
        w = (f - i0)[:, None]
        qn = ((1 - w) * q[i0] + w * q[i0 + 1]).reshape(n_new, self.n_joints, 4)
        meta = dict(self.metadata)
        meta["resampled_from_hz"] = self.rate_hz
        # built without re-validation: the inputs were checked, positions are finite combinations of them and
        # the quaternions are normalized here
        return self._trusted(pos, quat_normalize(qn), new_rate, meta)

    def _trusted(self, positions: np.ndarray, quaternions: np.ndarray, rate_hz: float, metadata: dict) -> "SkeletonMotion":
        """A motion on this one's skeleton from arrays known to be valid (float64, finite, unit quaternions)."""
        out = object.__new__(SkeletonMotion)
        for name, value in (
            ("positions", positions),
            ("orientations", quaternions),
            ("rate_hz", float(rate_hz)),
            ("joint_names", self.joint_names),
            ("parents", self.parents),
            ("source", self.source),
            ("rig", self.rig),
            ("metadata", metadata),
        ):
            object.__setattr__(out, name, value)
        return out

    def to_world_up(self, up_axis: str) -> "SkeletonMotion":
        """Reinterpret a motion given in a world whose up axis is ``up_axis`` into imuhar's z-up world."""
        c = up_axis_matrix(up_axis)
        return self.replace(positions=self.positions @ c.T, orientations=quat_mul(matrix_to_quat(c), self.orientations))

    @classmethod
    def from_arrays(
        cls,
        positions: Any,
        rate_hz: float,
        *,
        parents: Sequence[int] | None = None,
        joint_names: Sequence[str] | None = None,
        rotations: Any | None = None,
        up_axis: str = "z",
        unit_scale: float = 1.0,
        mapping: Mapping[str, str] | None = None,
        source: str = "array",
    ) -> "SkeletonMotion":
        """Build a motion from plain arrays.

        Parameters
        ----------
        positions : array, shape (n_frames, n_joints, 3)
            Global joint positions (multiplied by ``unit_scale`` to get metres).
        rate_hz : float
            Frame rate in Hz.
        parents : sequence of int, optional
            Parent per joint (-1 for the root). Defaults to the SMPL tree when there are 22 joints.
        joint_names : sequence of str, optional
            Defaults to the canonical node names when there are 22 joints.
        rotations : array, shape (n_frames, n_joints, 3, 3) or (n_frames, n_joints, 4), optional
            Global segment orientations (matrices or (w, x, y, z) quaternions) in the arrays' world frame. Without them, positions are mapped onto the 22 canonical nodes (by
            name, or through ``mapping``) and orientations are derived with
            :func:`imuhar.simulate.orientations_from_positions`.
        up_axis : {'x', 'y', 'z'}
            Up axis of the arrays' world frame.
        unit_scale : float
            Factor from the arrays' length unit to metres (0.01 for centimetres).
        mapping : mapping of node name to joint name, optional
            Explicit canonical node -> joint table for position-only input.
        source : str
            Label used in error messages.
        """
        from ..core import NODE_PARENTS, NODES
        from ._orientation import canonical_motion_from_positions

        try:
            pos = np.asarray(positions, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidSignalError(f"{source}: positions must be numeric; {exc}") from None
        if pos.ndim != 3 or pos.shape[-1] != 3:
            raise ShapeMismatchError(f"{source}: positions must have shape (n_frames, n_joints, 3); received {pos.shape}")
        n_joints = pos.shape[1]
        if joint_names is None:
            if n_joints != len(NODES):
                raise InvalidParameterError(
                    f"{source}: pass joint_names for a {n_joints}-joint skeleton (only 22-joint arrays are assumed to "
                    f"follow the SMPL order)"
                )
            joint_names = NODES
        if parents is None:
            if n_joints != len(NODES):
                raise InvalidParameterError(f"{source}: pass parents (one parent index per joint, -1 for the root)")
            parents = NODE_PARENTS
        if not np.isfinite(pos).all():
            raise InvalidSignalError(_first_nan_message(pos, "joint positions", source))
        pos = pos * float(unit_scale)
        c = up_axis_matrix(up_axis)
        pos = pos @ c.T
        if rotations is not None:
            rot = np.asarray(rotations, dtype=np.float64)
            rot = quat_mul(matrix_to_quat(c), rot) if rot.shape[-1:] == (4,) else c @ rot
            return cls(pos, rot, rate_hz, tuple(joint_names), tuple(parents), source=source, rig="unknown")
        return canonical_motion_from_positions(
            pos, rate_hz, joint_names=list(joint_names), mapping=mapping, source=source
        )
