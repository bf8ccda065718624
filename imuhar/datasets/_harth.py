"""HARTH (Logacjov et al. 2021): two Axivity AX3 accelerometers (lower back, right thigh) at 50 Hz, 12 classes.

The reader here also serves HAR70+ (:mod:`imuhar.datasets._har70plus`), recorded by the same group in the same
file layout.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source
from ._loader_common import (
    G,
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

logger = logging.getLogger(__name__)

_COLUMNS = ("back_x", "back_y", "back_z", "thigh_x", "thigh_y", "thigh_z", "label")
#: A jump of the timestamp longer than this (s) splits a recording.
MAX_GAP_S = 1.0

_UCI_SUBJECTS = ("S006", "S008", "S009", "S010", "S012", "S013", "S014", "S015", "S016", "S017", "S018",
                 "S019", "S020", "S021", "S022", "S023", "S024", "S025", "S026", "S027", "S028", "S029")

#: Label codes of the files -> class names (the vocabulary order below).
_CODES = {1: "walking", 2: "running", 3: "shuffling", 4: "stairs (ascending)", 5: "stairs (descending)",
          6: "standing", 7: "sitting", 8: "lying", 13: "cycling (sit)", 14: "cycling (stand)",
          130: "cycling (sit, inactive)", 140: "cycling (stand, inactive)"}

_ACTIVITIES = {
    "walking": Activity("walking", "Walking at a self-chosen pace with alternating steps.", "dynamic"),
    "running": Activity("running", "Running with a flight phase between strides and strong impacts.", "dynamic"),
    "shuffling": Activity(
        "shuffling",
        "Standing while shifting the feet in small steps without really walking.",
        "dynamic",
    ),
    "stairs (ascending)": Activity(
        "stairs (ascending)",
        "Walking up stairs, lifting each leg onto the next step.",
        "dynamic",
    ),
    "stairs (descending)": Activity(
        "stairs (descending)",
        "Walking down stairs, lowering the body step by step.",
        "dynamic",
    ),
    "standing": Activity("standing", "Standing upright on both feet without walking.", "static"),
    "sitting": Activity("sitting", "Sitting with the thighs horizontal and the trunk upright.", "static"),
    "lying": Activity("lying", "Lying down with the trunk horizontal.", "static"),
    "cycling (sit)": Activity("cycling (sit)", "Pedalling a bicycle while seated on the saddle.", "dynamic"),
    "cycling (stand)": Activity(
        "cycling (stand)",
        "Pedalling a bicycle while standing up out of the saddle.",
        "dynamic",
    ),
    "cycling (sit, inactive)": Activity(
        "cycling (sit, inactive)",
        "Seated on a moving bicycle without pedalling, the legs still.",
        "static",
    ),
    "cycling (stand, inactive)": Activity(
        "cycling (stand, inactive)",
        "Standing on the pedals of a moving bicycle without pedalling.",
        "static",
    ),
}

CARD = DatasetCard(
    name="harth",
    title="HARTH: Human Activity Recognition Trondheim",
    citation=(
        "A. Logacjov, K. Bach, A. Kongsvold, H. B. Bardstu, P. J. Mork. HARTH: A Human Activity Recognition "
        "Dataset for Machine Learning. Sensors 21(23): 7853, 2021."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/779/harth",
    files=(RemoteFile(url="https://archive.ics.uci.edu/static/public/779/harth.zip", filename="harth.zip"),),
    rate_hz=50.0,
    placements={"back": "spine1", "thigh": "right_hip"},
    sensors={"spine1": ("acc",), "right_hip": ("acc",)},
    units={"acc": "g"},
    vocabulary=LabelVocabulary(tuple(_ACTIVITIES[n] for n in _CODES.values())),
    subjects=_UCI_SUBJECTS,
    split=SplitRule(
        kind="given",
        description="No official split; S025-S029 (the last five of the 22 UCI subjects, about 23 %) are held out.",
        test_subjects=("S025", "S026", "S027", "S028", "S029"),
    ),
    notes="""\
- Reads `harth/S0xx.csv`: a header row, then timestamp, back_x/y/z, thigh_x/y/z (g) and label. Some files carry an
  extra leading `index` column; columns are found by their header names.
- Free-living recordings of 90-120 min during working hours; every sample is annotated (from video), codes
  1-8, 13, 14, 130, 140.
- The back sensor sits on the lower back (third lumbar vertebra: `spine1`), the thigh sensor on the right front
  thigh about 10 cm above the knee (`right_hip`, the thigh segment). UniMTS put the thigh sensor on the knee node.
- Acc only, converted from g to m/s². A timestamp jump over 1 s splits a recording.
""",
    tags=("benchmark", "unimts-18", "acc-only", "free-living"),
    layout="harth/S0xx.csv (timestamp, back_x/y/z, thigh_x/y/z in g, label)",
)

_NAME_RE = re.compile(r"(?:^|/)(S\d{3})\.csv$")


def read_back_thigh_csv(card: DatasetCard, src: DataSource, name: str, subject: str) -> Iterator[Recording]:
    """Recordings of one HARTH/HAR70+ CSV (split at timestamp jumps over :data:`MAX_GAP_S`)."""
    import pandas as pd

    where = src.describe(name)
    df = read_table(src, name, sep=",", header=True, numeric=False, min_cols=7,
                    what="header timestamp,back_x,back_y,back_z,thigh_x,thigh_y,thigh_z,label")
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in _COLUMNS if c not in cols]
    if missing:
        raise DataFormatError(
            f"{where} lacks column(s) {missing}; its header is {list(map(str, df.columns))}. The layout is "
            f"timestamp,back_x,back_y,back_z,thigh_x,thigh_y,thigh_z,label (comma-separated)."
        )
    values = df[[cols[c] for c in _COLUMNS]].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    if np.isnan(values).any():
        r, c = np.argwhere(np.isnan(values))[0]
        raise DataFormatError(f"{where}: row {r + 2} column {_COLUMNS[c]!r} is empty or not a number; the file is "
                              f"truncated or damaged, re-download it")
    lookup = {code: card.vocabulary.index(cname) for code, cname in _CODES.items() if cname in card.vocabulary.names}
    labels = map_codes(values[:, 6].astype(np.int64), lookup, where)
    cut = np.zeros(len(df), dtype=bool)
    if "timestamp" in cols:
        t = pd.to_datetime(df[cols["timestamp"]], errors="coerce", format="ISO8601")
        if t.isna().any():
            raise DataFormatError(f"{where}: timestamp row {int(np.flatnonzero(t.isna().to_numpy())[0]) + 2} is not a "
                                  f"date-time like 2019-01-12 00:00:00.000")
        dt = np.diff(t.to_numpy().astype("datetime64[ns]").astype(np.int64)) / 1e9
        cut[1:] = (dt > MAX_GAP_S) | (dt <= 0)
    starts = np.concatenate([[0], np.flatnonzero(cut)])
    stops = np.concatenate([starts[1:], [len(df)]])
    for k, (a, b) in enumerate(zip(starts, stops)):
        rid = subject + (f"_part{k + 1}" if len(starts) > 1 else "")
        yield make_recording(
            card,
            acc={card.placements["back"]: values[a:b, 0:3] * G, card.placements["thigh"]: values[a:b, 3:6] * G},
            gyro=None, labels=labels[a:b], subject=subject, recording_id=rid, source_file=name,
        )


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read HARTH subject files as recordings (acc in m/s² at the lower back and right thigh, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``harth/S0xx.csv``.
    verbose : bool
        Show a progress bar.
    """
    src = descend(open_source(source), "*S[0-9][0-9][0-9].csv")
    names = [n for n in require(src, "*S[0-9][0-9][0-9].csv", "HARTH subject files (S0xx.csv)",
                                f"download {CARD.files[0].url} and pass the folder or the zip")
             if _NAME_RE.search(n)]
    for name in progress(names, verbose, "harth"):
        yield from read_back_thigh_csv(CARD, src, name, _NAME_RE.search(name).group(1))


def write_back_thigh_csv(path: Path, rng: np.random.Generator, segments, *, index_column: bool = False) -> None:
    """A synthetic HARTH/HAR70+ CSV: ``segments`` is a list of (label code, dynamic, n_samples) at 50 Hz."""
    rows, t = [], np.datetime64("2019-01-12T10:00:00.000")
    k = 0
    for code, dynamic, n in segments:
        back, _ = synthetic_imu(rng, n, 50.0, dynamic)
        thigh, _ = synthetic_imu(rng, n, 50.0, dynamic)
        for i in range(n):
            ts = str(t + np.timedelta64(20 * k, "ms")).replace("T", " ")
            vals = ",".join(f"{v:.6f}" for v in (*back[i], *thigh[i]))
            rows.append((f"{k}," if index_column else "") + f"{ts},{vals},{code}")
            k += 1
    head = ("index," if index_column else "") + "timestamp," + ",".join(_COLUMNS)
    write_text(path, head + "\n" + "\n".join(rows) + "\n")


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Two subject files (S006 plain, S008 with the extra index column), 4 s each of walking, sitting, cycling."""
    segments = [(1, True, 200), (7, False, 200), (13, True, 200)]
    write_back_thigh_csv(Path(root) / "harth" / "S006.csv", rng, segments)
    write_back_thigh_csv(Path(root) / "harth" / "S008.csv", rng, segments, index_column=True)
    return {
        "n_recordings": 2,
        "subjects": {"S006", "S008"},
        "labels": {"walking", "sitting", "cycling (sit)"},
        "placements": {"spine1", "right_hip"},
        "has_gyro": False,
        "rate_hz": 50.0,
    }
