"""w-HAR (Bhat et al. 2020): one IMU on the right ankle at 250 Hz, 7 activities plus transitions, 22 users."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import (
    descend,
    G,
    align_streams,
    infer_gyro_scale,
    make_recording,
    map_codes,
    progress,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

#: Label strings (lower-cased, letters only) -> class ids; transitions and undefined samples are unlabelled.
_LABELS = {
    "jump": 0, "jumping": 0,
    "liedown": 1, "laydown": 1, "lie": 1, "lying": 1,
    "sit": 2, "sitting": 2,
    "stand": 3, "standing": 3,
    "walk": 4, "walking": 4,
    "stairsup": 5, "upstairs": 5, "walkingupstairs": 5,
    "stairsdown": 6, "downstairs": 6, "walkingdownstairs": 6,
}
_UNLABELLED = ("transition", "undefined", "unknown", "unkown", "jumpundefined", "nan", "")
#: A pause longer than this (s) inside a trial splits it.
MAX_GAP_S = 1.0
_HEADER = ("Time (s)", "User", "Scenerio", "Trial", "Ax", "Ay", "Az", "GyroX", "GyroY", "GyroZ")

CARD = DatasetCard(
    name="w-har",
    title="w-HAR: wearable human activity recognition with stretch sensor and IMU",
    citation=(
        "G. Bhat, N. Tran, H. Shill, U. Y. Ogras. w-HAR: An Activity Recognition Dataset and Framework Using "
        "Low-Power Wearable Devices. Sensors 20(18): 5356, 2020."
    ),
    license="Research use; cite Bhat et al. (2020) (github.com/gmbhat/human-activity-recognition)",
    homepage="https://github.com/gmbhat/human-activity-recognition",
    files=(
        RemoteFile(
            url="https://github.com/gmbhat/human-activity-recognition/raw/master/datasets/raw_data/motion_data_22_users.csv",
            filename="motion_data_22_users.csv",
            manual="the file is stored with Git LFS; if the URL returns a small pointer file, clone the repository with git-lfs",
        ),
    ),
    rate_hz=250.0,
    placements={"ankle": "right_ankle"},
    sensors={"right_ankle": ("acc", "gyro")},
    units={"acc": "g", "gyro": "rad/s per README, deg/s per UniMTS (detected, check)"},
    vocabulary=LabelVocabulary(
        (
            Activity("jump", "Jumping up with both feet leaving the ground and landing again.", "dynamic"),
            Activity("lie down", "Lying on the back with the legs stretched out and still.", "static"),
            Activity("sit", "Sitting on a chair with the feet resting on the floor.", "static"),
            Activity("stand", "Standing upright and still on both feet.", "static"),
            Activity("walk", "Walking at a normal pace with alternating steps.", "dynamic"),
            Activity("stairs up", "Walking up stairs, lifting each foot onto the next step.", "dynamic"),
            Activity("stairs down", "Walking down stairs, lowering each foot to the next step.", "dynamic"),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 23)),
    split=SplitRule(
        kind="given",
        description="No official split; users 19-22 (the last four of 22 ids, about 18 %) are held out (ids: check).",
        test_subjects=("19", "20", "21", "22"),
    ),
    notes="""\
- Reads `motion_data_22_users.csv` (or `.txt`): a header `Time (s),User,Scenerio,Trial,Ax,Ay,Az,GyroX,GyroY,GyroZ`
  that names 10 columns while every row has 11: the 11th is the activity name (`walk`, `sit`, `stand`,
  `lie down`, `jump`, `stairs up`, `stairs down`, `transition`, `undefined` ...; spelling variants are accepted).
- One recording per (user, scenario, trial); `Time (s)` restarts at 0 for each. Samples are placed on a uniform
  250 Hz grid by that time column with `imuhar.preprocessing.resample_irregular` (linear for signals, nearest
  for labels); a pause over 1 s splits the trial.
- Acc in g (forward, down, lateral axes) -> m/s². The gyroscope unit is contradictory: the authors' README says
  rad/s, UniMTS converts from deg/s. It is detected per file from its range (a 99th-percentile rate above
  20 means deg/s) and recorded in `metadata["gyro_unit_in_file"]` **(check)**.
- Transitions and undefined samples are unlabelled (-1): the benchmark has the 7 activities. The IMU is on the
  right ankle; the stretch sensor (knee, `stretch_data_22_users.csv`) is not read. User ids are taken from the
  file; the card assumes 1-22 **(check)**.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro"),
    layout="motion_data_22_users.csv (Time (s),User,Scenerio,Trial,Ax..Az,GyroX..GyroZ + an unnamed label column)",
)


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read w-HAR motion data as recordings per user, scenario and trial (right-ankle acc m/s², gyro rad/s).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``motion_data_22_users.csv``.
    verbose : bool
        Show a progress bar.
    """
    import pandas as pd

    src = descend(open_source(source), "*motion_data_*users*")
    names = [n for n in require(src, "*motion_data_*users*", "the w-HAR motion file (motion_data_22_users.csv)",
                                f"download {CARD.files[0].url} and pass its folder") if n.lower().endswith((".csv", ".txt"))]
    names = [n for n in names if "with_window" not in n] or names
    name = names[0]
    where = src.describe(name)
    text = src.read_text(name)
    header, _, body = text.partition("\n")
    if "User" not in header or not body.strip():
        raise DataFormatError(f"{where}: expected a header {','.join(_HEADER)} followed by data rows")
    try:
        df = pd.read_csv(io.StringIO(body), header=None, sep=",", engine="c", skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFormatError(f"{where} is not comma-separated as documented: {str(exc).splitlines()[0]}") from None
    if df.shape[1] != 11:
        raise DataFormatError(
            f"{where} rows have {df.shape[1]} fields; w-HAR rows hold 10 numbers (time, user, scenario, trial, "
            f"Ax, Ay, Az, GyroX, GyroY, GyroZ) and the activity name, comma-separated"
        )
    values = df.iloc[:, :10].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    if np.isnan(values).any():
        r, c = np.argwhere(np.isnan(values))[0]
        raise DataFormatError(f"{where}: data row {r + 1}, column {_HEADER[c]!r} is empty or not a number; the "
                              f"file is truncated or damaged")
    keys = df.iloc[:, 10].astype(str).str.lower().str.replace(r"[^a-z]", "", regex=True).to_numpy()
    labels = map_codes(keys, _LABELS, where, what="activity", unlabelled=_UNLABELLED)
    scale, unit = infer_gyro_scale(values[:, 7:10])
    logger.info("%s: gyroscope read as %s", where, unit)
    keys = values[:, 1:4]
    change = np.ones(len(values), dtype=bool)
    change[1:] = (np.diff(keys, axis=0) != 0).any(axis=1) | (np.diff(values[:, 0]) < 0)
    starts = np.flatnonzero(change)
    stops = np.concatenate([starts[1:], [len(values)]])
    for a, b in progress(list(zip(starts, stops)), verbose, "w-har"):
        user, scen, trial = (int(v) for v in keys[a])
        t = values[a:b, 0]
        d = np.diff(np.sort(t))
        med = float(np.median(d[d > 0])) if (d > 0).any() else 0.0
        if abs(med * CARD.rate_hz - 1) > 0.2:
            logger.warning("%s user %d scenario %d trial %d: median sample interval %.4g s, not 1/250 s", where,
                           user, scen, trial, med)
        x = np.hstack([values[a:b, 4:7] * G, values[a:b, 7:10] * scale])
        pieces = align_streams([(t, x)], CARD.rate_hz, max_gap_s=MAX_GAP_S, labels=labels[a:b])
        for k, (start_s, (xs,), lab) in enumerate(pieces):
            rid = f"user{user}_scenario{scen}_trial{trial}" + (f"_part{k + 1}" if len(pieces) > 1 else "")
            yield make_recording(
                CARD, acc={"right_ankle": xs[:, 0:3]}, gyro={"right_ankle": xs[:, 3:6]}, labels=lab,
                subject=str(user), recording_id=rid, scenario=scen, trial=trial, gyro_unit_in_file=unit,
                source_file=name, start_s=start_s,
            )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Users 1 and 2, one trial each: 2 s stand, 0.4 s transition, 2 s walk, 1 s jump at 250 Hz, gyro in rad/s."""
    lines = [",".join(_HEADER)]
    for user in (1, 2):
        k = 0
        for label, dynamic, n in (("stand", False, 500), ("transition", True, 100), ("walk", True, 500), ("jump", True, 250)):
            acc_g, gyro = synthetic_imu(rng, n, CARD.rate_hz, dynamic)
            for i in range(n):
                vals = ",".join(f"{v:.5f}" for v in (*acc_g[i], *gyro[i]))
                lines.append(f"{k / CARD.rate_hz:.3f},{user},1,1,{vals},{label}")
                k += 1
    write_text(Path(root) / "w-HAR" / "motion_data_22_users.csv", "\n".join(lines) + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"1", "2"},
        "labels": {"stand", "walk", "jump"},
        "placements": {"right_ankle"},
        "has_gyro": True,
        "rate_hz": 250.0,
    }
