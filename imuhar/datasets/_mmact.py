"""MMAct (Kong et al. 2019): phone in the trouser pocket (acc + gyro) and smartwatch (acc), 35 actions, 20 subjects.

The inertial part of the release is available by request form only; this loader reads its per-trial CSV files
(one folder per sensor stream) and says precisely what it expected where the files differ.
"""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
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
    infer_acc_scale,
    infer_gyro_scale,
    make_recording,
    progress,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

#: Stream folders -> (device, kind).
_STREAMS = {"acc_phone_clip": ("phone", "acc"), "gyro_clip": ("phone", "gyro"), "acc_watch_clip": ("watch", "acc")}

_ACTIONS = (
    ("carrying", "Walking while carrying an object in the hands.", "dynamic"),
    ("carrying heavy", "Walking slowly while carrying a heavy object with both arms.", "dynamic"),
    ("carrying light", "Walking while carrying a light object in one hand.", "dynamic"),
    ("checking time", "Raising the wrist and turning it to look at a watch.", "dynamic"),
    ("closing", "Pushing or pulling a door or drawer shut with the hand.", "dynamic"),
    ("crouching", "Bending the knees deeply to squat down close to the floor.", "transition"),
    ("drinking", "Lifting a bottle or cup to the mouth, drinking and lowering it.", "dynamic"),
    ("entering", "Walking in through a doorway into the room.", "dynamic"),
    ("exiting", "Walking out of the room through a doorway.", "dynamic"),
    ("fall", "Losing balance and falling from standing onto the floor.", "transition"),
    ("jumping", "Jumping up with both feet and landing again.", "dynamic"),
    ("kicking", "Swinging one leg forward to kick.", "dynamic"),
    ("loitering", "Wandering slowly around without a clear destination.", "dynamic"),
    ("looking around", "Standing and turning the head and upper body to look in different directions.", "dynamic"),
    ("opening", "Pulling or pushing a door or drawer open with the hand.", "dynamic"),
    ("picking up", "Bending down and lifting an object from the floor or a table.", "dynamic"),
    ("pocket in", "Putting a hand or an object into a trouser pocket.", "dynamic"),
    ("pocket out", "Taking a hand or an object out of a trouser pocket.", "dynamic"),
    ("pointing", "Stretching out an arm and pointing at something with the finger.", "dynamic"),
    ("pulling", "Pulling an object towards the body with the arms.", "dynamic"),
    ("pushing", "Pushing an object away from the body with the arms.", "dynamic"),
    ("running", "Running with long strides and a flight phase between steps.", "dynamic"),
    ("setting down", "Bending and putting an object down on the floor or a table.", "dynamic"),
    ("sitting", "Sitting on a chair with the body still.", "static"),
    ("sitting down", "Lowering the body from standing onto a chair.", "transition"),
    ("standing", "Standing upright and still on both feet.", "static"),
    ("standing up", "Rising from a chair to a standing position.", "transition"),
    ("talking", "Standing and talking with someone, gesturing with the hands.", "dynamic"),
    ("talking on phone", "Holding a phone to the ear with one hand while talking.", "dynamic"),
    ("throwing", "Throwing an object forward with a swing of the arm.", "dynamic"),
    ("transferring object", "Handing an object over to another person.", "dynamic"),
    ("using pc", "Seated at a computer, typing on the keyboard and using the mouse.", "dynamic"),
    ("using phone", "Holding a phone in front of the body and tapping its screen.", "dynamic"),
    ("walking", "Walking at a normal pace with alternating steps.", "dynamic"),
    ("waving hand", "Raising a hand and waving it from side to side.", "dynamic"),
)

CARD = DatasetCard(
    name="mmact",
    title="MMAct: multi-modal human action dataset (inertial part)",
    citation=(
        "Q. Kong, Z. Wu, Z. Deng, M. Klinkigt, B. Tong, T. Murakami. MMAct: A Large-Scale Dataset for Cross Modal "
        "Human Action Understanding. IEEE/CVF ICCV 2019, pp. 8658-8667."
    ),
    license="Research use under the MMAct agreement (request form); no redistribution",
    homepage="https://mmact19.github.io/2019/",
    files=(
        RemoteFile(
            url="https://mmact19.github.io/2019/",
            filename="MMAct_sensor.zip",
            direct=False,
            manual=(
                "request access with the form on the MMAct page, download the sensor data archive you are sent "
                "and pass it (or its unpacked folder holding acc_phone_clip/, gyro_clip/, acc_watch_clip/)"
            ),
        ),
    ),
    rate_hz=50.0,
    placements={"phone": "right_hip", "watch": "right_wrist"},
    sensors={"right_hip": ("acc", "gyro"), "right_wrist": ("acc",)},
    units={"acc": "m/s^2 or g (detected, check)", "gyro": "rad/s or deg/s (detected, check)"},
    vocabulary=LabelVocabulary(tuple(Activity(n, d, k) for n, d, k in _ACTIONS)),
    subjects=tuple(str(s) for s in range(1, 21)),
    split=SplitRule(
        kind="given",
        description="Cross-subject split as in the MMAct paper (80 % / 20 % of subjects): subjects 17-20 are held out (check).",
        test_subjects=("17", "18", "19", "20"),
    ),
    notes="""\
- **Layout (check).** The inertial data come by request form and we could not read the release notes. The loader
  reads `acc_phone_clip/`, `gyro_clip/` (phone) and `acc_watch_clip/` folders, each holding
  `subject<N>/scene<S>/session<K>/<action>.csv` with rows `timestamp,x,y,z` (timestamps as date-times or
  numbers, optional header). The three streams of one trial are matched by subject, scene, session and action.
- Action names come from the file names (underscores, hyphens and case are ignored); an action outside the 35
  classes raises an error listing them. UniMTS used 35 classes; the paper counts 37 **(check)**.
- The streams are not sampled together: they are put on one 50 Hz grid over the time they share with
  `imuhar.preprocessing.resample_irregular` (pauses over 1 s cut it).
- Units are detected per stream: acceleration as g, m/s² or milli-g from its median norm, gyroscope as deg/s when
  its 99th-percentile rate exceeds 20, else rad/s (`metadata["units_in_file"]`).
- The phone sat in the trouser pocket (`right_hip`, side assumed) and the watch on the wrist (`right_wrist`,
  assumed); the watch has no gyroscope stream.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone", "watch", "manual-download"),
    layout="{acc_phone_clip,gyro_clip,acc_watch_clip}/subjectN/sceneS/sessionK/<action>.csv (timestamp,x,y,z) (check)",
)

_NAME_RE = re.compile(
    r"(?:^|/)(" + "|".join(_STREAMS) + r")/subject(\d+)/scene(\d+)/session(\d+)/([^/]+)\.csv$", re.IGNORECASE
)


def _action_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalpha())


_ACTION_IDS = {_action_key(n): i for i, (n, _, _) in enumerate(_ACTIONS)}


def _read_stream(data: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Times in seconds (n,) and xyz (n, 3), in file order."""
    import pandas as pd

    try:
        df = pd.read_csv(io.BytesIO(data), header=None, sep=",", engine="c", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataFormatError(f"{where} is not a comma-separated 'timestamp,x,y,z' table: {str(exc).splitlines()[0]}") from None
    if df.shape[1] != 4:
        raise DataFormatError(f"{where} has {df.shape[1]} column(s); MMAct sensor rows are 'timestamp,x,y,z'")
    if pd.to_numeric(df.iloc[0, 1:], errors="coerce").isna().any():
        df = df.iloc[1:]  # a header row
    xyz = df.iloc[:, 1:4].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    t_num = pd.to_numeric(df.iloc[:, 0], errors="coerce")
    if t_num.isna().any():
        stamps = pd.to_datetime(df.iloc[:, 0].astype(str).str.strip(), errors="coerce", format="mixed")
        if stamps.isna().any():
            raise DataFormatError(f"{where}: timestamps are neither numbers nor date-times")
        t = stamps.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    else:
        t = t_num.to_numpy(np.float64)
        med = float(np.median(np.diff(np.sort(t)))) if t.size > 1 else 0.0
        if med > 0:  # the unit that makes the median interval closest to 1/50 s
            scales = np.array([1.0, 1e-3, 1e-6, 1e-9])
            t = t * scales[np.argmin(np.abs(np.log(med * scales * CARD.rate_hz)))]
    if xyz.shape[0] < 2 or np.isnan(xyz).any():
        raise DataFormatError(f"{where} has fewer than 2 rows or empty/non-numeric x, y, z cells; the file is truncated")
    return t, xyz


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read MMAct inertial trials as recordings (phone acc+gyro at the right hip, watch acc at the right wrist).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``acc_phone_clip/``, ``gyro_clip/`` and ``acc_watch_clip/``.
    verbose : bool
        Show a progress bar.
    """
    src = descend(open_source(source), "*subject*/scene*/session*/*.csv")
    names = [n for n in require(src, "*subject*/scene*/session*/*.csv", "MMAct sensor trials",
                                "request the sensor data on the MMAct page and pass the archive or its folder")
             if _NAME_RE.search(n)]
    if not names:
        raise DataFormatError(f"no file in {src.path} is named like acc_phone_clip/subject1/scene1/session1/walking.csv")
    trials: dict[tuple, dict[str, str]] = defaultdict(dict)
    for n in names:
        stream, subject, scene, session, action = _NAME_RE.search(n).groups()
        key = _action_key(action)
        if key not in _ACTION_IDS:
            raise DataFormatError(f"{src.describe(n)}: action {action!r} is not one of the 35 classes "
                                  f"{[a for a, _, _ in _ACTIONS]}")
        trials[(int(subject), int(scene), int(session), _ACTION_IDS[key])][stream.lower()] = n
    for (subject, scene, session, cls), streams in progress(sorted(trials.items()), verbose, "mmact"):
        keys = sorted(streams)
        read = [_read_stream(src.read_bytes(streams[s]), src.describe(streams[s])) for s in keys]
        pieces = align_streams(read, CARD.rate_hz, max_gap_s=1.0, min_samples=int(CARD.rate_hz))
        if not pieces:
            logger.warning("subject %d scene %d session %d %s: streams share under 1 s; skipped", subject, scene,
                           session, _ACTIONS[cls][0])
            continue
        for k, (start_s, values, _) in enumerate(pieces):
            acc, gyro, units = {}, {}, {}
            for stream, (_, raw), v in zip(keys, read, values):
                device, kind = _STREAMS[stream]
                node = CARD.placements[device]
                if kind == "acc":
                    scale, unit = infer_acc_scale(raw, src.describe(streams[stream]))
                    acc[node] = v * scale
                else:
                    scale, unit = infer_gyro_scale(raw)
                    gyro[node] = v * scale
                units[stream] = unit
            gyro = {n: g for n, g in gyro.items() if n in acc}
            if not acc:
                continue
            rid = f"subject{subject}_scene{scene}_session{session}_{_ACTIONS[cls][0].replace(' ', '_')}"
            rid += f"_span{k + 1}" if len(pieces) > 1 else ""
            yield make_recording(CARD, acc=acc, gyro=gyro, labels=np.full(values[0].shape[0], cls, dtype=np.int64),
                                 subject=str(subject), recording_id=rid, scene=scene, session=session,
                                 units_in_file=units, start_s=start_s)


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Subjects 1 and 2, scene 1 session 1: walking and checking_time (4 s), phone acc/gyro and watch acc with
    date-time stamps at about 50 Hz, the streams starting a little apart."""
    base = Path(root) / "MMAct_sensor"
    for subject in (1, 2):
        for action, dynamic in (("walking", True), ("checking_time", True)):
            start = np.datetime64("2018-11-19T17:51:07.000") + np.timedelta64(int(rng.integers(0, 10**6)), "ms")
            for stream in _STREAMS:
                acc_g, gyro = synthetic_imu(rng, 200, CARD.rate_hz, dynamic)
                xyz = gyro if stream == "gyro_clip" else acc_g * G
                offs = np.cumsum(20 * (1 + rng.uniform(-0.1, 0.1, 200))).astype(int) + int(rng.integers(0, 100))
                rows = [f"{str(start + np.timedelta64(int(o), 'ms')).replace('T', ' ')},{x:.5f},{y:.5f},{z:.5f}"
                        for o, (x, y, z) in zip(offs, xyz)]
                write_text(base / stream / f"subject{subject}" / "scene1" / "session1" / f"{action}.csv",
                           "\n".join(rows) + "\n")
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {"walking", "checking time"},
        "placements": {"right_hip", "right_wrist"},
        "has_gyro": True,
        "rate_hz": 50.0,
    }
