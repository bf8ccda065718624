"""MHEALTH (Banos et al. 2014): Shimmer2 units on chest, right wrist and left ankle at 50 Hz, 12 activities."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import (
    G,
    DEG2RAD,
    descend,
    make_recording,
    map_codes,
    progress,
    read_table,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

CARD = DatasetCard(
    name="mhealth",
    title="MHEALTH (Mobile Health) dataset",
    citation=(
        "O. Banos, R. Garcia, J. A. Holgado-Terriza, M. Damas, H. Pomares, I. Rojas, A. Saez, C. Villalonga. "
        "mHealthDroid: a novel framework for agile development of mobile health applications. "
        "IWAAL 2014, LNCS 8868, pp. 91-98."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/319/mhealth+dataset",
    files=(
        RemoteFile(url="https://archive.ics.uci.edu/static/public/319/mhealth+dataset.zip", filename="mhealth+dataset.zip"),
    ),
    rate_hz=50.0,
    placements={"chest": "spine3", "left-ankle": "left_ankle", "right-lower-arm": "right_wrist"},
    sensors={"spine3": ("acc",), "left_ankle": ("acc", "gyro"), "right_wrist": ("acc", "gyro")},
    units={"acc": "m/s^2", "gyro": "deg/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("standing still", "Standing upright and motionless on both feet.", "static"),
            Activity("sitting and relaxing", "Sitting relaxed on a chair with the trunk and limbs at rest.", "static"),
            Activity("lying down", "Lying flat on the back with the body horizontal and still.", "static"),
            Activity("walking", "Walking at a normal pace on level ground with alternating steps.", "dynamic"),
            Activity(
                "climbing stairs",
                "Walking up a flight of stairs, lifting each foot onto the next step.",
                "dynamic",
            ),
            Activity(
                "waist bends forward",
                "Repeatedly bending the trunk forward at the waist and straightening up again.",
                "dynamic",
            ),
            Activity(
                "frontal elevation of arms",
                "Raising both straight arms forward up to shoulder height or above and lowering them again.",
                "dynamic",
            ),
            Activity(
                "knees bending (crouching)",
                "Repeatedly bending the knees to crouch down and standing back up.",
                "dynamic",
            ),
            Activity("cycling", "Pedalling a bicycle while seated, the legs cranking in circles.", "dynamic"),
            Activity("jogging", "Jogging at a moderate pace with a short flight phase between steps.", "dynamic"),
            Activity("running", "Running fast with long strides and strong vertical impacts.", "dynamic"),
            Activity(
                "jump front and back",
                "Jumping with both feet together forward and then backward, repeatedly.",
                "dynamic",
            ),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 11)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 9 and 10 (the last two ids, fixed before any result) are held out.",
        test_subjects=("9", "10"),
    ),
    notes="""\
- Reads `MHEALTHDATASET/mHealth_subject{1..10}.log`: whitespace (tab) separated, 24 columns: chest acc (3),
  2-lead ECG (2), left-ankle acc, gyro, magnetometer (3 each), right-lower-arm acc, gyro, magnetometer (3 each),
  label. ECG and magnetometers are not read.
- Label 0 marks samples between activities (the NULL class): unlabelled (-1).
- Acceleration in m/s². Gyroscope in deg/s per the UCI page **(check)**: the values are small (|ω| mostly below
  a few units) for deg/s, yet UniMTS converts them from deg/s too; we follow the documentation and convert to rad/s.
- The chest unit has no gyroscope in the files; its node is acc-only. The README names the arm unit both
  "right wrist" and "right lower arm": it is worn at the wrist, so it maps to `right_wrist`.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "multi-placement"),
    layout="MHEALTHDATASET/mHealth_subjectN.log (24 tab-separated columns, label 0 = none)",
)

_NAME_RE = re.compile(r"(?:^|/)mHealth_subject(\d+)\.log$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read MHEALTH sessions (one per subject) as recordings in SI units.

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``MHEALTHDATASET/mHealth_subjectN.log``.
    verbose : bool
        Show a progress bar.

    Yields
    ------
    Recording
        Chest (acc only), left ankle and right wrist (acc in m/s², gyro in rad/s), 50 Hz, labels 0 -> -1.
    """
    src = descend(open_source(source), "*mHealth_subject*.log")
    names = [n for n in require(src, "*mHealth_subject*.log", "MHEALTH session logs",
                                f"download {CARD.files[0].url}, unpack it and pass the folder or the zip")
             if _NAME_RE.search(n)]
    names.sort(key=lambda n: int(_NAME_RE.search(n).group(1)))
    lookup = {code: code - 1 for code in range(1, 13)}
    for name in progress(names, verbose, "mhealth"):
        subject = _NAME_RE.search(name).group(1)
        table = read_table(src, name, sep=None, n_cols=24, what="24 columns: 23 channels + label")
        labels = map_codes(table[:, 23].astype(np.int64), lookup, src.describe(name), unlabelled=(0,))
        yield make_recording(
            CARD,
            acc={"spine3": table[:, 0:3], "left_ankle": table[:, 5:8], "right_wrist": table[:, 14:17]},
            gyro={"left_ankle": table[:, 8:11] * DEG2RAD, "right_wrist": table[:, 17:20] * DEG2RAD},
            labels=labels,
            subject=subject,
            recording_id=f"subject{subject}",
            source_file=name,
        )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Two synthetic subject logs (3 s NULL, 4 s standing still, 4 s jogging at 50 Hz) in the MHEALTH layout."""
    rate = CARD.rate_hz
    for subject in (1, 2):
        blocks = []
        for code, dynamic, n in ((0, False, 150), (1, False, 200), (10, True, 200)):
            b = np.zeros((n, 24))
            chest, _ = synthetic_imu(rng, n, rate, dynamic)
            ankle, ankle_w = synthetic_imu(rng, n, rate, dynamic)
            arm, arm_w = synthetic_imu(rng, n, rate, dynamic)
            b[:, 0:3] = chest * G
            b[:, 3:5] = rng.normal(0, 0.2, (n, 2))
            b[:, 5:8] = ankle * G
            b[:, 8:11] = np.rad2deg(ankle_w)
            b[:, 11:14] = rng.normal(0, 1, (n, 3))
            b[:, 14:17] = arm * G
            b[:, 17:20] = np.rad2deg(arm_w)
            b[:, 20:23] = rng.normal(0, 1, (n, 3))
            b[:, 23] = code
            blocks.append(b)
        data = np.vstack(blocks)
        text = "\n".join("\t".join(f"{v:.5g}" for v in row[:23]) + f"\t{int(row[23])}" for row in data)
        write_text(Path(root) / "MHEALTHDATASET" / f"mHealth_subject{subject}.log", text + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"1", "2"},
        "labels": {"standing still", "jogging"},
        "placements": {"spine3", "left_ankle", "right_wrist"},
        "has_gyro": True,
        "rate_hz": 50.0,
    }
