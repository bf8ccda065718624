"""UTD-MHAD: 27 actions x 8 subjects x 4 trials, one 6-axis inertial sensor at 50 Hz, plus Kinect v1 skeletons.

Inertial trials ``Inertial/aA_sS_tT_inertial.mat`` hold ``d_iner`` (N x 6: acc in g, gyro in deg/s). The sensor sat
on the right wrist for actions 1-21 and on the right thigh for actions 22-27: that placement is known from the
trial protocol, i.e. from the action itself. A zero-shot evaluation must not take it from the label, so
:func:`parse` offers ``placement="protocol"`` (the documented truth, default) or any fixed node for every trial
(``placement="right_wrist"``; ``"wrist"`` and other aliases work too).

Skeletons ``Skeleton/aA_sS_tT_skeleton.mat`` (``d_skel``, 20 x 3 x F, metres) are for the simulator:
:func:`skeleton_files` pairs them with their inertial trials; ``imuhar.simulate`` reads them.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import DataFormatError, DataNotFoundError, LabelVocabulary, Recording, resolve_placement
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source

__all__ = ["CARD", "KINECT_JOINTS", "UTDTrial", "parse", "skeleton_files", "write_sample_files"]

logger = logging.getLogger(__name__)

G = 9.80665
RATE_HZ = 50.0
N_ACTIONS = 27
WRIST_ACTIONS = range(1, 22)  # 1-21 right wrist, 22-27 right thigh

# (name, kind, description), action ids 1..27 in order
_ACTIONS = (
    ("right arm swipe to the left", "dynamic", "Swiping the right arm horizontally from right to left in front of the body."),
    ("right arm swipe to the right", "dynamic", "Swiping the right arm horizontally from left to right in front of the body."),
    ("right hand wave", "dynamic", "Waving the raised right hand from side to side."),
    ("two hand front clap", "dynamic", "Clapping both hands together in front of the chest."),
    ("right arm throw", "dynamic", "Throwing an imaginary object forward with the right arm overhand."),
    ("cross arms in the chest", "dynamic", "Crossing both forearms in front of the chest."),
    ("basketball shoot", "dynamic", "Shooting an imaginary basketball upwards with both hands."),
    ("right hand draw x", "dynamic", "Drawing a large letter X in the air with the right hand."),
    ("right hand draw circle clockwise", "dynamic", "Drawing a circle clockwise in the air with the right hand."),
    ("right hand draw circle counter clockwise", "dynamic", "Drawing a circle counter-clockwise in the air with the right hand."),
    ("draw triangle", "dynamic", "Drawing a triangle in the air with the right hand."),
    ("bowling", "dynamic", "Swinging the right arm back and forward low to roll an imaginary bowling ball."),
    ("front boxing", "dynamic", "Punching forward alternately with both fists."),
    ("baseball swing from right", "dynamic", "Swinging an imaginary baseball bat from the right side with both hands."),
    ("tennis right hand forehand swing", "dynamic", "Swinging an imaginary tennis racket forehand with the right hand."),
    ("arm curl", "dynamic", "Bending both elbows to curl the forearms up towards the shoulders and back down."),
    ("tennis serve", "dynamic", "Serving an imaginary tennis ball overhead with the right arm."),
    ("two hand push", "dynamic", "Pushing forward with both hands at chest height."),
    ("right hand knock on door", "dynamic", "Knocking on an imaginary door with the right fist."),
    ("right hand catch an object", "dynamic", "Reaching out with the right hand to catch an imaginary object."),
    ("right hand pick up and throw", "dynamic", "Bending to pick an object up from the floor with the right hand and throwing it."),
    ("jogging in place", "dynamic", "Jogging on the spot without moving forward."),
    ("walking in place", "dynamic", "Walking on the spot without moving forward."),
    ("sit to stand", "transition", "Standing up from sitting on a chair."),
    ("stand to sit", "transition", "Sitting down on a chair from standing."),
    ("forward lunge", "dynamic", "Stepping forward with the left foot into a lunge and back."),
    ("squat", "dynamic", "Squatting down with both arms stretched out in front and standing back up."),
)
VOCABULARY = LabelVocabulary.from_names(
    [a[0] for a in _ACTIONS], descriptions=[a[2] for a in _ACTIONS], kinds=[a[1] for a in _ACTIONS]
)

#: The 20 Kinect v1 joints in the order of ``d_skel``'s first axis (``Skeleton/Skeleton_joint_order.txt``).
KINECT_JOINTS: tuple[str, ...] = (
    "head", "shoulder_center", "spine", "hip_center", "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand", "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
)

CARD = DatasetCard(
    name="utd-mhad",
    title="UTD Multimodal Human Action Dataset (UTD-MHAD)",
    citation=(
        "Chen, C., Jafari, R., Kehtarnavaz, N. (2015). UTD-MHAD: A Multimodal Dataset for Human Action Recognition "
        "Utilizing a Depth Camera and a Wearable Inertial Sensor. IEEE International Conference on Image Processing "
        "(ICIP), 168-172."
    ),
    license="Research use; cite Chen, Jafari, Kehtarnavaz (ICIP 2015)",
    homepage="https://personal.utdallas.edu/~kehtar/UTD-MHAD.html",
    files=(
        RemoteFile(url="https://personal.utdallas.edu/~kehtar/UTD-MAD/Inertial.zip", filename="Inertial.zip"),
        RemoteFile(url="https://personal.utdallas.edu/~kehtar/UTD-MAD/Skeleton.zip", filename="Skeleton.zip"),
    ),
    rate_hz=RATE_HZ,
    placements={
        "inertial sensor, actions 1-21 (right wrist)": "right_wrist",
        "inertial sensor, actions 22-27 (right thigh)": "right_hip",
    },
    sensors={"right_wrist": ("acc", "gyro"), "right_hip": ("acc", "gyro")},
    units={"acc": "g", "gyro": "deg/s", "skeleton": "m"},
    vocabulary=VOCABULARY,
    subjects=tuple(str(i) for i in range(1, 9)),
    split=SplitRule(
        kind="given",
        description=(
            "The authors' cross-subject protocol: subjects 1, 3, 5, 7 train, subjects 2, 4, 6, 8 test."
        ),
        test_subjects=("2", "4", "6", "8"),
    ),
    notes=(
        "- 861 inertial trials (27 actions x 8 subjects x 4 trials, 3 missing in the official release), one "
        "recording per trial, every sample labelled with the trial's action.\n"
        "- **Placement is known from the trial protocol**: right wrist for actions 1-21, right thigh (node "
        "`right_hip`, the thigh segment) for actions 22-27. Choosing the node from the label leaks the label group "
        "into a zero-shot input (UniMTS did so). `parse(..., placement='right_wrist')` (or any node/alias) puts "
        "every trial at one fixed node, so a zero-shot evaluation sees only what a user would know beforehand; "
        "`metadata['placement_source']` records which mode produced a recording.\n"
        "- Skeletons: 20 Kinect v1 joints (`KINECT_JOINTS`), metres, nominally 30 fps, but skeleton and inertial "
        "cover the same span, so the effective skeleton rate (about 19 Hz) is derived from the duration. "
        "`skeleton_files(source)` lists the pairs for the simulator.\n"
        "- The download URLs follow the homepage's links (they could not be checked from an offline build); "
        "their SHA-256 is not pinned, so the digest of a download is recorded in its manifest."
    ),
    tags=("wrist", "thigh", "acc+gyro", "skeleton", "actions"),
    layout="Inertial/aA_sS_tT_inertial.mat (d_iner, N x 6) [+ Skeleton/aA_sS_tT_skeleton.mat (d_skel, 20 x 3 x F)]",
)

_NAME_RE = re.compile(r"(?:^|/)a(\d+)_s(\d+)_t(\d+)_(inertial|skeleton)\.mat$")


@dataclass(frozen=True)
class UTDTrial:
    """One UTD-MHAD trial: its ids and the relative paths of its files inside ``source`` (``None`` if absent).

    ``source.open(trial.skeleton)`` opens the skeleton file for reading, whether ``source`` is a folder or a zip;
    :attr:`skeleton_path` is a filesystem path when the source is a folder.
    """

    action: int
    subject: str
    trial: int
    inertial: str | None
    skeleton: str | None
    source: DataSource

    @property
    def label(self) -> str:
        """Action name."""
        return VOCABULARY[self.action - 1].name

    @property
    def skeleton_path(self) -> Path | None:
        """Filesystem path of the skeleton file (``None`` inside a zip archive or when absent)."""
        if self.skeleton is None or self.source.path.is_file():
            return None
        return self.source.path / self.skeleton

    @property
    def inertial_path(self) -> Path | None:
        """Filesystem path of the inertial file (``None`` inside a zip archive or when absent)."""
        if self.inertial is None or self.source.path.is_file():
            return None
        return self.source.path / self.inertial


def _index(src: DataSource) -> dict[tuple[int, int, int], dict[str, str]]:
    trials: dict[tuple[int, int, int], dict[str, str]] = {}
    for name in src.names:
        m = _NAME_RE.search(name)
        if m is None:
            continue
        a, s, t = (int(v) for v in m.groups()[:3])
        if not 1 <= a <= N_ACTIONS:
            raise DataFormatError(
                f"{src.describe(name)} names action a{a}; UTD-MHAD actions run from a1 to a{N_ACTIONS}. "
                f"Remove the file or check that it belongs to UTD-MHAD."
            )
        trials.setdefault((a, s, t), {})[m.group(4)] = name
    return trials


def skeleton_files(source: str | Path | DataSource) -> list[UTDTrial]:
    """Every trial with a skeleton file, paired with its inertial file, sorted by (action, subject, trial).

    Parameters
    ----------
    source : path or DataSource
        Folder or archive holding ``Skeleton/`` (and usually ``Inertial/``).

    Raises
    ------
    DataNotFoundError
        If no ``aA_sS_tT_skeleton.mat`` file is found.
    """
    src = open_source(source)
    trials = [
        UTDTrial(a, str(s), t, files.get("inertial"), files["skeleton"], src)
        for (a, s, t), files in sorted(_index(src).items())
        if "skeleton" in files
    ]
    if not trials:
        raise DataNotFoundError(
            f"no Skeleton/aA_sS_tT_skeleton.mat files in {src.path}; download Skeleton.zip from {CARD.homepage}"
        )
    return trials


def _read_inertial(src: DataSource, name: str) -> np.ndarray:
    from scipy.io import loadmat

    try:
        mat = loadmat(io.BytesIO(src.read_bytes(name)))
    except Exception as exc:  # scipy raises ValueError/TypeError/MatReadError for broken files
        raise DataFormatError(
            f"{src.describe(name)} is not a readable MATLAB file ({exc}); re-download Inertial.zip"
        ) from None
    if "d_iner" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise DataFormatError(
            f"{src.describe(name)} has no variable 'd_iner' (found {keys}); UTD-MHAD inertial files store an N x 6 "
            f"matrix d_iner"
        )
    d = np.asarray(mat["d_iner"], dtype=np.float64)
    if d.ndim != 2 or d.shape[1] != 6 or d.shape[0] < 2:
        raise DataFormatError(
            f"{src.describe(name)}: d_iner has shape {d.shape}; expected N x 6 (acc x,y,z in g, gyro x,y,z in deg/s)"
        )
    if not np.isfinite(d).all():
        raise DataFormatError(f"{src.describe(name)}: d_iner holds NaN/inf values; re-download Inertial.zip")
    return d


def protocol_placement(action: int) -> str:
    """Node the sensor sat at in the documented protocol: right wrist for actions 1-21, right thigh for 22-27."""
    return "right_wrist" if action in WRIST_ACTIONS else "right_hip"


def parse(
    source: str | Path | DataSource,
    *,
    verbose: bool = True,
    placement: str = "protocol",
) -> Iterator[Recording]:
    """Read the inertial trials of UTD-MHAD, one :class:`Recording` per trial.

    Parameters
    ----------
    source : path or DataSource
        Folder or archive holding ``Inertial/aA_sS_tT_inertial.mat`` (at any depth).
    verbose : bool
        Progress bar.
    placement : str
        ``"protocol"``: the documented node (right wrist for actions 1-21, right thigh = ``right_hip`` for 22-27),
        which depends on the action. Any node or alias (``"right_wrist"``, ``"wrist"``, ``"right_thigh"``):
        every trial at that node, independent of the label; use this for zero-shot evaluation.

    Yields
    ------
    Recording
        50 Hz, acc in m/s² (gravity included), gyro in rad/s, every sample labelled with the action.
    """
    fixed = None if placement == "protocol" else resolve_placement(placement)
    src = open_source(source)
    trials = [(k, f["inertial"]) for k, f in sorted(_index(src).items()) if "inertial" in f]
    if not trials:
        raise DataNotFoundError(
            f"no Inertial/aA_sS_tT_inertial.mat files in {src.path}. Expected {CARD.layout}; download "
            f"{CARD.files[0].url}"
        )
    from tqdm.auto import tqdm

    for (a, s, t), name in tqdm(trials, desc="utd-mhad", disable=not verbose, leave=False):
        d = _read_inertial(src, name)
        node = fixed or protocol_placement(a)
        yield Recording(
            acc={node: d[:, :3] * G},
            gyro={node: np.deg2rad(d[:, 3:])},
            sample_rate_hz=RATE_HZ,
            labels=np.full(d.shape[0], a - 1, dtype=np.int64),
            vocabulary=VOCABULARY,
            subject=str(s),
            recording_id=f"a{a}_s{s}_t{t}",
            metadata={
                "dataset": CARD.name,
                "action": a,
                "trial": t,
                "placement_source": "protocol" if fixed is None else "fixed",
            },
        )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Write 4 inertial trials (2 wrist actions, 2 thigh actions, 2 subjects) and 2 skeletons as .mat files."""
    from scipy.io import savemat

    root = Path(root)
    (root / "Inertial").mkdir(parents=True, exist_ok=True)
    (root / "Skeleton").mkdir(parents=True, exist_ok=True)
    trials = [(3, 1, 1), (15, 2, 1), (22, 1, 2), (27, 2, 4)]
    for a, s, t in trials:
        n = int(rng.integers(120, 200))
        tt = np.arange(n) / RATE_HZ
        acc_g = np.c_[-0.95 + 0.3 * np.sin(2 * np.pi * tt), 0.2 * np.cos(2 * np.pi * tt), -0.2 + 0.05 * rng.standard_normal(n)]
        gyro_dps = np.c_[120 * np.sin(2 * np.pi * tt), 40 * rng.standard_normal(n), 60 * np.cos(2 * np.pi * tt)]
        savemat(root / "Inertial" / f"a{a}_s{s}_t{t}_inertial.mat", {"d_iner": np.c_[acc_g, gyro_dps]})
    for a, s, t in trials[:2]:
        frames = int(rng.integers(40, 60))
        skel = rng.normal(0.0, 0.3, size=(20, 3, frames)) + np.array([0.0, 0.0, 2.5])[None, :, None]
        savemat(root / "Skeleton" / f"a{a}_s{s}_t{t}_skeleton.mat", {"d_skel": skel})
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {_ACTIONS[a - 1][0] for a, _, _ in trials},
        "placements": {"right_wrist", "right_hip"},
        "has_gyro": True,
        "rate_hz": RATE_HZ,
    }
