"""The canonical body: the 22 SMPL/HumanML3D body joints as named nodes, their tree and placement aliases.

A node stands for a point on the body *and* the segment a sensor there is attached to. Following SMPL and
BVH convention, a joint's rotation drives the bone from that joint towards its child, so a sensor at node
``left_hip`` moves with the left thigh, ``left_knee`` with the shank, ``left_shoulder`` with the upper arm and
``left_elbow`` with the forearm. The leaf nodes (``left_foot``, ``right_foot``, ``head``, ``left_wrist``,
``right_wrist``) have no child bone and move with their parent segment (foot, neck/head, forearm).

Placement aliases (what papers and dataset cards call a sensor location) resolve to one node each through
:data:`PLACEMENT_ALIASES`. Unsided limb aliases (``wrist``, ``thigh``, ``ankle`` ...) mean the right side, the
dominant-side convention of most benchmarks; write ``left_wrist`` etc. for the other side.

==================  =================  ================================================================
alias               node               why
==================  =================  ================================================================
waist, belt, hip    pelvis             worn at the pelvis, moves with it
lower_back          spine1             lumbar spine
back, upper_back    spine3             thoracic spine, between the shoulder blades
chest, torso        spine3             sternum level moves with the upper trunk
thigh, front_pocket right_hip          thigh segment (driven by the hip joint)
trouser_pocket      right_hip          same as front pocket
shin, shank, calf   right_knee         shank segment (driven by the knee joint)
ankle               right_ankle        just above the foot
foot, shoe          right_foot         on the foot
upper_arm           right_shoulder     upper-arm segment (driven by the shoulder joint)
forearm, lower_arm  right_elbow        forearm segment (driven by the elbow joint)
wrist, hand, watch  right_wrist        wrist point on the forearm segment
head                head
==================  =================  ================================================================

``left_``/``right_`` prefixed forms of every sided alias are accepted too (``left_thigh`` -> ``left_hip``).
"""

from __future__ import annotations


from ._errors import UnknownPlacementError

__all__ = [
    "NODES",
    "N_NODES",
    "NODE_PARENTS",
    "NODE_INDEX",
    "PLACEMENT_ALIASES",
    "resolve_placement",
    "node_index",
    "node_depths",
    "skeleton_edges",
]

#: The 22 canonical nodes in SMPL / HumanML3D joint order.
NODES: tuple[str, ...] = (
    "pelvis",
    "left_hip",
    "right_hip",
    "spine1",
    "left_knee",
    "right_knee",
    "spine2",
    "left_ankle",
    "right_ankle",
    "spine3",
    "left_foot",
    "right_foot",
    "neck",
    "left_collar",
    "right_collar",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
N_NODES: int = len(NODES)

#: Parent index of each node (-1 for the root), the SMPL kinematic tree.
NODE_PARENTS: tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)

NODE_INDEX: dict[str, int] = {name: i for i, name in enumerate(NODES)}

_SIDED_ALIASES: dict[str, str] = {
    "hip_joint": "hip",
    "thigh": "hip",
    "front_pocket": "hip",
    "trouser_pocket": "hip",
    "jeans_pocket": "hip",
    "pocket": "hip",
    "upper_leg": "hip",
    "shin": "knee",
    "shank": "knee",
    "calf": "knee",
    "lower_leg": "knee",
    "knee": "knee",
    "ankle": "ankle",
    "foot": "foot",
    "shoe": "foot",
    "toe": "foot",
    "collar": "collar",
    "clavicle": "collar",
    "shoulder": "shoulder",
    "upper_arm": "shoulder",
    "arm": "shoulder",
    "elbow": "elbow",
    "forearm": "elbow",
    "lower_arm": "elbow",
    "wrist": "wrist",
    "hand": "wrist",
    "watch": "wrist",
    "smartwatch": "wrist",
}

_CENTRAL_ALIASES: dict[str, str] = {
    "root": "pelvis",
    "waist": "pelvis",
    "belt": "pelvis",
    "hip": "pelvis",
    "hips": "pelvis",
    "pelvis": "pelvis",
    "lower_back": "spine1",
    "lumbar": "spine1",
    "abdomen": "spine2",
    "mid_back": "spine2",
    "back": "spine3",
    "upper_back": "spine3",
    "chest": "spine3",
    "torso": "spine3",
    "sternum": "spine3",
    "trunk": "spine3",
    "neck": "neck",
    "head": "head",
    "forehead": "head",
}


def _build_alias_table() -> dict[str, str]:
    table = {name: name for name in NODES}
    table.update(_CENTRAL_ALIASES)
    for alias, joint in _SIDED_ALIASES.items():
        table.setdefault(alias, f"right_{joint}")
        for side in ("left", "right"):
            table[f"{side}_{alias}"] = f"{side}_{joint}"
    return table


#: Every accepted placement name (lower case, ``_`` separated) and the node it resolves to.
PLACEMENT_ALIASES: dict[str, str] = _build_alias_table()


def _normalize(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").replace(".", " ").split())


def resolve_placement(name: str) -> str:
    """Map a placement name or alias to its canonical node name.

    Parameters
    ----------
    name : str
        A canonical node (``"right_wrist"``) or alias (``"Front pocket"``, ``"left-thigh"``); case, spaces and
        hyphens do not matter.

    Returns
    -------
    str
        One of :data:`NODES`.

    Raises
    ------
    UnknownPlacementError
        If ``name`` is neither a node nor an alias; the message lists the closest valid names.
    """
    if not isinstance(name, str):
        raise UnknownPlacementError(
            f"placement must be a string such as 'right_wrist' or 'waist'; received {type(name).__name__} {name!r}"
        )
    key = _normalize(name)
    try:
        return PLACEMENT_ALIASES[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, PLACEMENT_ALIASES, n=4, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownPlacementError(
            f"unknown placement {name!r}: use one of the 22 canonical nodes ({', '.join(NODES)}) or an alias "
            f"from imuhar.core.PLACEMENT_ALIASES (e.g. 'waist', 'thigh', 'wrist', 'left_ankle').{hint}"
        ) from None


def node_index(name: str) -> int:
    """Index in :data:`NODES` of a placement name or alias."""
    return NODE_INDEX[resolve_placement(name)]


def node_depths() -> tuple[int, ...]:
    """Number of bones between each node and the pelvis, shape (22,)."""
    depths: list[int] = []
    for parent in NODE_PARENTS:
        depths.append(0 if parent < 0 else depths[parent] + 1)
    return tuple(depths)


def skeleton_edges() -> list[tuple[int, int]]:
    """Undirected (child, parent) bones of the canonical tree as index pairs, 21 in all."""
    return [(i, p) for i, p in enumerate(NODE_PARENTS) if p >= 0]
