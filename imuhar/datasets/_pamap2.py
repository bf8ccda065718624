"""PAMAP2 Physical Activity Monitoring (Reiss & Stricker 2012): 3 Colibri IMUs at 100 Hz, 12 protocol activities."""

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
    descend,
    G,
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

#: Activity ids of the protocol in the files -> our class ids.
_PROTOCOL_IDS = (1, 2, 3, 4, 5, 6, 7, 12, 13, 16, 17, 24)
#: Ids of the optional activities (only in ``Optional/``) and 0 = transient: unlabelled here.
_OTHER_IDS = (0, 9, 10, 11, 18, 19, 20)
#: First column of each IMU block (temperature); acc ±16 g at +1..+3, gyro at +7..+9.
_BLOCKS = {"hand": 3, "chest": 20, "ankle": 37}
#: Longest run of dropped packets (samples at 100 Hz) that is linearly interpolated; longer ones split the recording.
MAX_GAP_SAMPLES = 20
#: Pieces shorter than this (samples) left between long gaps are dropped.
MIN_PIECE_SAMPLES = 100
#: Subject 108 is left-handed: the "dominant" hand and ankle IMUs sit on the left side.
_LEFT_HANDED = {"108"}

CARD = DatasetCard(
    name="pamap2",
    title="PAMAP2 Physical Activity Monitoring",
    citation=(
        "A. Reiss and D. Stricker. Introducing a New Benchmarked Dataset for Activity Monitoring. "
        "16th International Symposium on Wearable Computers (ISWC), 2012."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/231/pamap2+physical+activity+monitoring",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/231/pamap2+physical+activity+monitoring.zip",
            filename="pamap2+physical+activity+monitoring.zip",
        ),
    ),
    rate_hz=100.0,
    placements={
        "hand": "right_wrist",
        "chest": "spine3",
        "ankle": "right_ankle",
        "hand (subject 108, left-handed)": "left_wrist",
        "ankle (subject 108, left-handed)": "left_ankle",
    },
    sensors={
        "right_wrist": ("acc", "gyro"),
        "spine3": ("acc", "gyro"),
        "right_ankle": ("acc", "gyro"),
        "left_wrist": ("acc", "gyro"),
        "left_ankle": ("acc", "gyro"),
    },
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("lying", "Lying still on the back or side, the whole body horizontal and relaxed.", "static"),
            Activity("sitting", "Sitting upright on a chair with the trunk vertical and the legs still.", "static"),
            Activity("standing", "Standing upright on both feet, body still apart from small balance sways.", "static"),
            Activity(
                "walking",
                "Walking at a normal pace on level ground with alternating leg swings and arm swings.",
                "dynamic",
            ),
            Activity(
                "running",
                "Running or jogging with a flight phase between steps and strong vertical bounces.",
                "dynamic",
            ),
            Activity(
                "cycling",
                "Pedalling a bicycle while seated, the legs making circular cranking motions.",
                "dynamic",
            ),
            Activity(
                "nordic walking",
                "Walking briskly while planting a pole with each arm in turn, arms swinging far forward and back.",
                "dynamic",
            ),
            Activity(
                "ascending stairs",
                "Climbing a staircase, lifting each leg high to step up onto the next stair.",
                "dynamic",
            ),
            Activity("descending stairs", "Walking down a staircase, lowering the body one step at a time.", "dynamic"),
            Activity(
                "vacuum cleaning",
                "Pushing and pulling a vacuum cleaner back and forth with one arm while stepping around a room.",
                "dynamic",
            ),
            Activity(
                "ironing",
                "Standing at an ironing board and moving an iron back and forth with the hand.",
                "dynamic",
            ),
            Activity(
                "rope jumping",
                "Jumping repeatedly with both feet while swinging a rope around the body with the wrists.",
                "dynamic",
            ),
        )
    ),
    subjects=tuple(str(s) for s in range(101, 110)),
    split=SplitRule(
        kind="given",
        description=(
            "Subject 106 is held out for testing and 105 for validation, the protocol of Hammerla et al. (IJCAI 2016) "
            "followed by most deep-learning work on PAMAP2; the other seven subjects train."
        ),
        test_subjects=("106",),
    ),
    notes="""\
- Reads `Protocol/subject10{1..9}.dat` (54 space-separated columns: timestamp, activity id, heart rate, then
  17 columns per IMU for hand, chest and ankle). The `Optional/` sessions hold activities outside the 12-class
  benchmark and are not read.
- Acceleration is the ±16 g accelerometer (m/s²); the ±6 g one saturates during running and jumping and is not used.
  Gyroscope in rad/s. Magnetometer, temperature, orientation and heart rate are not read.
- Activity 0 (transient between activities) and the optional activities are unlabelled (-1).
- Dropped wireless packets appear as NaN. Runs of at most 20 missing samples (0.2 s) are linearly interpolated;
  a longer run splits the recording, and pieces shorter than 1 s between long runs are dropped.
- The hand and ankle IMUs sit on the dominant side. Subject 108 is left-handed (subjectInformation.pdf), so its
  hand and ankle IMUs are placed on `left_wrist` and `left_ankle`; all other subjects on the right.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "multi-placement"),
    layout="Protocol/subject10N.dat (54 space-separated columns, NaN for dropped packets)",
)

_NAME_RE = re.compile(r"(?:^|/)subject(\d+)\.dat$")


def _placement(sensor: str, subject: str) -> str:
    if subject in _LEFT_HANDED and sensor != "chest":
        return CARD.placements[f"{sensor} (subject 108, left-handed)"]
    return CARD.placements[sensor]


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read PAMAP2 protocol sessions as recordings in SI units (see ``CARD.notes`` for gap handling).

    Parameters
    ----------
    source : str, Path or DataSource
        The unpacked dataset folder or the downloaded zip (``PAMAP2_Dataset/Protocol/subject101.dat`` inside).
    verbose : bool
        Show a progress bar.

    Yields
    ------
    Recording
        One per session (or per piece between long gaps), acc (m/s²) and gyro (rad/s) at hand, chest and ankle.
    """
    from ..preprocessing import fill_gaps

    src = descend(open_source(source), "*Protocol/subject*.dat")
    names = [n for n in require(src, "*Protocol/subject*.dat", "PAMAP2 protocol files",
                                f"download and unpack {CARD.files[0].url} and pass the folder or the zip")
             if _NAME_RE.search(n)]
    lookup = {code: i for i, code in enumerate(_PROTOCOL_IDS)}
    for name in progress(names, verbose, "pamap2"):
        subject = _NAME_RE.search(name).group(1)
        where = src.describe(name)
        table = read_table(src, name, sep=None, n_cols=54, allow_nan=True,
                           what="54 columns: timestamp, activity id, heart rate, 3 x 17 IMU columns")
        if np.isnan(table[:, 1]).any():
            raise DataFormatError(
                f"{where}: the activity-id column (2nd) has empty cells; the file is damaged, re-download it"
            )
        labels = map_codes(table[:, 1].astype(np.int64), lookup, where, what="activity id", unlabelled=_OTHER_IDS)
        cols = []
        for start in _BLOCKS.values():
            cols.extend(range(start + 1, start + 4))  # acc ±16 g
            cols.extend(range(start + 7, start + 10))  # gyro
        signals = fill_gaps(table[:, cols], MAX_GAP_SAMPLES, edges="leave")
        valid = ~np.isnan(signals).any(axis=1)
        starts, stops = true_runs(valid)
        pieces = [(a, b) for a, b in zip(starts, stops) if b - a >= MIN_PIECE_SAMPLES]
        if len(pieces) == 0:
            logger.warning("%s: no stretch of at least %d valid samples; skipped", where, MIN_PIECE_SAMPLES)
            continue
        for k, (a, b) in enumerate(pieces):
            acc, gyro = {}, {}
            for j, sensor in enumerate(_BLOCKS):
                node = _placement(sensor, subject)
                acc[node] = signals[a:b, 6 * j : 6 * j + 3]
                gyro[node] = signals[a:b, 6 * j + 3 : 6 * j + 6]
            rid = f"subject{subject}" if len(pieces) == 1 else f"subject{subject}_part{k + 1}"
            yield make_recording(
                CARD, acc=acc, gyro=gyro, labels=labels[a:b], subject=subject, recording_id=rid,
                source_file=name, start_sample=int(a),
                placements_in_file={s: _placement(s, subject) for s in _BLOCKS},
            )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Write two small synthetic sessions (subjects 101, 102) in the PAMAP2 protocol layout.

    Each holds 4 s of lying, transient (id 0) and walking at 100 Hz, with a 5-sample dropped-packet gap (NaN) that
    the parser interpolates. Returns what :func:`parse` must find.
    """
    root = Path(root)
    rate = CARD.rate_hz
    for subject in ("101", "102"):
        segments = [(1, False, 400), (0, True, 100), (4, True, 400)]
        rows = []
        t0 = 5.0
        for code, dynamic, n in segments:
            block = np.full((n, 54), np.nan)
            block[:, 1] = code
            block[::11, 2] = rng.uniform(70, 110)  # heart rate at ~9 Hz, NaN between
            for start in _BLOCKS.values():
                acc_g, gyro = synthetic_imu(rng, n, rate, dynamic)
                block[:, start] = rng.uniform(30, 34)
                block[:, start + 1 : start + 4] = acc_g * G
                block[:, start + 4 : start + 7] = np.clip(acc_g * G, -6 * G, 6 * G)
                block[:, start + 7 : start + 10] = gyro
                block[:, start + 10 : start + 13] = rng.normal(0, 30, size=(n, 3))
                block[:, start + 13 : start + 17] = [1.0, 0.0, 0.0, 0.0]
            rows.append(block)
        data = np.vstack(rows)
        data[:, 0] = t0 + np.arange(data.shape[0]) / rate
        data[600:605, 3:20] = np.nan  # dropped packets of the hand IMU
        lines = "\n".join(" ".join("NaN" if np.isnan(v) else f"{v:.6g}" for v in row) for row in data)
        write_text(root / "PAMAP2_Dataset" / "Protocol" / f"subject{subject}.dat", lines + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"101", "102"},
        "labels": {"lying", "walking"},
        "placements": {"right_wrist", "spine3", "right_ankle"},
        "has_gyro": True,
        "rate_hz": 100.0,
    }
