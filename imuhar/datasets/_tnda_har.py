"""TNDA-HAR (IEEE DataPort, 2021): five IMUs (both wrists, both ankles, back) at 50 Hz, 8 daily activities, 23 subjects.

The release is documented only on its DataPort page; this loader reads per-subject CSV files whose header names
each signal column by position, sensor and axis, and says precisely what it expected where a file differs.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import (
    G,
    descend,
    infer_acc_scale,
    infer_gyro_scale,
    make_recording,
    map_codes,
    progress,
    read_table,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files", "match_signal_column"]

logger = logging.getLogger(__name__)

_CLASSES = ("sitting", "standing", "lying down", "ascending stairs", "descending stairs", "riding", "walking", "jogging")
#: Class names as written in the files (lower-case, letters only) -> class ids.
_NAME_ALIASES = {
    "sitting": 0, "sit": 0, "standing": 1, "stand": 1, "lyingdown": 2, "lying": 2, "lie": 2, "laying": 2,
    "ascendingstairs": 3, "upstairs": 3, "stairsup": 3, "walkingupstairs": 3, "ascending": 3,
    "descendingstairs": 4, "downstairs": 4, "stairsdown": 4, "walkingdownstairs": 4, "descending": 4,
    "riding": 5, "cycling": 5, "biking": 5, "ridingbike": 5, "walking": 6, "walk": 6, "jogging": 7, "jog": 7,
    "running": 7,
}
#: Position spellings (whole tokens or token runs of the column name) -> sensor name on the card.
_POSITIONS = (
    (("leftwrist", "lwrist", "wristleft", "lw"), "left_wrist"),
    (("rightwrist", "rwrist", "wristright", "rw"), "right_wrist"),
    (("leftankle", "lankle", "ankleleft", "la"), "left_ankle"),
    (("rightankle", "rankle", "ankleright", "ra"), "right_ankle"),
    (("back", "waist", "lowerback", "chest"), "back"),
)
_LABEL_COLUMNS = ("class", "label", "activity", "activityid")
_SUBJECT_COLUMNS = ("subject", "subjectid", "user", "userid", "participant")

CARD = DatasetCard(
    name="tnda-har",
    title="TNDA-HAR",
    citation="TNDA-HAR. IEEE DataPort, 2021 (open access); cite as the dataset page asks (authors and DOI there; check).",
    license="CC BY 4.0 (IEEE DataPort open access) (check)",
    homepage="https://ieee-dataport.org/open-access/tnda-har-0",
    files=(
        RemoteFile(
            url="https://ieee-dataport.org/open-access/tnda-har-0",
            filename="TNDA-HAR.zip",
            manual=(
                "IEEE DataPort requires a (free) login: sign in, download the dataset archive from the page and "
                "put it (or its unpacked folder of per-subject CSV files) in the cache folder"
            ),
            direct=False,
        ),
    ),
    rate_hz=50.0,
    placements={"left_wrist": "left_wrist", "right_wrist": "right_wrist", "left_ankle": "left_ankle",
                "right_ankle": "right_ankle", "back": "spine3"},
    sensors={n: ("acc", "gyro") for n in ("left_wrist", "right_wrist", "left_ankle", "right_ankle", "spine3")},
    units={"acc": "g or m/s^2 (detected, check)", "gyro": "deg/s or rad/s (detected, check)"},
    vocabulary=LabelVocabulary(
        (
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("lying down", "Lying down with the body horizontal and still.", "static"),
            Activity("ascending stairs", "Walking up stairs, lifting each leg onto the next step.", "dynamic"),
            Activity("descending stairs", "Walking down stairs, lowering the body one step at a time.", "dynamic"),
            Activity("riding", "Riding a bicycle, the legs pedalling in circles while seated.", "dynamic"),
            Activity("walking", "Walking at a normal pace on level ground.", "dynamic"),
            Activity("jogging", "Jogging with a bouncing gait and short flight phases.", "dynamic"),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 24)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 19-23 (the last five of 23 ids, about 22 %) are held out.",
        test_subjects=("19", "20", "21", "22", "23"),
    ),
    notes="""\
- **Layout (check).** The dataset is documented only on its IEEE DataPort page (login needed), which we could not
  read. The loader reads every `*.csv` holding one subject each: a header row; one column per signal whose name
  carries a position (left/right wrist, left/right ankle, back; also `LW`, `RW`, `LA`, `RA`), a sensor
  (`Acc`, `Gyr`/`Gyro`; `Mag` columns are ignored) and an axis (`X`, `Y`, `Z`), in any order and separated by
  anything (`LeftWrist_AccX`, `Acc_X_LW` ...); and a `Class` (or `label`, `activity`) column. The subject comes
  from a `subject`/`user` column if present, otherwise from the last number in the file name.
- Class values may be names (`sitting`, `standing`, `lying down`, `ascending stairs`, `descending stairs`,
  `riding`, `walking`, `jogging`; spelling variants accepted) or integers; integers are read as 0-7 (or 1-8) in
  that order, the order of UniMTS's label list **(assumption, check)**.
- Units are not documented: per file, acceleration is read as g, m/s² or milli-g from its median norm (~1, ~9.8,
  ~1000) and the gyroscope as deg/s when its 99th-percentile rate exceeds 20, else rad/s; the decisions are
  recorded in `metadata["units_in_file"]`. UniMTS applied no conversion (m/s², rad/s).
- 50 Hz, rows taken as uniformly sampled. The back IMU is mapped to `spine3` (UniMTS used the chest joint).
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "multi-placement"),
    layout="per-subject CSV files: header naming <position>_<Acc|Gyr>_<axis> columns and a Class column (check)",
)


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()) if t]


def match_signal_column(name: str) -> tuple[str, str, int] | None:
    """(card sensor name, "acc"|"gyro", axis 0-2) of a column name, or ``None`` if it is not an acc/gyro column."""
    toks = _tokens(name)
    joined = "".join(toks)
    kind = "gyro" if "gyr" in joined else "acc" if "acc" in joined else None
    if kind is None:
        return None
    axes = [t for t in toks if t in ("x", "y", "z")]
    if not axes:
        m = re.search(r"(?:acc|gyro|gyr)(?:el|elerometer|oscope)?([xyz])", joined)
        axes = [m.group(1)] if m else []
    if len(axes) != 1:
        return None
    axis = "xyz".index(axes[0])
    for spellings, sensor in _POSITIONS:
        for s in spellings:
            if (len(s) <= 2 and s in toks) or (len(s) > 2 and s in joined):
                return sensor, kind, axis
    return None


def _labels(raw, where: str) -> np.ndarray:
    import pandas as pd

    numeric = pd.to_numeric(raw, errors="coerce")
    if not numeric.isna().any():
        codes = numeric.to_numpy().astype(np.int64)
        base = 1 if codes.min() >= 1 and codes.max() == len(_CLASSES) else 0
        return map_codes(codes, {base + i: i for i in range(len(_CLASSES))}, where, what="class id")
    keys = np.array(["".join(ch for ch in str(v).lower() if ch.isalpha()) for v in raw])
    return map_codes(keys, _NAME_ALIASES, where, what="class", unlabelled=("null", "none", "unknown", "nan", ""))


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read TNDA-HAR per-subject CSV files as recordings with five IMUs (acc m/s², gyro rad/s, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding the per-subject CSV files.
    verbose : bool
        Show a progress bar.
    """
    import pandas as pd

    src = descend(open_source(source), "*.csv")
    names = require(src, "*.csv", "TNDA-HAR CSV files", "download the archive from IEEE DataPort (login) and pass it")
    found = 0
    for name in progress(names, verbose, "tnda-har"):
        where = src.describe(name)
        df = read_table(src, name, sep=",", header=True, numeric=False, min_cols=2)
        cols = {str(c).strip(): c for c in df.columns}
        norm = {re.sub(r"[^a-z]", "", k.lower()): c for k, c in cols.items()}
        label_col = next((norm[k] for k in _LABEL_COLUMNS if k in norm), None)
        signal = {}
        for key, col in cols.items():
            hit = match_signal_column(key)
            if hit is not None:
                signal.setdefault((hit[0], hit[1]), {})[hit[2]] = col
        if label_col is None and not signal:
            logger.info("%s: no Class column and no signal columns; not a TNDA-HAR data file, skipped", where)
            continue
        if label_col is None:
            raise DataFormatError(f"{where} has signal columns but no 'Class' (or label/activity) column; "
                                  f"columns are {list(cols)[:12]}")
        incomplete = {f"{s} {k}": sorted(set("xyz") - {"xyz"[a] for a in axes}) for (s, k), axes in signal.items()
                      if len(axes) != 3}
        if incomplete or not any(k == "acc" for _, k in signal):
            raise DataFormatError(
                f"{where}: expected x, y and z columns for each of acc/gyro at {sorted(CARD.placements)}; missing axes "
                f"{incomplete or 'all acc columns'} (columns are {list(cols)[:12]} ...)"
            )
        subj_col = next((norm[k] for k in _SUBJECT_COLUMNS if k in norm), None)
        if subj_col is not None:
            subjects = df[subj_col].astype(str).str.strip().unique()
            if len(subjects) != 1:
                raise DataFormatError(f"{where} holds several subjects {subjects[:5].tolist()}; one file per subject expected")
            subject = str(int(float(subjects[0]))) if re.fullmatch(r"\d+(\.0)?", subjects[0]) else subjects[0]
        else:
            digits = re.findall(r"\d+", name.rsplit("/", 1)[-1])
            if not digits:
                raise DataFormatError(f"{where}: no subject column and no number in the file name to identify the subject")
            subject = str(int(digits[-1]))
        labels = _labels(df[label_col], where)
        acc, gyro, units = {}, {}, {}
        for (sensor, kind), axes in sorted(signal.items()):
            v = df[[axes[0], axes[1], axes[2]]].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
            if np.isnan(v).any():
                r = int(np.argwhere(np.isnan(v))[0][0])
                raise DataFormatError(f"{where}: row {r + 2} of the {sensor} {kind} columns is empty or not a number")
            node = CARD.placements[sensor]
            if kind == "acc":
                scale, unit = infer_acc_scale(v, f"{where} ({sensor} acc)")
                acc[node] = v * scale
            else:
                scale, unit = infer_gyro_scale(v)
                gyro[node] = v * scale
            units[f"{sensor}.{kind}"] = unit
        gyro = {n: g for n, g in gyro.items() if n in acc}
        found += 1
        yield make_recording(CARD, acc=acc, gyro=gyro, labels=labels, subject=subject,
                             recording_id=name.rsplit("/", 1)[-1].rsplit(".", 1)[0], units_in_file=units, source_file=name)
    if not found:
        raise DataFormatError(f"no CSV file in {src.path} has TNDA-HAR signal columns and a Class column")


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Subjects 1 and 2: 4 s each of sitting, walking and riding at 50 Hz; acc in m/s², gyro in rad/s, named classes."""
    sensors = ("LeftWrist", "RightWrist", "LeftAnkle", "RightAnkle", "Back")
    head = ["Timestamp"] + [f"{s}_{k}{a}" for s in sensors for k in ("Acc", "Gyr", "Mag") for a in "XYZ"] + ["Class"]
    for subject in (1, 2):
        rows, k = [",".join(head)], 0
        for label, dynamic in (("Sitting", False), ("Walking", True), ("Riding", True)):
            blocks = []
            for _ in sensors:
                acc_g, gyro = synthetic_imu(rng, 200, CARD.rate_hz, dynamic)
                blocks.append(np.hstack([acc_g * G, gyro, rng.normal(0, 30, (200, 3))]))
            data = np.hstack(blocks)
            for i in range(200):
                rows.append(f"{k * 20}," + ",".join(f"{v:.5f}" for v in data[i]) + f",{label}")
                k += 1
        write_text(Path(root) / "TNDA-HAR" / f"Subject_{subject:02d}.csv", "\n".join(rows) + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"1", "2"},
        "labels": {"sitting", "walking", "riding"},
        "placements": set(CARD.placements.values()),
        "has_gyro": True,
        "rate_hz": 50.0,
    }
