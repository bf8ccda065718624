"""Daily and Sports Activities (Altun & Barshan 2010): 5 Xsens MTx units at 25 Hz, 19 activities, 8 subjects."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import G, descend, make_recording, progress, require, synthetic_imu, write_text

__all__ = ["CARD", "parse", "write_sample_files"]

#: Units in column order; each has 9 columns: acc xyz (m/s²), gyro xyz (rad/s), magnetometer xyz.
_UNITS = ("T", "RA", "LA", "RL", "LL")
#: Rows and columns of every segment file.
SEGMENT_SHAPE = (125, 45)

CARD = DatasetCard(
    name="dsads",
    title="Daily and Sports Activities (DSADS)",
    citation=(
        "K. Altun, B. Barshan, O. Tuncel. Comparative study on classifying human activities with miniature "
        "inertial and magnetic sensors. Pattern Recognition 43(10): 3605-3620, 2010."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/256/daily+and+sports+activities",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/256/daily+and+sports+activities.zip",
            filename="daily+and+sports+activities.zip",
        ),
    ),
    rate_hz=25.0,
    placements={"T": "spine3", "RA": "right_wrist", "LA": "left_wrist", "RL": "right_knee", "LL": "left_knee"},
    sensors={n: ("acc", "gyro") for n in ("spine3", "right_wrist", "left_wrist", "right_knee", "left_knee")},
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("lying on back", "Lying flat on the back, the body horizontal and still.", "static"),
            Activity("lying on right side", "Lying on the right side with the body horizontal and still.", "static"),
            Activity("ascending stairs", "Climbing a staircase, lifting each foot onto the next step.", "dynamic"),
            Activity("descending stairs", "Walking down a staircase one step at a time.", "dynamic"),
            Activity(
                "standing in an elevator",
                "Standing still inside a moving elevator that accelerates up or down.",
                "static",
            ),
            Activity(
                "moving around in an elevator",
                "Stepping and turning around inside a moving elevator.",
                "dynamic",
            ),
            Activity("walking in a parking lot", "Walking at a normal pace across open level ground.", "dynamic"),
            Activity("walking on a treadmill", "Walking steadily at 4 km/h on a flat treadmill belt.", "dynamic"),
            Activity(
                "walking on an inclined treadmill",
                "Walking at 4 km/h uphill on a treadmill inclined by 15 degrees.",
                "dynamic",
            ),
            Activity("running on a treadmill", "Running at 8 km/h on a treadmill with a bouncing stride.", "dynamic"),
            Activity(
                "exercising on a stepper",
                "Pressing alternately on the two pedals of a stair stepper machine.",
                "dynamic",
            ),
            Activity(
                "exercising on a cross trainer",
                "Striding on an elliptical cross trainer while pushing and pulling its handles.",
                "dynamic",
            ),
            Activity(
                "cycling on an exercise bike in horizontal position",
                "Pedalling a recumbent exercise bike while reclined.",
                "dynamic",
            ),
            Activity(
                "cycling on an exercise bike in vertical position",
                "Pedalling an upright exercise bike while seated.",
                "dynamic",
            ),
            Activity(
                "rowing",
                "Pulling a rowing machine handle to the chest while pushing with the legs, then sliding forward.",
                "dynamic",
            ),
            Activity("jumping", "Jumping up and down repeatedly on the spot with both feet.", "dynamic"),
            Activity(
                "playing basketball",
                "Dribbling, passing and shooting a basketball while moving around.",
                "dynamic",
            ),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 9)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 7 and 8 (the last two ids, fixed before any result) are held out.",
        test_subjects=("7", "8"),
    ),
    notes="""\
- Reads `data/a{01..19}/p{1..8}/s{01..60}.txt`: each a 5-s segment, 125 rows x 45 comma-separated columns, 9 per
  unit (acc xyz in m/s², gyro xyz in rad/s, magnetometer xyz) for the torso, right arm, left arm, right leg and
  left leg units. The 60 segments of one subject and activity are consecutive slices of one 5-min recording, so
  they are concatenated in segment order into one recording (metadata `segments`); a missing segment splits it.
- Placements: the torso unit sits on the chest (`spine3`), the arm units on the wrists and the leg units on the
  outer side of the knees (Altun et al. 2010). A unit on the knee is mapped to the knee node (shank segment)
  **(assumption: it may move partly with the thigh)**.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "multi-placement"),
    layout="data/aAA/pP/sSS.txt (125 rows x 45 comma-separated columns, 5 units x 9 channels)",
)

_NAME_RE = re.compile(r"(?:^|/)a(\d{2})/p(\d+)/s(\d{2})\.txt$")


def _read_segment(src, name: str) -> np.ndarray:
    """One 125 x 45 segment. A plain split-and-convert: 9,120 small files make pandas' per-call overhead dominate."""
    where = src.describe(name)
    lines = src.read_text(name).strip().splitlines()
    if len(lines) != SEGMENT_SHAPE[0]:
        raise DataFormatError(f"{where} has {len(lines)} rows; every DSADS segment holds 125 rows (5 s at 25 Hz). "
                              f"The file is truncated: re-download the dataset.")
    cells = ",".join(lines).split(",")
    if len(cells) != SEGMENT_SHAPE[0] * SEGMENT_SHAPE[1]:
        counts = [line.count(",") + 1 for line in lines]
        r = next(i for i, c in enumerate(counts) if c != SEGMENT_SHAPE[1])
        raise DataFormatError(f"{where}: row {r + 1} has {counts[r]} column(s); DSADS rows hold 45 comma-separated "
                              f"values (5 units x 9 channels). Check the delimiter and that the file is complete.")
    try:
        return np.asarray(cells, dtype=np.float64).reshape(SEGMENT_SHAPE)
    except ValueError:
        bad = next(c for c in cells if not _is_number(c))
        raise DataFormatError(f"{where} holds {bad!r}, not a number; the file is damaged, re-download it") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read DSADS segments, concatenated per subject and activity, as recordings in SI units.

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``data/aAA/pP/sSS.txt``.
    verbose : bool
        Show a progress bar.

    Yields
    ------
    Recording
        Five units (acc m/s², gyro rad/s) at 25 Hz, every sample labelled with the activity.
    """
    src = descend(open_source(source), "*a[0-9][0-9]/p*/s[0-9][0-9].txt")
    names = require(src, "*a[0-9][0-9]/p*/s[0-9][0-9].txt", "DSADS segment files",
                    f"download {CARD.files[0].url}, unpack it and pass the folder (or the zip)")
    groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    for n in names:
        m = _NAME_RE.search(n)
        if m:
            groups[(int(m.group(1)), m.group(2))].append((int(m.group(3)), n))
    if not groups:
        raise DataFormatError(f"no file in {src.path} is named like data/aAA/pP/sSS.txt (e.g. data/a01/p1/s01.txt)")
    ordered = sorted(groups.items(), key=lambda kv: (int(kv[0][1]), kv[0][0]))
    for (act, subject), segs in progress(ordered, verbose, "dsads"):
        if not 1 <= act <= len(CARD.vocabulary):
            raise DataFormatError(f"{src.describe(segs[0][1])}: activity folder a{act:02d} is outside a01..a19")
        segs.sort()
        runs: list[list[tuple[int, str]]] = [[segs[0]]]
        for s in segs[1:]:
            (runs[-1].append(s) if s[0] == runs[-1][-1][0] + 1 else runs.append([s]))
        for k, run in enumerate(runs):
            tables = []
            for _, name in run:
                tables.append(_read_segment(src, name))
            data = np.vstack(tables)
            acc = {CARD.placements[u]: data[:, 9 * j : 9 * j + 3] for j, u in enumerate(_UNITS)}
            gyro = {CARD.placements[u]: data[:, 9 * j + 3 : 9 * j + 6] for j, u in enumerate(_UNITS)}
            rid = f"a{act:02d}_p{subject}" + (f"_part{k + 1}" if len(runs) > 1 else "")
            yield make_recording(
                CARD, acc=acc, gyro=gyro, labels=np.full(data.shape[0], act - 1, dtype=np.int64), subject=subject,
                recording_id=rid, segments=[s for s, _ in run], activity_folder=f"a{act:02d}",
            )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Three 5-s segments each of sitting (a01) and jumping (a18) for subjects p1 and p2, 125 x 45 values."""
    rate = CARD.rate_hz
    for subject in (1, 2):
        for act, dynamic in ((1, False), (18, True)):
            for seg in (1, 2, 3):
                cols = []
                for _ in _UNITS:
                    acc_g, gyro = synthetic_imu(rng, 125, rate, dynamic)
                    cols += [acc_g * G, gyro, rng.normal(0, 0.5, (125, 3))]
                data = np.hstack(cols)
                text = "\n".join(",".join(f"{v:.6g}" for v in row) for row in data)
                write_text(Path(root) / "data" / f"a{act:02d}" / f"p{subject}" / f"s{seg:02d}.txt", text + "\n")
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {"sitting", "jumping"},
        "placements": {"spine3", "right_wrist", "left_wrist", "right_knee", "left_knee"},
        "has_gyro": True,
        "rate_hz": 25.0,
    }
