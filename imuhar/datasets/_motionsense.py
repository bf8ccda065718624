"""MotionSense (Malekzadeh et al. 2019): iPhone 6s in the front trouser pocket, CoreMotion at 50 Hz, 6 activities."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import G, descend, make_recording, progress, read_table, require, synthetic_imu, write_text

__all__ = ["CARD", "parse", "write_sample_files"]

#: Trial-folder prefixes -> class ids (vocabulary order).
_PREFIX = {"dws": 0, "ups": 1, "wlk": 2, "jog": 3, "sit": 4, "std": 5}
_GRAVITY = ("gravity.x", "gravity.y", "gravity.z")
_USER = ("userAcceleration.x", "userAcceleration.y", "userAcceleration.z")
_ROT = ("rotationRate.x", "rotationRate.y", "rotationRate.z")

CARD = DatasetCard(
    name="motionsense",
    title="MotionSense",
    citation=(
        "M. Malekzadeh, R. G. Clegg, A. Cavallaro, H. Haddadi. Mobile Sensor Data Anonymization. "
        "Proceedings of the International Conference on Internet of Things Design and Implementation (IoTDI), 2019."
    ),
    license="Open Data Commons Open Database License (ODbL) v1.0",
    homepage="https://github.com/mmalekzadeh/motion-sense",
    files=(
        RemoteFile(
            url="https://github.com/mmalekzadeh/motion-sense/raw/master/data/A_DeviceMotion_data.zip",
            filename="A_DeviceMotion_data.zip",
        ),
    ),
    rate_hz=50.0,
    placements={"front_pocket": "right_hip"},
    sensors={"right_hip": ("acc", "gyro")},
    units={"acc": "g", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("downstairs", "Walking down a staircase, stepping down one stair at a time.", "dynamic"),
            Activity("upstairs", "Walking up a staircase, lifting each leg onto the next stair.", "dynamic"),
            Activity("walking", "Walking at a normal pace on level ground.", "dynamic"),
            Activity("jogging", "Jogging with a bouncing gait and short flight phases.", "dynamic"),
            Activity("sitting", "Sitting on a chair with the thighs horizontal and the body still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 25)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 20-24 (the last five of 24 ids, about 21 %) are held out.",
        test_subjects=("20", "21", "22", "23", "24"),
    ),
    notes="""\
- Reads `A_DeviceMotion_data/<act>_<trial>/sub_<n>.csv` (act in dws, ups, wlk, jog, sit, std; 15 trials, 24
  subjects): an unnamed index column, attitude (roll, pitch, yaw), gravity, rotationRate and userAcceleration,
  columns found by header name; uniform 50 Hz without timestamps.
- CoreMotion splits acceleration into `gravity` and `userAcceleration`, both in g. Total acceleration is their
  sum. CoreMotion's sign is the opposite of the accelerometer convention used by every other dataset (a phone
  lying face up reports gravity as z = -1 g, where an Android phone or IMU reads +9.81 m/s²), so the sum is
  negated: acc = -(gravity + userAcceleration) x 9.80665 m/s². `rotationRate` is in rad/s.
- The phone was in the front trouser pocket; the side is not documented, so it is mapped to `right_hip`
  **(assumption)**. UniMTS wrote the same signal to both hips.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone"),
    layout="A_DeviceMotion_data/<act>_<trial>/sub_<n>.csv (CoreMotion gravity + userAcceleration in g, rotationRate)",
)

_NAME_RE = re.compile(r"(?:^|/)([a-z]{3})_(\d+)/sub_(\d+)\.csv$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read MotionSense device-motion trials as recordings (acc m/s² with gravity, gyro rad/s, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``A_DeviceMotion_data/<act>_<trial>/sub_<n>.csv``.
    verbose : bool
        Show a progress bar.
    """
    import pandas as pd

    src = descend(open_source(source), "*_*/sub_*.csv")
    names = [n for n in require(src, "*_*/sub_*.csv", "MotionSense device-motion trials",
                                f"download {CARD.files[0].url} and pass the folder or the zip")
             if _NAME_RE.search(n)]
    if not names:
        raise DataFormatError(f"no file in {src.path} is named like A_DeviceMotion_data/wlk_7/sub_1.csv")
    for name in progress(names, verbose, "motionsense"):
        act, trial, subject = _NAME_RE.search(name).groups()
        where = src.describe(name)
        if act not in _PREFIX:
            raise DataFormatError(f"{where}: trial folder prefix {act!r} is not one of {sorted(_PREFIX)}")
        df = read_table(src, name, sep=",", header=True, numeric=False, min_cols=9,
                        what="columns attitude.*, gravity.*, rotationRate.*, userAcceleration.*")
        missing = [c for c in (*_GRAVITY, *_USER, *_ROT) if c not in df.columns]
        if missing:
            raise DataFormatError(f"{where} lacks column(s) {missing}; found {list(map(str, df.columns))}")
        v = df[[*_GRAVITY, *_USER, *_ROT]].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
        if np.isnan(v).any():
            r = int(np.argwhere(np.isnan(v))[0][0])
            raise DataFormatError(f"{where}: row {r + 2} has an empty or non-numeric value; the file is truncated")
        acc = -(v[:, 0:3] + v[:, 3:6]) * G
        yield make_recording(
            CARD, acc={"right_hip": acc}, gyro={"right_hip": v[:, 6:9]},
            labels=np.full(v.shape[0], _PREFIX[act], dtype=np.int64), subject=subject,
            recording_id=f"{act}_{trial}_sub_{subject}", trial=int(trial), source_file=name,
        )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Trials wlk_7 and sit_5 for subjects 1 and 2 (4 s at 50 Hz), CoreMotion's sign and column layout."""
    header = ",attitude.roll,attitude.pitch,attitude.yaw," + ",".join((*_GRAVITY, *_ROT, *_USER))
    for folder, dynamic in (("wlk_7", True), ("sit_5", False)):
        for subject in (1, 2):
            n = 200
            acc_g, gyro = synthetic_imu(rng, n, CARD.rate_hz, dynamic)
            gravity = -np.tile(acc_g[:10].mean(0) / np.linalg.norm(acc_g[:10].mean(0)), (n, 1))
            user = -acc_g - gravity  # CoreMotion: gravity + userAcceleration = -(specific force) in g
            att = rng.uniform(-np.pi, np.pi, (n, 3))
            values = np.hstack([att, gravity, gyro, user])
            rows = [f"{i}," + ",".join(f"{x:.6f}" for x in values[i]) for i in range(n)]
            path = Path(root) / "A_DeviceMotion_data" / folder / f"sub_{subject}.csv"
            write_text(path, header + "\n" + "\n".join(rows) + "\n")
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {"walking", "sitting"},
        "placements": {"right_hip"},
        "has_gyro": True,
        "rate_hz": 50.0,
    }
