"""BVH reader for any rig: channel orders per joint, end sites, position channels on any joint, units.

Conventions (those of the Biovision format as Blender, MotionBuilder and the ``Motion`` library read it):

* a joint's local transform is a translation followed by its rotation channels composed in the listed order
  (``Zrotation Xrotation Yrotation`` -> ``Rz @ Rx @ Ry``);
* the translation is the joint's ``OFFSET``, unless the joint has position channels: then the channels give
  the translation and replace the offset. This holds for every joint, not only the root -- the Bandai Namco
  files keep ``joint_Root`` still and carry the walk on ``Hips``, which IMUSim's reader (root positions only)
  loses;
* world frame y-up (converted to imuhar's z-up, see :mod:`imuhar.simulate._motion`). Some exporters (iClone)
  add the root's position channels to its offset instead of replacing it; the two differ by a constant
  translation of the whole body, which changes no simulated signal;
* lengths in the file's unit, converted to metres by ``unit`` (``"auto"`` picks m, cm or mm from the skeleton's
  size and checks the resulting body size).
"""

from __future__ import annotations

import functools
import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from ..core import DataFormatError, InvalidParameterError, InvalidSignalError, UnknownUnitError
from ._mapping import detect_rig
from ._motion import SkeletonMotion, up_axis_matrix
from ._rotation import matrix_to_quat, quat_mul, quat_rotate

__all__ = ["read_bvh", "parse_bvh", "BVH_UNITS"]

logger = logging.getLogger(__name__)

#: Length units a BVH may use, as metres per unit.
BVH_UNITS: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "inch": 0.0254, "in": 0.0254, "dm": 0.1}

# A human skeleton's span (longest path between two leaves, ~ fingertip to toe or arm span) in metres.
_SPAN_RANGE_M = (0.6, 4.0)

_ROT = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}
_POS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}


@dataclass
class _Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)
    line: int = 0
    is_end: bool = False


def _parse_hierarchy(lines: list[str], source: str) -> tuple[list[_Joint], int]:
    """Joints (end sites included, flagged) and the index of the ``MOTION`` line."""
    joints: list[_Joint] = []
    stack: list[int] = []
    pending: _Joint | None = None
    i = 0
    n = len(lines)
    while i < n and not lines[i].strip():
        i += 1
    if i >= n or lines[i].split()[0].upper() != "HIERARCHY":
        raise DataFormatError(f"{source}:{i + 1}: a BVH file starts with 'HIERARCHY'; found {lines[i].strip()[:40]!r}" if i < n else f"{source}: empty file, not a BVH")
    i += 1
    while i < n:
        raw = lines[i]
        tok = raw.split()
        lineno = i + 1
        if not tok:
            i += 1
            continue
        key = tok[0].upper()
        if key in ("ROOT", "JOINT"):
            if len(tok) < 2:
                raise DataFormatError(f"{source}:{lineno}: {tok[0]} without a joint name")
            if key == "JOINT" and not stack:
                raise DataFormatError(f"{source}:{lineno}: JOINT {tok[1]!r} outside any ROOT block (broken hierarchy)")
            if key == "ROOT" and stack:
                raise DataFormatError(f"{source}:{lineno}: ROOT {tok[1]!r} inside another joint's block (missing '}}')")
            name = " ".join(tok[1:])
            pending = _Joint(name, stack[-1] if stack else -1, np.zeros(3), line=lineno)
        elif key == "END":
            if not stack:
                raise DataFormatError(f"{source}:{lineno}: 'End Site' outside any joint (broken hierarchy)")
            pending = _Joint(f"{joints[stack[-1]].name}_end", stack[-1], np.zeros(3), line=lineno, is_end=True)
        elif key == "{":
            if pending is None:
                raise DataFormatError(f"{source}:{lineno}: '{{' without a ROOT, JOINT or End Site before it")
            joints.append(pending)
            stack.append(len(joints) - 1)
            pending = None
        elif key == "}":
            if not stack:
                raise DataFormatError(f"{source}:{lineno}: unmatched '}}' (broken hierarchy)")
            stack.pop()
        elif key == "OFFSET":
            if not stack:
                raise DataFormatError(f"{source}:{lineno}: OFFSET outside any joint block")
            try:
                vals = [float(v) for v in tok[1:4]]
            except ValueError:
                vals = []
            if len(vals) != 3 or len(tok) != 4:
                raise DataFormatError(f"{source}:{lineno}: OFFSET needs 3 numbers; found {raw.strip()!r}")
            joints[stack[-1]].offset = np.array(vals)
        elif key == "CHANNELS":
            if not stack or joints[stack[-1]].is_end:
                raise DataFormatError(f"{source}:{lineno}: CHANNELS outside a ROOT/JOINT block")
            try:
                count = int(tok[1])
            except (IndexError, ValueError):
                raise DataFormatError(f"{source}:{lineno}: CHANNELS must be followed by a count; found {raw.strip()!r}") from None
            names = tok[2:]
            if count != len(names):
                raise DataFormatError(
                    f"{source}:{lineno}: CHANNELS announces {count} channels but lists {len(names)} ({' '.join(names)})"
                )
            bad = [c for c in names if c not in _ROT and c not in _POS]
            if bad:
                raise DataFormatError(
                    f"{source}:{lineno}: unknown channel name(s) {bad}; allowed are X/Y/Z position and rotation"
                )
            joints[stack[-1]].channels = names
        elif key == "MOTION":
            if stack:
                raise DataFormatError(
                    f"{source}:{lineno}: MOTION reached with {len(stack)} unclosed joint block(s) (starting with "
                    f"{joints[stack[-1]].name!r}, line {joints[stack[-1]].line}): broken hierarchy"
                )
            if not joints:
                raise DataFormatError(f"{source}:{lineno}: MOTION before any ROOT joint")
            return joints, i
        else:
            raise DataFormatError(f"{source}:{lineno}: unexpected token {tok[0]!r} in HIERARCHY")
        i += 1
    raise DataFormatError(f"{source}: no MOTION section (file truncated or broken hierarchy)")


@dataclass(frozen=True, eq=False)
class _Plan:
    """Everything about a hierarchy that the kinematics need, derived once per distinct hierarchy text.

    Attributes
    ----------
    joints : list of _Joint
        As parsed (treated as read-only once cached).
    motion_line : int
        Index of the ``MOTION`` line in the file.
    offsets : ndarray, shape (J, 3)
        ``OFFSET`` of every joint, file units.
    rot_groups : list of (joint indices (Jg,), channel columns (Jg, k), axes (k,))
        Joints grouped by their sequence of rotation axes (0/1/2 for X/Y/Z in channel order).
    pos_j, pos_axis, pos_col : int arrays
        Position channels: joint, axis (0/1/2) and column of each.
    levels : list of (joint indices, parent indices)
        Joints by tree depth (roots first), for forward kinematics over the tree only.
    levels_no_ends, ends : the same without end sites, and the end sites' indices.
    placed : list of bool
        Joints positioned in the world rather than attached by a bone (see :func:`_tree_span`).
    """

    joints: list[_Joint]
    motion_line: int
    offsets: np.ndarray
    rot_groups: list[tuple[np.ndarray, np.ndarray, tuple[int, ...]]]
    pos_j: np.ndarray
    pos_axis: np.ndarray
    pos_col: np.ndarray
    levels: list[tuple[np.ndarray, np.ndarray]]
    placed: list[bool]
    levels_no_ends: list[tuple[np.ndarray, np.ndarray]]
    ends: np.ndarray


def _make_plan(joints: list[_Joint], motion_line: int) -> _Plan:
    by_axes: dict[tuple[int, ...], list[tuple[int, list[int]]]] = {}
    pos_j, pos_axis, pos_col = [], [], []
    col = 0
    for j, jt in enumerate(joints):
        rcols, raxes = [], []
        for c in jt.channels:
            if c in _ROT:
                rcols.append(col)
                raxes.append("XYZ".index(_ROT[c]))
            else:
                pos_j.append(j)
                pos_axis.append(_POS[c])
                pos_col.append(col)
            col += 1
        if rcols:
            by_axes.setdefault(tuple(raxes), []).append((j, rcols))
    groups = [(np.array([g[0] for g in grp]), np.array([g[1] for g in grp]), axes) for axes, grp in by_axes.items()]
    depth = np.zeros(len(joints), dtype=int)
    for j, jt in enumerate(joints):
        depth[j] = 0 if jt.parent < 0 else depth[jt.parent] + 1
    par = np.array([jt.parent for jt in joints])
    is_end = np.array([jt.is_end for jt in joints])
    levels, levels_no_ends = [], []
    for d in range(int(depth.max()) + 1):
        idx = np.flatnonzero(depth == d)
        levels.append((idx, par[idx]))
        idx = np.flatnonzero((depth == d) & ~is_end)
        if len(idx):
            levels_no_ends.append((idx, par[idx]))
    animated = [any(c in _POS for c in jt.channels) for jt in joints]
    placed = [a and (jt.parent < 0 or (animated[jt.parent] and joints[jt.parent].parent < 0)) for a, jt in zip(animated, joints)]
    offsets = np.stack([j.offset for j in joints])
    offsets.setflags(write=False)
    as_int = lambda v: np.array(v, dtype=np.intp)  # noqa: E731
    return _Plan(
        joints, motion_line, offsets, groups, as_int(pos_j), as_int(pos_axis), as_int(pos_col), levels, placed,
        levels_no_ends, np.flatnonzero(is_end),
    )  # fmt: skip


# Plans by hierarchy text: takes of one capture session share their hierarchy verbatim, so the header is parsed
# once. Failures are never stored (they raise before), so a message always names the file at hand.
_PLAN_CACHE: dict[str, _Plan] = {}
_PLAN_CACHE_SIZE = 64


def _plan_for(lines: list[str], hierarchy_text: str | None, source: str) -> _Plan:
    """The plan of a header (``lines`` up to 'Frame Time'), memoized on ``hierarchy_text``: the file's text up to
    the end of its MOTION line, so two files share a plan only when their hierarchies are the same text."""
    if hierarchy_text is not None:
        hit = _PLAN_CACHE.get(hierarchy_text)
        if hit is not None:
            return hit
    joints, motion_line = _parse_hierarchy(lines, source)
    plan = _make_plan(joints, motion_line)
    # store only when the hierarchy parser stopped exactly where the MOTION search did
    if hierarchy_text is not None and hierarchy_text.count("\n") == motion_line:
        if len(_PLAN_CACHE) >= _PLAN_CACHE_SIZE:
            _PLAN_CACHE.clear()
        _PLAN_CACHE[hierarchy_text] = plan
    return plan


def _header_value(line: str, key: str, source: str, lineno: int) -> str:
    m = re.match(rf"\s*{key}\s*:?\s*(\S+)", line, flags=re.IGNORECASE)
    if not m:
        raise DataFormatError(f"{source}:{lineno}: expected '{key}: <value>'; found {line.strip()[:60]!r}")
    return m.group(1)


def _tree_span(translations: np.ndarray, parents: list[int], placed: list[bool]) -> float:
    """Longest leaf-to-leaf path through the tree (bone lengths summed): a unit-free body size.

    ``translations`` are the first frame's local translations. Joints flagged in ``placed`` are positioned in
    the world rather than attached by a bone (Bandai Namco's ``Hips`` sits metres away from its still root), so
    their translation does not count.
    """
    n = len(parents)
    lengths = np.where(placed, 0.0, np.linalg.norm(translations, axis=1))
    down = np.zeros(n)  # longest path from each joint down into its subtree
    best = 0.0
    top2 = np.zeros((n, 2))
    for j in range(n - 1, -1, -1):
        down[j] = top2[j, 0]
        best = max(best, top2[j, 0] + top2[j, 1])
        p = parents[j]
        if p >= 0:
            v = down[j] + lengths[j]
            if v > top2[p, 0]:
                top2[p, 1], top2[p, 0] = top2[p, 0], v
            elif v > top2[p, 1]:
                top2[p, 1] = v
    return float(best)


def _resolve_unit(unit: str | float, span_file: float, source: str) -> tuple[float, str]:
    if isinstance(unit, (int, float)) and not isinstance(unit, bool):
        scale, label = float(unit), f"x{float(unit):g}"
        if not scale > 0:
            raise InvalidParameterError(f"unit scale must be > 0 metres per file unit; received {unit!r}")
    elif isinstance(unit, str) and unit.lower() == "auto":
        for label in ("m", "cm", "mm"):
            scale = BVH_UNITS[label]
            if _SPAN_RANGE_M[0] <= span_file * scale <= _SPAN_RANGE_M[1]:
                return scale, label
        raise DataFormatError(
            f"{source}: cannot tell the length unit: the skeleton spans {span_file:g} file units, which is no "
            f"human size in m, cm or mm. Pass unit='m'|'cm'|'mm'|'inch' or a number of metres per unit."
        )
    elif isinstance(unit, str) and unit.lower() in BVH_UNITS:
        label = unit.lower()
        scale = BVH_UNITS[label]
    else:
        raise UnknownUnitError(
            f"unknown BVH unit {unit!r}; use 'auto', one of {sorted(BVH_UNITS)} or metres per file unit as a number"
        )
    span_m = span_file * scale
    if not _SPAN_RANGE_M[0] <= span_m <= _SPAN_RANGE_M[1]:
        raise DataFormatError(
            f"{source}: with unit={unit!r} the skeleton spans {span_m:.3g} m (a human spans "
            f"{_SPAN_RANGE_M[0]}-{_SPAN_RANGE_M[1]} m end to end); the unit is wrong: try unit='auto' or "
            f"{'cm' if span_m > 10 else 'm'!r}"
        )
    return scale, label


@dataclass
class _Parsed:
    joints: list[_Joint]
    data: np.ndarray  # (n_frames, n_channels) as in the file
    frame_time: float
    scale: float
    unit_label: str
    source: str
    plan: _Plan | None = None

    def signature(self) -> tuple:
        return tuple((j.name, j.parent, tuple(j.channels), j.is_end) for j in self.joints)


def _parse_text(text: str, source: str, unit: str | float) -> _Parsed:
    """Hierarchy, channel data and unit of one BVH text (no kinematics yet)."""
    # split only the header into lines: the motion block (most of the file) goes to numpy's parser as is
    m = re.search(r"^[ \t]*MOTION\b", text, flags=re.MULTILINE | re.IGNORECASE)
    head_end = len(text)
    if m:
        # the header ends after the 'Frame Time' line that follows MOTION
        ft = re.search(r"^[ \t]*Frame\s+Time.*$", text[m.start() : m.start() + 4096], flags=re.MULTILINE | re.IGNORECASE)
        if ft:
            head_end = m.start() + ft.end()
    lines = text[:head_end].splitlines()
    key = None
    if m:  # memo key: the text up to the end of the MOTION line
        eol = text.find("\n", m.start())
        key = text[:eol] if eol >= 0 else None
    plan = _plan_for(lines, key, source)
    joints, motion_line = plan.joints, plan.motion_line
    # "Frames:" and "Frame Time:" follow MOTION, possibly after blank lines
    k = motion_line + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k >= len(lines):
        raise DataFormatError(f"{source}:{motion_line + 1}: MOTION without 'Frames:' line")
    n_frames_s = _header_value(lines[k], "Frames", source, k + 1)
    try:
        n_frames = int(n_frames_s)
    except ValueError:
        raise DataFormatError(f"{source}:{k + 1}: 'Frames:' must be an integer; found {n_frames_s!r}") from None
    k += 1
    if k >= len(lines):
        raise DataFormatError(f"{source}:{k}: 'Frame Time:' line missing after 'Frames:'")
    ft_s = _header_value(lines[k], r"Frame\s+Time", source, k + 1)
    try:
        frame_time = float(ft_s)
    except ValueError:
        raise DataFormatError(f"{source}:{k + 1}: 'Frame Time:' must be a number of seconds; found {ft_s!r}") from None
    if not np.isfinite(frame_time) or frame_time <= 0:
        raise DataFormatError(f"{source}:{k + 1}: 'Frame Time:' must be > 0 s; found {ft_s!r}")
    if n_frames <= 0:
        raise DataFormatError(f"{source}:{k}: the take has {n_frames} frames; a motion needs at least one frame")
    data_start = k + 1
    n_ch = sum(len(j.channels) for j in joints)
    body = text[head_end:]
    if body.startswith("\r"):
        body = body[1:]
    if body.startswith("\n"):
        body = body[1:]
    expected = n_frames * n_ch
    values = None
    try:
        # numpy's C row parser (faster than np.fromstring, fastest on bytes): one frame per line, whitespace
        # separated; an encoding error is a ValueError too and falls back below
        rows = np.loadtxt(io.BytesIO(body.encode("utf-8")), dtype=np.float64, comments=None, ndmin=2)
        if rows.shape == (n_frames, n_ch):
            values = rows.reshape(-1)
    except ValueError:
        pass
    if values is None:
        # not one frame per line (or a malformed file): a flat parse of every number, as before
        with warnings.catch_warnings():
            # np.fromstring warns (and stops) on a malformed token, which the size check below turns into a typed
            # error naming the line
            warnings.simplefilter("ignore")
            try:
                values = np.fromstring(body, sep=" ")
            except ValueError:
                values = None
    if values is None or values.size != expected:
        # find the first offending line for the message
        data_lines = body.splitlines()
        for r, line in enumerate(data_lines):
            toks = line.split()
            if r < n_frames and len(toks) != n_ch:
                raise DataFormatError(
                    f"{source}:{data_start + r + 1}: frame {r} has {len(toks)} values but the hierarchy declares "
                    f"{n_ch} channels (wrong channel count)"
                )
            if r < n_frames:
                try:
                    [float(t) for t in toks]
                except ValueError:
                    raise DataFormatError(f"{source}:{data_start + r + 1}: frame {r} holds a non-number") from None
        got = sum(1 for line in data_lines if line.strip())
        raise DataFormatError(
            f"{source}:{k}: 'Frames: {n_frames}' but the file holds {got} frame line(s) of {n_ch} values"
        )
    data = values.reshape(n_frames, n_ch)
    if not np.isfinite(data).all():
        r, c = (int(v) for v in np.argwhere(~np.isfinite(data))[0])
        raise InvalidSignalError(
            f"{source}:{data_start + r + 1}: frame {r} channel {c} is NaN/inf; fill or cut the bad frames"
        )

    parents = [j.parent for j in joints]
    # first-frame local translations (position channels replace offsets) and joints placed in the world
    first = plan.offsets.copy()
    first[plan.pos_j, plan.pos_axis] = data[0, plan.pos_col]
    scale, unit_label = _resolve_unit(unit, _tree_span(first, parents, plan.placed), source)
    return _Parsed(joints, data, frame_time, scale, unit_label, source, plan)


# Hamilton product a * b per output component: (sign, index into a, index into b), in quat_mul's term order
_QMUL_TERMS = (
    ((1, 0, 0), (-1, 1, 1), (-1, 2, 2), (-1, 3, 3)),
    ((1, 0, 1), (1, 1, 0), (1, 2, 3), (-1, 3, 2)),
    ((1, 0, 2), (-1, 1, 3), (1, 2, 0), (1, 3, 1)),
    ((1, 0, 3), (1, 1, 2), (-1, 2, 1), (1, 3, 0)),
)


def _sparse_quat_mul(a: list[np.ndarray | None], b: list[np.ndarray | None]) -> list[np.ndarray | None]:
    """:func:`quat_mul` on quaternions given as 4 component arrays, ``None`` for a component known to be 0.

    Terms with a zero factor are skipped; the others are summed in quat_mul's order, so the result is the same
    number (adding an exact zero changes nothing) at a fraction of the work for axis rotations.
    """
    out: list[np.ndarray | None] = []
    for terms in _QMUL_TERMS:
        acc = None
        for sign, i, j in terms:
            if a[i] is None or b[j] is None:
                continue
            t = a[i] * b[j]
            if acc is None:
                acc = t if sign > 0 else -t
            else:
                acc = acc + t if sign > 0 else acc - t
        out.append(acc)
    return out


def _forward_kinematics(
    joints: list[_Joint],
    data: np.ndarray,
    offsets: np.ndarray,
    scale: np.ndarray | float,
    plan: _Plan | None = None,
    end_sites: bool = True,
    z_up: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Global positions (T, J, 3) and quaternions (T, J, 4) in the file's y-up world (or, with ``z_up``,
    imuhar's z-up world), metres.

    Vectorized over frames and over the joints of one tree depth: Python loops run over tree levels only.
    ``offsets`` is (J, 3) or per frame (T, J, 3); ``scale`` (metres per file unit) a number or (T,). With
    ``end_sites=False`` end sites are not computed (their rows hold NaN). ``z_up`` turns the roots into the z-up
    world, ``(x, y, z) -> (x, -z, y)``, and every other joint follows through the tree (no extra pass).
    """
    if plan is None:
        plan = _make_plan(joints, -1)
    n_frames = data.shape[0]
    n_j = len(joints)
    local = np.zeros((n_frames, n_j, 4))
    local[..., 0] = 1.0
    for js, cols, axes in plan.rot_groups:
        # channels compose in the listed order (intrinsic): q = q_1 * q_2 * ... * q_k, each an axis rotation
        # (cos h, sin h e_axis) by half the channel angle
        half = np.deg2rad(0.5) * data[:, cols]  # (T, Jg, k)
        c, s = np.cos(half), np.sin(half)
        q: list[np.ndarray | None] = [None] * 4
        for i, a in enumerate(axes):
            qi: list[np.ndarray | None] = [c[..., i], None, None, None]
            qi[a + 1] = s[..., i]
            q = qi if i == 0 else _sparse_quat_mul(q, qi)
        for k in range(4):
            if q[k] is not None:
                local[:, js, k] = q[k]
    trans = np.broadcast_to(offsets, (n_frames, n_j, 3)).copy()
    if len(plan.pos_j):
        trans[:, plan.pos_j, plan.pos_axis] = data[:, plan.pos_col]
    trans *= np.reshape(scale, (-1, 1, 1)) if np.ndim(scale) else scale
    g_q = np.empty((n_frames, n_j, 4))
    g_pos = np.empty((n_frames, n_j, 3))
    if not end_sites and len(plan.ends):
        g_q[:, plan.ends] = np.nan
        g_pos[:, plan.ends] = np.nan
    for d, (idx, par) in enumerate(plan.levels if end_sites else plan.levels_no_ends):
        if d == 0:
            if z_up:
                g_q[:, idx] = quat_mul(_y_up_quat(), local[:, idx])
                root = trans[:, idx]
                g_pos[:, idx, 0] = root[..., 0]
                g_pos[:, idx, 1] = -root[..., 2]
                g_pos[:, idx, 2] = root[..., 1]
            else:
                g_q[:, idx] = local[:, idx]
                g_pos[:, idx] = trans[:, idx]
        else:
            pq = g_q[:, par]
            g_pos[:, idx] = g_pos[:, par] + quat_rotate(pq, trans[:, idx])
            g_q[:, idx] = quat_mul(pq, local[:, idx])
    return g_pos, g_q


@functools.lru_cache(maxsize=1)
def _y_up_quat() -> np.ndarray:
    q = matrix_to_quat(up_axis_matrix("y"))
    q.setflags(write=False)
    return q


@functools.lru_cache(maxsize=128)
def _kept_joints(plan: _Plan, include_end_sites: bool) -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    """Indices, names and re-indexed parents of the joints a motion keeps."""
    joints = plan.joints
    keep = [j for j, jt in enumerate(joints) if include_end_sites or not jt.is_end]
    remap = {old: new for new, old in enumerate(keep)}
    names = tuple(joints[j].name for j in keep)
    new_parents = tuple(remap.get(joints[j].parent, -1) for j in keep)
    return np.array(keep, dtype=np.intp), names, new_parents


def _to_motion(p: _Parsed, g_pos: np.ndarray, g_q: np.ndarray, include_end_sites: bool) -> SkeletonMotion:
    """The motion from z-up forward kinematics (``_forward_kinematics(..., z_up=True)``)."""
    plan = p.plan if p.plan is not None else _make_plan(p.joints, -1)
    keep, names, new_parents = _kept_joints(plan, include_end_sites)
    # the forward kinematics ran in the z-up world already
    pos = g_pos[:, keep]
    rot = g_q[:, keep]
    motion = SkeletonMotion(
        pos,
        rot,
        1.0 / p.frame_time,
        tuple(names),
        tuple(new_parents),
        source=p.source,
        rig=_detect_rig_cached(tuple(names)),
        metadata={"format": "bvh", "unit": p.unit_label, "metres_per_unit": p.scale, "frame_time_s": p.frame_time},
    )
    height = motion.body_height_m()
    motion.metadata["body_height_m"] = height
    if not 0.5 <= height <= 2.6:
        # lying or crawling takes are legitimately flat; a tall one points to a wrong unit or up axis
        logger.warning("%s: median vertical extent of the body is %.2f m (unit %s); check unit= and the up axis", p.source, height, p.unit_label)
    return motion


@functools.lru_cache(maxsize=64)
def _detect_rig_cached(names: tuple[str, ...]) -> str:
    return detect_rig(names)


def parse_bvh(
    text: str,
    *,
    source: str = "<bvh>",
    unit: str | float = "auto",
    include_end_sites: bool = False,
) -> SkeletonMotion:
    """Parse BVH text into a :class:`SkeletonMotion` (z-up world, metres). See :func:`read_bvh`."""
    p = _parse_text(text, source, unit)
    g_pos, g_q = _forward_kinematics(p.joints, p.data, p.plan.offsets, p.scale, p.plan, end_sites=include_end_sites, z_up=True)
    return _to_motion(p, g_pos, g_q, include_end_sites)


def read_bvh(
    path: str | Path | IO[bytes] | IO[str],
    *,
    unit: str | float = "auto",
    include_end_sites: bool = False,
    source: str | None = None,
) -> SkeletonMotion:
    """Read a BVH file of any rig into a :class:`SkeletonMotion`.

    Parameters
    ----------
    path : path or binary/text file object
        The ``.bvh`` file (for members of a zip archive pass an open file and ``source``).
    unit : {'auto', 'm', 'cm', 'mm', 'inch'} or float
        Length unit of the file, or metres per file unit. ``'auto'`` picks m, cm or mm so that the skeleton's
        span (longest bone path between two leaves) is human-sized (0.6-4 m). An explicit unit is checked the
        same way.
    include_end_sites : bool
        Keep ``End Site`` points as joints named ``<parent>_end`` (they carry the parent's rotation).
    source : str, optional
        Name used in error messages; defaults to the path.

    Returns
    -------
    SkeletonMotion
        Positions in metres in the z-up world, rotations of every joint, ``rate_hz = 1 / Frame Time``;
        ``metadata`` holds ``unit``, ``frame_time_s`` and ``body_height_m`` (median vertical extent).

    Raises
    ------
    DataFormatError
        Broken hierarchy, wrong channel counts, zero frames or a unit that gives no human-sized body; the
        message names the file and line.
    InvalidSignalError
        NaN/inf values in the motion data (file and line named).
    """
    if isinstance(path, (str, Path)):
        src = source or str(path)
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            from ..core import DataNotFoundError

            raise DataNotFoundError(f"BVH file {path} does not exist") from None
    else:
        src = source or getattr(path, "name", "<bvh stream>")
        raw = path.read()
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return parse_bvh(text, source=str(src), unit=unit, include_end_sites=include_end_sites)

