"""OPPORTUNITY Activity Recognition (Roggen et al. 2010), locomotion task: 5 Xsens IMUs at 30 Hz, 4 postures."""

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
    descend,
    make_recording,
    map_codes,
    progress,
    read_table,
    require,
    synthetic_imu,
    true_runs,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

#: Columns of every ``.dat`` file.
N_COLUMNS = 250
#: The five IMUs read, and the 0-based column of their accX in the documented layout (then accY, accZ, gyroX..Z).
_IMUS = {"BACK": 37, "RUA": 50, "RLA": 63, "LUA": 76, "LLA": 89}
#: 0-based column of the Locomotion label.
LOCOMOTION_COLUMN = 243
#: Locomotion codes -> class ids; 0 is the NULL class.
_CODES = {1: 0, 2: 1, 4: 2, 5: 3}
#: The IMU accelerations were stored as round(value / 9.8 * 1000) (column_names.txt): 9.8, not 9.80665, undoes it.
ACC_SCALE = 9.8
#: Longest run of missing samples (30 Hz) that is linearly interpolated; longer runs split a session.
MAX_GAP_SAMPLES = 30
MIN_PIECE_SAMPLES = 30

CARD = DatasetCard(
    name="opportunity",
    title="OPPORTUNITY Activity Recognition (locomotion)",
    citation=(
        "D. Roggen, A. Calatroni, M. Rossi, T. Holleczek, K. Foerster, G. Troester, P. Lukowicz, D. Bannach, "
        "G. Pirkl, A. Ferscha, J. Doppler, C. Holzmann, M. Kurz, G. Holl, R. Chavarriaga, H. Sagha, H. Bayati, "
        "M. Creatura, J. del R. Millan. Collecting complex activity datasets in highly rich networked sensor "
        "environments. 7th International Conference on Networked Sensing Systems (INSS), 2010."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/226/opportunity+activity+recognition",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/226/opportunity+activity+recognition.zip",
            filename="opportunity+activity+recognition.zip",
        ),
    ),
    rate_hz=30.0,
    placements={"BACK": "spine3", "RUA": "right_shoulder", "RLA": "right_elbow", "LUA": "left_shoulder",
                "LLA": "left_elbow"},
    sensors={n: ("acc", "gyro") for n in ("spine3", "right_shoulder", "right_elbow", "left_shoulder", "left_elbow")},
    units={"acc": "milli-g", "gyro": "rad/s x 1000 (check)"},
    vocabulary=LabelVocabulary(
        (
            Activity("stand", "Standing upright on both feet, possibly handling objects with the hands.", "static"),
            Activity("walk", "Walking around a room between places with alternating steps.", "dynamic"),
            Activity("sit", "Sitting on a chair with the legs still.", "static"),
            Activity("lie", "Lying down on a deck chair with the body nearly horizontal.", "static"),
        )
    ),
    subjects=("S1", "S2", "S3", "S4"),
    split=SplitRule(
        kind="given",
        description=(
            "Subject S4 is held out for testing. The challenge split (ADL4-5 of S2 and S3) tests on sessions of "
            "training subjects, which a by-subject protocol forbids."
        ),
        test_subjects=("S4",),
    ),
    notes="""\
- Reads `OpportunityUCIDataset/dataset/S{1..4}-ADL{1..5}.dat` and `S{1..4}-Drill.dat`: 250 whitespace-separated
  columns, documented in `column_names.txt`. Where that file is present, the columns of the IMUs and of the
  Locomotion label are located by name; otherwise the documented positions are used (BACK accX = column 38,
  RUA 51, RLA 64, LUA 77, LLA 90; Locomotion = column 244).
- Only the locomotion task is read: 1 stand, 2 walk, 4 sit, 5 lie; 0 (NULL) is unlabelled. The other label
  tracks (gestures, high-level activities) and the body-worn accelerometers, shoes and object sensors are not read.
- IMU acceleration is stored as round(value / 9.8 x 1000) in milli-g (column_names.txt), so x 9.8 / 1000 gives
  back the sensor's m/s². The gyroscope columns are round(value x 1000) with the unit given as unknown; the Xsens
  MTx reports rad/s, so we divide by 1000 and read rad/s **(check)**, as UniMTS does.
- The challenge release (`challenge_column_names.txt`, 9 columns per IMU) is read too: columns are located by
  name wherever a `*column_names.txt` sits beside the data.
- Missing values (NaN, dropped wireless packets) are linearly interpolated over runs of at most 30 samples (1 s);
  a longer run in any of the five IMUs splits the session, and pieces under 1 s are dropped.
- Placements: BACK -> `spine3`, upper arms -> shoulder nodes (upper-arm segment), lower arms -> elbow nodes
  (forearm segment).
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "multi-placement"),
    layout="OpportunityUCIDataset/dataset/S{n}-ADL{k}.dat, S{n}-Drill.dat (250 columns, see column_names.txt)",
)

_NAME_RE = re.compile(r"(?:^|/)(S(\d))-(ADL\d|Drill)\.dat$")
_COLNAME_RE = re.compile(r"Column:\s*(\d+)\s+(.*?)\s*(?:;|$)", re.MULTILINE)


def _columns(src: DataSource, dat_name: str) -> tuple[dict[str, int], int, int]:
    """IMU accX columns, the Locomotion column and the column count, from the ``*column_names.txt`` beside the
    data if present (the UCI release's ``column_names.txt`` or the challenge's ``challenge_column_names.txt``),
    else the documented UCI positions."""
    folder = dat_name.rsplit("/", 1)[0] + "/" if "/" in dat_name else ""
    candidates = [n for n in src.glob(folder + "*column_names.txt") if "/" not in n[len(folder):]]
    if not candidates:
        return dict(_IMUS), LOCOMOTION_COLUMN, N_COLUMNS
    where = src.describe(candidates[0])
    names = {}
    for m in _COLNAME_RE.finditer(src.read_text(candidates[0])):
        names[" ".join(m.group(2).split())] = int(m.group(1)) - 1
    imus = {}
    for unit in _IMUS:
        keys = [f"InertialMeasurementUnit {unit} {ax}" for ax in ("accX", "accY", "accZ", "gyroX", "gyroY", "gyroZ")]
        missing = [k for k in keys if k not in names]
        if missing:
            raise DataFormatError(f"{where} does not name the column {missing[0]!r}; it does not describe the "
                                  f"OPPORTUNITY layout this loader reads")
        start = names[keys[0]]
        if [names[k] - start for k in keys] != list(range(6)):
            raise DataFormatError(f"{where}: the acc and gyro columns of IMU {unit} are not consecutive (accX..gyroZ)")
        imus[unit] = start
    if "Locomotion" not in names:
        raise DataFormatError(f"{where} does not name the 'Locomotion' label column")
    return imus, names["Locomotion"], max(names.values()) + 1


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read OPPORTUNITY sessions (ADL runs and drill) as locomotion-labelled recordings in SI units.

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``OpportunityUCIDataset/dataset/S1-ADL1.dat`` ...
    verbose : bool
        Show a progress bar.
    """
    from ..preprocessing import fill_gaps

    src = descend(open_source(source), "*S[0-9]-*.dat")
    names = [n for n in require(src, "*S[0-9]-*.dat", "OPPORTUNITY session files (S1-ADL1.dat ...)",
                                f"download {CARD.files[0].url} and pass the folder or the zip") if _NAME_RE.search(n)]
    for name in progress(names, verbose, "opportunity"):
        subject, _, session = _NAME_RE.search(name).groups()
        where = src.describe(name)
        imus, loco, n_cols = _columns(src, name)
        table = read_table(src, name, sep=None, n_cols=n_cols, allow_nan=True,
                           what=f"{n_cols} whitespace-separated columns described in column_names.txt")
        if np.isnan(table[:, loco]).any():
            raise DataFormatError(
                f"{where}: the Locomotion column (column {loco + 1}) has empty cells; the file is damaged"
            )
        labels = map_codes(table[:, loco].astype(np.int64), _CODES, where, what="Locomotion label", unlabelled=(0,))
        cols = [c for start in imus.values() for c in range(start, start + 6)]
        signals = fill_gaps(table[:, cols], MAX_GAP_SAMPLES, edges="leave")
        valid = ~np.isnan(signals).any(axis=1)
        starts, stops = true_runs(valid)
        pieces = [(a, b) for a, b in zip(starts, stops) if b - a >= MIN_PIECE_SAMPLES]
        if not pieces:
            logger.warning("%s: no stretch of %d samples without long gaps in the five IMUs; skipped",
                           where, MIN_PIECE_SAMPLES)
        for k, (a, b) in enumerate(pieces):
            acc = {CARD.placements[u]: signals[a:b, 6 * j : 6 * j + 3] * (ACC_SCALE / 1000.0)
                   for j, u in enumerate(imus)}
            gyro = {CARD.placements[u]: signals[a:b, 6 * j + 3 : 6 * j + 6] / 1000.0 for j, u in enumerate(imus)}
            rid = f"{subject}-{session}" + (f"_part{k + 1}" if len(pieces) > 1 else "")
            yield make_recording(CARD, acc=acc, gyro=gyro, labels=labels[a:b], subject=subject, recording_id=rid,
                                 session=session, source_file=name, start_sample=int(a))


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Sessions S1-ADL1 and S2-Drill (6 s at 30 Hz: stand, NULL, walk), 250 columns with NaN in unread sensors
    and a short dropout in one IMU, plus a ``column_names.txt`` naming the 250 columns."""
    base = Path(root) / "OpportunityUCIDataset" / "dataset"
    named = {0: "MILLISEC; unit = ms"}
    for unit, start in _IMUS.items():
        for k, ax in enumerate(("accX", "accY", "accZ", "gyroX", "gyroY", "gyroZ")):
            how = ("round(original_value / 9.8 * 1000), unit = milli g" if ax.startswith("acc")
                   else "round(original_value * 1000), unit = unknown")
            named[start + k] = f"InertialMeasurementUnit {unit} {ax}; value = {how}"
    tracks = ("Locomotion", "HL_Activity", "LL_Left_Arm", "LL_Left_Arm_Object", "LL_Right_Arm",
              "LL_Right_Arm_Object", "ML_Both_Arms")
    named.update({LOCOMOTION_COLUMN + i: t for i, t in enumerate(tracks)})
    lines = ["Data columns:"] + [f"Column: {c + 1} {named.get(c, f'Other sensor {c + 1}; unit = unknown')}"
                                for c in range(N_COLUMNS)]
    write_text(base / "column_names.txt", "\n".join(lines) + "\n")
    for session in ("S1-ADL1", "S2-Drill"):
        segs = [(1, False, 60), (0, True, 30), (2, True, 90)]
        n = sum(s[2] for s in segs)
        data = np.full((n, N_COLUMNS), np.nan)
        data[:, 0] = np.arange(n) * 33
        data[:, 244:] = 0
        row = 0
        for code, dynamic, m in segs:
            for start in _IMUS.values():
                acc_g, gyro = synthetic_imu(rng, m, CARD.rate_hz, dynamic)
                data[row : row + m, start : start + 3] = np.round(acc_g * 1000)
                data[row : row + m, start + 3 : start + 6] = np.round(gyro * 1000)
                data[row : row + m, start + 6 : start + 13] = np.round(rng.normal(0, 500, (m, 7)))
            data[row : row + m, LOCOMOTION_COLUMN] = code
            row += m
        data[100:104, 63:69] = np.nan  # a 4-sample dropout of the right lower arm IMU: interpolated
        text = "\n".join(" ".join("NaN" if np.isnan(v) else str(int(v)) for v in r) for r in data)
        write_text(base / f"{session}.dat", text + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"S1", "S2"},
        "labels": {"stand", "walk"},
        "placements": set(CARD.placements.values()),
        "has_gyro": True,
        "rate_hz": 30.0,
    }
