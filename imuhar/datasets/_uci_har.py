"""UCI-HAR / HAPT: a Samsung Galaxy S II on the waist, 30 subjects, 50 Hz.

Reads both forms the authors distribute:

* the raw HAPT form (``RawData/acc_expEE_userUU.txt``, ``RawData/gyro_expEE_userUU.txt``, ``RawData/labels.txt``,
  ``activity_labels.txt``): one continuous :class:`Recording` per experiment session (61 sessions), with the 6
  activities and the 6 postural transitions as per-sample labels;
* the windowed UCI-HAR release (``UCI HAR Dataset/{train,test}/Inertial Signals/...``): 128-sample windows with 50 %
  overlap. Consecutive windows of one subject whose overlapping halves agree are chained back into continuous
  recordings (first window whole, then the second half of each next one), so windows can be cut again at any
  length; a chain breaks where the subject changes or the halves disagree (a session boundary).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import UNLABELLED, DataFormatError, DataNotFoundError, InvalidParameterError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source, read_numeric_table
from ._loader_common import descend

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

G = 9.80665  # m/s^2 per g
RATE_HZ = 50.0
WINDOW = 128

# (name in activity_labels.txt, our name, kind, description)
_CLASSES = (
    ("WALKING", "walking", "dynamic", "Walking on level ground at a normal pace."),
    ("WALKING_UPSTAIRS", "walking upstairs", "dynamic", "Climbing a flight of stairs step by step."),
    ("WALKING_DOWNSTAIRS", "walking downstairs", "dynamic", "Walking down a flight of stairs step by step."),
    ("SITTING", "sitting", "static", "Sitting still on a chair."),
    ("STANDING", "standing", "static", "Standing still upright."),
    ("LAYING", "lying", "static", "Lying still on the back on a flat surface."),
    ("STAND_TO_SIT", "stand to sit", "transition", "Sitting down on a chair from standing."),
    ("SIT_TO_STAND", "sit to stand", "transition", "Standing up from sitting on a chair."),
    ("SIT_TO_LIE", "sit to lie", "transition", "Lying down from a sitting position."),
    ("LIE_TO_SIT", "lie to sit", "transition", "Sitting up from lying down."),
    ("STAND_TO_LIE", "stand to lie", "transition", "Lying down directly from standing."),
    ("LIE_TO_STAND", "lie to stand", "transition", "Getting up from lying down to standing."),
)
_FILE_NAMES = {c[0]: i for i, c in enumerate(_CLASSES)}
VOCABULARY = LabelVocabulary.from_names(
    [c[1] for c in _CLASSES], descriptions=[c[3] for c in _CLASSES], kinds=[c[2] for c in _CLASSES]
)
TEST_SUBJECTS = ("2", "4", "9", "10", "12", "13", "18", "20", "24")

CARD = DatasetCard(
    name="uci-har",
    title="UCI Human Activity Recognition Using Smartphones (with HAPT raw recordings)",
    citation=(
        "Reyes-Ortiz, J.-L., Oneto, L., Samà, A., Parra, X., Anguita, D. (2016). Transition-Aware Human Activity "
        "Recognition Using Smartphones. Neurocomputing 171, 754-767. Anguita, D., Ghio, A., Oneto, L., Parra, X., "
        "Reyes-Ortiz, J.-L. (2013). A Public Domain Dataset for Human Activity Recognition Using Smartphones. ESANN."
    ),
    license="CC BY 4.0",
    homepage="https://archive.ics.uci.edu/dataset/341",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/341/"
            "smartphone+based+recognition+of+human+activities+and+postural+transitions.zip",
            filename="uci-hapt.zip",
        ),
    ),
    rate_hz=RATE_HZ,
    placements={"smartphone on the waist": "pelvis"},
    sensors={"pelvis": ("acc", "gyro")},
    units={"acc": "g (total acceleration, gravity included)", "gyro": "rad/s"},
    vocabulary=VOCABULARY,
    subjects=tuple(str(i) for i in range(1, 31)),
    split=SplitRule(
        kind="given",
        description="The authors' subject split of UCI-HAR: 21 training subjects, 9 test subjects.",
        test_subjects=TEST_SUBJECTS,
    ),
    notes=(
        "- The benchmark task has the 6 activities; the 6 postural transitions (HAPT) are kept as their own labels "
        "and excluded by `load(..., benchmark=True)`, which turns their samples into unlabelled (-1).\n"
        "- Raw form: one recording per experiment session (61 sessions; subjects 1-30 did two each, subject 10 "
        "three). Label rows `exp user activity start end` use 0-based inclusive sample indices; samples outside "
        "every labelled segment are unlabelled (-1).\n"
        "- Windowed form (`UCI HAR Dataset/`, https://archive.ics.uci.edu/dataset/240): `total_acc_*` (g) and "
        "`body_gyro_*` (rad/s) windows of 128 samples with 50 % overlap are chained back into continuous recordings "
        "where consecutive windows' overlapping halves agree; each window's label covers its first 64 samples (the "
        "last window of a chain labels all 128). Its signals passed the authors' noise filter; the raw form did not.\n"
        "- The phone sat in a belt pouch at the waist; orientation varies little between subjects.\n"
        "- The archive's SHA-256 is not pinned: UCI re-packs archives; the digest of your download is recorded at "
        "download time and re-checked by `imuhar datasets verify`."
    ),
    tags=("phone", "waist", "acc+gyro", "transitions"),
    benchmark_labels=tuple(c[1] for c in _CLASSES[:6]),
    layout=(
        "RawData/acc_expEE_userUU.txt + RawData/gyro_expEE_userUU.txt + RawData/labels.txt (HAPT), or "
        "UCI HAR Dataset/{train,test}/Inertial Signals/*.txt + y_*.txt + subject_*.txt"
    ),
)

_RAW_RE = re.compile(r"(?:^|/)RawData/acc_exp(\d+)_user(\d+)\.txt$")


def _progress(items, verbose: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, disable=not verbose, leave=False)


def _read_activity_labels(src: DataSource, prefix: str) -> np.ndarray:
    """Map file activity ids (1-based) to our class ids, checking the names against the known ones."""
    candidates = src.glob(f"{prefix}activity_labels.txt") or src.glob("*activity_labels.txt")
    mapping = np.arange(len(_CLASSES))  # default: the documented order
    if not candidates:
        return mapping
    name = candidates[0]
    for line_no, line in enumerate(src.read_text(name).splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[0].isdigit():
            raise DataFormatError(
                f"{src.describe(name)} line {line_no} reads {line!r}; expected '<id> <NAME>' such as '1 WALKING'"
            )
        file_id, label = int(parts[0]), parts[1]
        if label not in _FILE_NAMES:
            raise DataFormatError(
                f"{src.describe(name)} line {line_no} names activity {label!r}, unknown to this loader; known "
                f"activities are {list(_FILE_NAMES)}"
            )
        if file_id < 1 or file_id > len(_CLASSES):
            raise DataFormatError(f"{src.describe(name)} line {line_no}: activity id {file_id} outside 1..12")
        mapping[file_id - 1] = _FILE_NAMES[label]
    return mapping


def _parse_raw(src: DataSource, verbose: bool) -> Iterator[Recording]:
    acc_files = [n for n in src.names if _RAW_RE.search(n)]
    prefix = acc_files[0][: acc_files[0].index("RawData/")]
    labels_name = f"{prefix}RawData/labels.txt"
    if not src.exists(labels_name):
        raise DataNotFoundError(
            f"{src.describe(labels_name)} is missing; the raw HAPT form needs RawData/labels.txt beside the "
            f"acc_/gyro_ files. Re-extract the complete archive."
        )
    id_map = _read_activity_labels(src, prefix)
    table = read_numeric_table(src, labels_name, n_columns=5).astype(np.int64)
    bad = (table[:, 2] < 1) | (table[:, 2] > len(_CLASSES))
    if bad.any():
        row = int(np.argmax(bad))
        raise DataFormatError(
            f"{src.describe(labels_name)} row {row + 1} has activity id {table[row, 2]}; ids run from 1 to "
            f"{len(_CLASSES)} (activity_labels.txt). The file may belong to another dataset version."
        )
    for name in _progress(acc_files, verbose, "uci-har"):
        exp, user = (int(v) for v in _RAW_RE.search(name).groups())
        gyro_name = name.replace("RawData/acc_exp", "RawData/gyro_exp")
        if not src.exists(gyro_name):
            raise DataNotFoundError(
                f"{src.describe(gyro_name)} is missing; every RawData/acc_expEE_userUU.txt needs its gyro_ twin"
            )
        acc = read_numeric_table(src, name, n_columns=3)
        gyro = read_numeric_table(src, gyro_name, n_columns=3)
        if len(acc) != len(gyro):
            raise DataFormatError(
                f"{src.describe(name)} has {len(acc)} rows but {src.describe(gyro_name)} has {len(gyro)}; the two "
                f"are sampled together and must have equal length (a truncated file?)"
            )
        labels = np.full(len(acc), UNLABELLED, dtype=np.int64)
        for _, _, act, start, end in table[(table[:, 0] == exp) & (table[:, 1] == user)]:
            if not 0 <= start <= end < len(acc):
                raise DataFormatError(
                    f"{src.describe(labels_name)}: segment {start}-{end} of experiment {exp} lies outside its "
                    f"{len(acc)} samples in {src.describe(name)}; the signal file may be truncated"
                )
            labels[start : end + 1] = id_map[act - 1]
        yield Recording(
            acc={"pelvis": acc * G},
            gyro={"pelvis": gyro},
            sample_rate_hz=RATE_HZ,
            labels=labels,
            vocabulary=VOCABULARY,
            subject=str(user),
            recording_id=f"exp{exp:02d}_user{user:02d}",
            metadata={"dataset": CARD.name, "form": "raw", "experiment": exp, "source": src.describe(name)},
        )


def _windowed_split(src: DataSource, root: str, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Windows of one split: acc (W, 128, 3) g, gyro (W, 128, 3) rad/s, labels (W,), subjects (W,)."""
    sig = f"{root}{split}/Inertial Signals/"
    acc = np.stack(
        [read_numeric_table(src, f"{sig}total_acc_{a}_{split}.txt", n_columns=WINDOW) for a in "xyz"], axis=-1
    )
    gyro = np.stack(
        [read_numeric_table(src, f"{sig}body_gyro_{a}_{split}.txt", n_columns=WINDOW) for a in "xyz"], axis=-1
    )
    y = read_numeric_table(src, f"{root}{split}/y_{split}.txt", n_columns=1)[:, 0].astype(np.int64)
    subj = read_numeric_table(src, f"{root}{split}/subject_{split}.txt", n_columns=1)[:, 0].astype(np.int64)
    lengths = {"total_acc": len(acc), "body_gyro": len(gyro), "y": len(y), "subject": len(subj)}
    if len(set(lengths.values())) != 1:
        raise DataFormatError(
            f"the {split} files under {src.describe(root + split)} disagree on the number of windows {lengths}; "
            f"a file is truncated, re-extract the archive"
        )
    bad = (y < 1) | (y > 6)
    if bad.any():
        raise DataFormatError(
            f"{src.describe(f'{root}{split}/y_{split}.txt')} row {int(np.argmax(bad)) + 1} has label "
            f"{y[bad][0]}; UCI-HAR labels run from 1 to 6"
        )
    return acc, gyro, y - 1, subj


def _parse_windowed(src: DataSource, verbose: bool) -> Iterator[Recording]:
    marker = src.glob("*train/Inertial Signals/total_acc_x_train.txt")[0]
    root = marker[: marker.index("train/Inertial Signals/")]
    half = WINDOW // 2
    for split in _progress(("train", "test"), verbose, "uci-har"):
        acc, gyro, y, subj = _windowed_split(src, root, split)
        # a chain continues where the subject is the same and the overlapping halves agree
        same = (subj[1:] == subj[:-1]) & np.all(
            np.isclose(acc[:-1, half:], acc[1:, :half], rtol=1e-5, atol=1e-7), axis=(1, 2)
        )
        starts = np.flatnonzero(np.r_[True, ~same])
        stops = np.r_[starts[1:], len(y)]
        for k, (a, b) in enumerate(zip(starts, stops)):
            idx = np.arange(a, b)
            sig_acc = np.concatenate([acc[idx[:-1], :half].reshape(-1, 3), acc[idx[-1]]])
            sig_gyro = np.concatenate([gyro[idx[:-1], :half].reshape(-1, 3), gyro[idx[-1]]])
            labels = np.concatenate([np.repeat(y[idx[:-1]], half), np.full(WINDOW, y[idx[-1]])])
            yield Recording(
                acc={"pelvis": sig_acc * G},
                gyro={"pelvis": sig_gyro},
                sample_rate_hz=RATE_HZ,
                labels=labels,
                vocabulary=VOCABULARY,
                subject=str(int(subj[a])),
                recording_id=f"{split}_{k:04d}",
                metadata={
                    "dataset": CARD.name,
                    "form": "windowed",
                    "split": split,
                    "windows": [int(a), int(b)],
                },
            )


def parse(source: str | Path | DataSource, *, verbose: bool = True, form: str = "auto") -> Iterator[Recording]:
    """Read UCI-HAR from a folder or archive.

    Parameters
    ----------
    source : path or DataSource
        Folder or zip holding ``RawData/`` (HAPT) or ``UCI HAR Dataset/`` (windowed release), at any depth.
    verbose : bool
        Progress bar.
    form : {"auto", "raw", "windowed"}
        Which form to read; ``"auto"`` prefers the raw form when both are present.

    Yields
    ------
    Recording
        Waist phone (node ``pelvis``), acc in m/s² with gravity, gyro in rad/s, 50 Hz, 12-class vocabulary.
    """
    if form not in ("auto", "raw", "windowed"):
        raise InvalidParameterError(f"form must be 'auto', 'raw' or 'windowed'; received {form!r}")
    src = open_source(source)
    raw_marker, windowed_marker = "*RawData/acc_exp*_user*.txt", "*train/Inertial Signals/total_acc_x_train.txt"
    if not src.glob(raw_marker) and not src.glob(windowed_marker):
        # UCI's download wraps the authors' archive ("UCI HAR Dataset.zip") in another zip: read the inner one
        src = descend(descend(src, raw_marker), windowed_marker)
    has_raw = any(_RAW_RE.search(n) for n in src.names)
    has_windowed = bool(src.glob(windowed_marker))
    if form == "raw" or (form == "auto" and has_raw):
        if not has_raw:
            raise DataNotFoundError(f"no RawData/acc_expEE_userUU.txt files in {src.path}; " + CARD.layout)
        yield from _parse_raw(src, verbose)
    elif has_windowed:
        yield from _parse_windowed(src, verbose)
    else:
        raise DataNotFoundError(
            f"neither the raw HAPT files nor the windowed UCI HAR release were found in {src.path}. Expected "
            f"{CARD.layout}. Download: {CARD.files[0].url}"
        )


def _synthetic_session(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Acc in g (gravity along x, as the phone stands upright in its pouch) and gyro in rad/s, shape (n, 3)."""
    t = np.arange(n) / RATE_HZ
    acc = np.c_[1.0 + 0.2 * np.sin(2 * np.pi * 1.8 * t), 0.05 * rng.standard_normal(n), 0.1 + 0.05 * rng.standard_normal(n)]
    gyro = np.c_[0.3 * np.sin(2 * np.pi * 1.8 * t), 0.1 * rng.standard_normal(n), 0.1 * rng.standard_normal(n)]
    return np.round(acc, 6), np.round(gyro, 6)


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Write a tiny raw HAPT layout: 3 sessions of 2 subjects, labels.txt, activity_labels.txt."""
    root = Path(root)
    raw = root / "RawData"
    raw.mkdir(parents=True, exist_ok=True)
    (root / "activity_labels.txt").write_text("".join(f"{i + 1} {c[0]}\n" for i, c in enumerate(_CLASSES)))
    sessions = [(1, 1, 600), (2, 1, 500), (3, 2, 550)]
    label_rows = []
    for exp, user, n in sessions:
        acc, gyro = _synthetic_session(rng, n)
        np.savetxt(raw / f"acc_exp{exp:02d}_user{user:02d}.txt", acc, fmt="%.6g")
        np.savetxt(raw / f"gyro_exp{exp:02d}_user{user:02d}.txt", gyro, fmt="%.6g")
    # walking, stand-to-sit transition, sitting; lying in session 3
    label_rows += [(1, 1, 1, 10, 249), (1, 1, 7, 250, 299), (1, 1, 4, 300, 589)]
    label_rows += [(2, 1, 2, 0, 199), (2, 1, 5, 200, 499)]
    label_rows += [(3, 2, 6, 50, 400), (3, 2, 12, 401, 460)]
    (raw / "labels.txt").write_text("".join(" ".join(map(str, r)) + "\n" for r in label_rows))
    return {
        "n_recordings": 3,
        "subjects": {"1", "2"},
        "labels": {"walking", "stand to sit", "sitting", "walking upstairs", "standing", "lying", "lie to stand"},
        "placements": {"pelvis"},
        "has_gyro": True,
        "rate_hz": RATE_HZ,
    }
