"""Which joints of a rig carry each canonical node: tables for known rigs, name matching for the rest.

A node is a point plus the segment a sensor there is strapped to (see :mod:`imuhar.core._placements`). For a
rig, each node therefore names a *position* (a joint, or a point between two joints of one segment) and a
*rotation joint* (the joint whose global rotation is the segment's orientation). Leaf nodes follow the
physical sensor: a watch at ``right_wrist`` sits at the wrist joint but turns with the forearm; a shoe sensor at
``right_foot`` sits at the toe joint and turns with the foot; ``head`` turns with the head.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..core import NODES, InvalidParameterError, resolve_placement

__all__ = ["NodeSource", "RIG_TABLES", "detect_rig", "resolve_mapping", "match_joint_names"]


@dataclass(frozen=True)
class NodeSource:
    """Where a canonical node sits on a rig.

    Attributes
    ----------
    position : tuple of (joint name, weight)
        The sensor origin is ``sum(weight * position(joint))``; weights sum to 1. One joint in most cases; two
        for nodes between joints of a coarse rig (``spine2`` halfway along a single spine bone).
    rotation : str
        Joint whose global rotation is the orientation of the segment carrying the sensor.
    """

    position: tuple[tuple[str, float], ...]
    rotation: str

    @classmethod
    def at(cls, joint: str, rotation: str | None = None) -> "NodeSource":
        return cls(((joint, 1.0),), rotation or joint)

    @classmethod
    def between(cls, a: str, b: str, t: float, rotation: str) -> "NodeSource":
        return cls(((a, 1.0 - t), (b, t)), rotation)

    @property
    def joints(self) -> set[str]:
        return {j for j, _ in self.position} | {self.rotation}


def _sided(table: dict[str, NodeSource], fmt: str, parts: Mapping[str, tuple]) -> None:
    """Fill left/right nodes from a name pattern (``fmt`` with ``{side}`` and ``{part}``)."""
    for side_node, side in (("left", "L"), ("right", "R")):
        for node, spec in parts.items():
            names = [fmt.format(side=side, Side="Left" if side == "L" else "Right", part=p) for p in spec]
            table[f"{side_node}_{node}"] = NodeSource.at(names[0], names[1] if len(names) > 1 else None)


def _bandai() -> dict[str, NodeSource]:
    t = {
        "pelvis": NodeSource.at("Hips"),
        "spine1": NodeSource.at("Spine"),
        "spine2": NodeSource.between("Spine", "Chest", 0.5, "Spine"),
        "spine3": NodeSource.at("Chest"),
        "neck": NodeSource.at("Neck"),
        "head": NodeSource.at("Head"),
    }
    _sided(
        t,
        "{part}_{side}",
        {
            "hip": ("UpperLeg",),
            "knee": ("LowerLeg",),
            "ankle": ("Foot",),
            "foot": ("Toes", "Foot"),
            "collar": ("Shoulder",),
            "shoulder": ("UpperArm",),
            "elbow": ("LowerArm",),
            "wrist": ("Hand", "LowerArm"),
        },
    )
    return t


def _cmu() -> dict[str, NodeSource]:
    t = {
        "pelvis": NodeSource.at("Hips"),
        "spine1": NodeSource.at("Spine"),
        "spine2": NodeSource.between("Spine", "Spine1", 0.5, "Spine"),
        "spine3": NodeSource.at("Spine1"),
        "neck": NodeSource.at("Neck"),
        "head": NodeSource.at("Head"),
    }
    _sided(
        t,
        "{Side}{part}",
        {
            "hip": ("UpLeg",),
            "knee": ("Leg",),
            "ankle": ("Foot",),
            "foot": ("ToeBase", "Foot"),
            "collar": ("Shoulder",),
            "shoulder": ("Arm",),
            "elbow": ("ForeArm",),
            "wrist": ("Hand", "ForeArm"),
        },
    )
    return t


def _iclone() -> dict[str, NodeSource]:
    t = {
        "pelvis": NodeSource.at("CC_Base_Hip", "CC_Base_Pelvis"),
        "spine1": NodeSource.at("CC_Base_Waist"),
        "spine2": NodeSource.at("CC_Base_Spine01"),
        "spine3": NodeSource.at("CC_Base_Spine02"),
        "neck": NodeSource.at("CC_Base_NeckTwist01"),
        "head": NodeSource.at("CC_Base_Head"),
    }
    _sided(
        t,
        "CC_Base_{side}_{part}",
        {
            "hip": ("Thigh",),
            "knee": ("Calf",),
            "ankle": ("Foot",),
            "foot": ("ToeBase", "Foot"),
            "collar": ("Clavicle",),
            "shoulder": ("Upperarm",),
            "elbow": ("Forearm",),
            "wrist": ("Hand", "Forearm"),
        },
    )
    return t


def _mixamo() -> dict[str, NodeSource]:
    t = _cmu()
    t["spine2"] = NodeSource.at("Spine1")
    t["spine3"] = NodeSource.at("Spine2")
    return {k: NodeSource(tuple((f"mixamorig:{j}", w) for j, w in v.position), f"mixamorig:{v.rotation}") for k, v in t.items()}


def _canonical() -> dict[str, NodeSource]:
    t = {n: NodeSource.at(n) for n in NODES}
    t["left_foot"] = NodeSource.at("left_foot", "left_ankle")
    t["right_foot"] = NodeSource.at("right_foot", "right_ankle")
    t["left_wrist"] = NodeSource.at("left_wrist", "left_elbow")
    t["right_wrist"] = NodeSource.at("right_wrist", "right_elbow")
    t["head"] = NodeSource.at("head", "neck")
    return t


#: Joint tables per known rig: rig name -> canonical node -> :class:`NodeSource`.
RIG_TABLES: dict[str, dict[str, NodeSource]] = {
    "bandai_namco": _bandai(),
    "cmu": _cmu(),
    "iclone": _iclone(),
    "mixamo": _mixamo(),
    "smpl": _canonical(),
}


def detect_rig(joint_names: Sequence[str], min_fraction: float = 0.5) -> str:
    """The rig of :data:`RIG_TABLES` whose nodes are best covered by ``joint_names``, else ``"unknown"``.

    A rig qualifies when at least ``min_fraction`` of its table's nodes find all their joints (partial rigs,
    such as an upper-body capture, are still recognised; their missing nodes fall back to name matching).
    """
    names = set(joint_names)
    best, best_score = "unknown", 0.0
    for rig, table in RIG_TABLES.items():
        score = sum(src.joints <= names for src in table.values()) / len(table)
        if score >= min_fraction and score > best_score:
            best, best_score = rig, score
    return best


# ---------------------------------------------------------------------------------------------- name matching
# Base names per node part, most specific first; sides are matched separately.
_PART_NAMES: dict[str, tuple[str, ...]] = {
    "pelvis": ("pelvis", "hips", "hip", "root"),
    "spine1": ("lowerback", "spine", "spine0", "waist", "abdomen"),
    "spine2": ("spine1", "midback", "spine01"),
    "spine3": ("chest", "spine2", "upperchest", "spine02", "thorax"),
    "neck": ("neck", "neck1", "necktwist01"),
    "head": ("head",),
    "hip": ("upleg", "upperleg", "thigh", "femur", "hip"),
    "knee": ("leg", "lowerleg", "calf", "shin", "knee", "tibia"),
    "ankle": ("foot", "ankle"),
    "foot": ("toebase", "toes", "toe", "ball"),
    "collar": ("shoulder", "clavicle", "collar"),
    "shoulder": ("arm", "upperarm", "humerus"),
    "elbow": ("forearm", "lowerarm", "elbow"),
    "wrist": ("hand", "wrist"),
}
_LEAF_ROTATION_FROM_PARENT = {"foot", "wrist"}


def _normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _strip_common_prefix(names: Sequence[str]) -> list[str]:
    norm = [_normalize(n) for n in names]
    if len(norm) < 2:
        return norm
    prefix = norm[0]
    for n in norm[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    # keep at least one character of every name
    cut = min(len(prefix), min(len(n) for n in norm) - 1)
    return [n[cut:] for n in norm]


def match_joint_names(joint_names: Sequence[str], parents: Sequence[int]) -> dict[str, NodeSource]:
    """Guess a node table for an unknown rig from its joint names.

    Names are lower-cased, stripped of punctuation and of a prefix shared by all joints (``mixamorig:``,
    ``CC_Base_``), then compared with common spellings per body part (``LeftUpLeg``, ``l_thigh``, ``Thigh_L``
    ...). Nodes without a match are left out.

    Returns
    -------
    dict of node name to NodeSource
    """
    stripped = _strip_common_prefix(joint_names)
    lookup: dict[str, int] = {}
    for i, n in enumerate(stripped):
        lookup.setdefault(n, i)
    out: dict[str, NodeSource] = {}
    for node in NODES:
        side, part = (node.split("_", 1) if node.startswith(("left_", "right_")) else ("", node))
        bases = _PART_NAMES[part]
        candidates: list[str] = []
        for b in bases:
            if side:
                s, lr = side, side[0]
                candidates += [f"{s}{b}", f"{b}{s}", f"{lr}{b}", f"{b}{lr}"]
            else:
                candidates.append(b)
        hit = next((lookup[c] for c in candidates if c in lookup), None)
        if hit is None:
            continue
        joint = joint_names[hit]
        rot = joint
        if part in _LEAF_ROTATION_FROM_PARENT and parents[hit] >= 0:
            rot = joint_names[parents[hit]]
        out[node] = NodeSource.at(joint, rot)
    # the central names 'hip'/'spine' may also be picked by sided parts: keep the pelvis distinct from the hips
    return out


def resolve_mapping(
    joint_names: Sequence[str],
    parents: Sequence[int],
    nodes: Sequence[str],
    *,
    rig: str = "unknown",
    mapping: Mapping[str, object] | None = None,
    source: str = "motion",
) -> dict[str, NodeSource]:
    """The :class:`NodeSource` of each requested node for a rig.

    Parameters
    ----------
    joint_names, parents : sequences
        The rig's joints.
    nodes : sequence of str
        Canonical nodes or placement aliases to resolve.
    rig : str
        Known rig name (a key of :data:`RIG_TABLES`); ``"unknown"`` detects it from the names, then falls back
        to name matching.
    mapping : mapping, optional
        Explicit entries that override the table: node (or alias) -> joint name, ``(position joint, rotation
        joint)`` or a :class:`NodeSource`.
    source : str
        Used in error messages.

    Raises
    ------
    InvalidParameterError
        If a requested node has no joint, or an explicit entry names a joint the rig does not have.
    """
    names = list(joint_names)
    name_set = set(names)
    if rig not in RIG_TABLES:
        rig = detect_rig(names)
    table: dict[str, NodeSource] = {}
    if rig in RIG_TABLES:
        table = {n: src for n, src in RIG_TABLES[rig].items() if src.joints <= name_set}
    wanted = {resolve_placement(n) for n in nodes} | {resolve_placement(k) for k in (mapping or {})}
    if not wanted <= set(table):
        # the rig's table wins wherever its joints exist; name matching fills the rest
        table = {**match_joint_names(names, parents), **table}
    for key, value in (mapping or {}).items():
        node = resolve_placement(key)
        if isinstance(value, NodeSource):
            table[node] = value
        elif isinstance(value, str):
            table[node] = NodeSource.at(value)
        elif isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
            table[node] = NodeSource.at(value[0], value[1])
        else:
            raise InvalidParameterError(
                f"mapping[{key!r}] must be a joint name, a (position joint, rotation joint) pair or a NodeSource; "
                f"received {value!r}"
            )
        missing = table[node].joints - name_set
        if missing:
            raise InvalidParameterError(
                f"{source}: mapping[{key!r}] names joint(s) {sorted(missing)} that the rig does not have; joints "
                f"are {names}"
            )
    out: dict[str, NodeSource] = {}
    for n in nodes:
        node = resolve_placement(n)
        if node not in table:
            raise InvalidParameterError(
                f"{source}: no joint of this rig (detected: {rig!r}) carries node {node!r}. Pass "
                f"mapping={{'{node}': '<joint name>'}}; joints are {names}"
            )
        out[node] = table[node]
    return out
