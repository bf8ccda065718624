"""RealWorld (HAR) (Sztyler & Stuckenschmidt 2016): phones and a watch at 7 body positions, 50 Hz, 8 activities."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import G, align_streams, descend, make_recording, progress, require, synthetic_imu

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

_ACTIVITIES = ("climbingdown", "climbingup", "jumping", "lying", "standing", "sitting", "running", "walking")
_POSITIONS = ("chest", "forearm", "head", "shin", "thigh", "upperarm", "waist")
#: A pause longer than this (s) in any stream cuts the common time span.
MAX_GAP_S = 1.0
#: Spans shorter than this (s) are dropped.
MIN_SPAN_S = 1.0

CARD = DatasetCard(
    name="realworld",
    title="RealWorld (HAR)",
    citation=(
        "T. Sztyler and H. Stuckenschmidt. On-body Localization of Wearable Devices: An Investigation of "
        "Position-Aware Activity Recognition. IEEE PerCom 2016, pp. 1-9."
    ),
    license="Research use; cite Sztyler & Stuckenschmidt (2016) (University of Mannheim)",
    homepage="https://www.uni-mannheim.de/dws/research/projects/activity-recognition/dataset/dataset-realworld/",
    files=(
        RemoteFile(
            url="http://wifo5-14.informatik.uni-mannheim.de/sensor/dataset/realworld2016/realworld2016_dataset.zip",
            filename="realworld2016_dataset.zip",
        ),
    ),
    rate_hz=50.0,
    placements={"chest": "spine3", "forearm": "left_elbow", "head": "head", "shin": "left_knee",
                "thigh": "left_hip", "upperarm": "left_shoulder", "waist": "pelvis"},
    sensors={
        n: ("acc", "gyro")
        for n in ("spine3", "left_elbow", "head", "left_knee", "left_hip", "left_shoulder", "pelvis")
    },
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("climbing down", "Walking down a staircase step by step.", "dynamic"),
            Activity("climbing up", "Walking up a staircase, lifting each leg onto the next step.", "dynamic"),
            Activity("jumping", "Jumping up and down on the spot with both feet, repeatedly.", "dynamic"),
            Activity("lying", "Lying down with the body horizontal and still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("running", "Running with long strides and a flight phase between steps.", "dynamic"),
            Activity("walking", "Walking at a normal pace on level ground.", "dynamic"),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 16)),
    split=SplitRule(
        kind="given",
        description="No official split; probands 13, 14 and 15 (the last three of 15 ids) are held out.",
        test_subjects=("13", "14", "15"),
    ),
    notes="""\
- Reads `realworld2016_dataset/proband{1..15}/data/{acc,gyr}_<activity>_csv.zip`, each a zip of per-position
  CSVs `acc_<activity>_<position>.csv` / `Gyroscope_<activity>_<position>.csv` with columns
  id, attr_time (ms), attr_x, attr_y, attr_z. Some of these zips hold further zips (climbing of probands 4, 7, 14)
  and some activities were recorded in several parts (`<activity>_2`): zips are opened recursively and each part
  is its own recording. Unpacked CSVs are read too. Magnetometer, GPS, light and sound files are skipped.
- The seven devices (six phones and a watch) ran unsynchronised at about 50 Hz: all streams are put on one 50 Hz
  grid over the time every stream covers with `imuhar.preprocessing.resample_irregular` (sorted, repeats dropped,
  linear interpolation); a pause over 1 s in any stream cuts that span. Positions missing for an activity (e.g.
  proband 2 climbing up, forearm) are simply absent from that recording.
- Acc in m/s² (with gravity), gyro in rad/s.
- Placements: chest -> `spine3`, forearm (the watch) -> elbow node (forearm segment), head, shin -> knee node,
  thigh -> hip node, upper arm -> shoulder node, waist -> `pelvis`. The side is not documented; the left side is
  assumed for the limb devices, as UniMTS did **(check)**.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone", "watch", "multi-placement", "irregular-timestamps"),
    layout="probandN/data/{acc,gyr}_<activity>_csv.zip -> {acc,Gyroscope}_<activity>[_k]_<position>.csv",
)

_CSV_RE = re.compile(
    r"(?:^|/)(acc|Gyroscope)_(" + "|".join(_ACTIVITIES) + r")(?:_(\d+))?_(" + "|".join(_POSITIONS) + r")\.csv$",
    re.IGNORECASE,
)
_PROBAND_RE = re.compile(r"proband(\d+)", re.IGNORECASE)


def _walk(data: bytes, label: str, depth: int = 0) -> Iterator[tuple[str, str, bytes]]:
    """(location for messages, member name, bytes) of every sensor CSV inside a zip, opening nested zips."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataFormatError(f"{label} is not a valid zip archive; re-download the RealWorld dataset") from None
    with zf:
        for n in zf.namelist():
            if n.endswith("/"):
                continue
            if n.lower().endswith(".zip") and depth < 3:
                yield from _walk(zf.read(n), f"{label}!{n}", depth + 1)
            elif _CSV_RE.search(n):
                yield f"{label}!{n}", n, zf.read(n)


def _read_csv(data: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Times in seconds (n,) and xyz (n, 3) of one RealWorld CSV, in file order."""
    import pandas as pd

    try:
        df = pd.read_csv(io.BytesIO(data))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataFormatError(f"{where} is not a comma-separated table: {str(exc).splitlines()[0]}") from None
    need = ("attr_time", "attr_x", "attr_y", "attr_z")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataFormatError(f"{where} lacks column(s) {missing}; RealWorld CSVs hold id,attr_time,attr_x,attr_y,attr_z "
                              f"(found {list(map(str, df.columns))})")
    v = df[list(need)].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    if v.shape[0] < 2 or np.isnan(v).any():
        raise DataFormatError(f"{where} has fewer than 2 rows or empty/non-numeric cells; the file is truncated")
    return v[:, 0] / 1000.0, v[:, 1:4]


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read RealWorld sessions as recordings of up to seven placements on one 50 Hz grid.

    Parameters
    ----------
    source : str, Path or DataSource
        The folder or ``realworld2016_dataset.zip`` holding ``probandN/data/*_csv.zip`` (or unpacked CSVs).
    verbose : bool
        Show a progress bar.

    Yields
    ------
    Recording
        One per proband, activity and part (and span between pauses); acc m/s², gyro rad/s.
    """
    src = descend(open_source(source), "*proband*")
    names = [n for n in src.names if _PROBAND_RE.search(n) and (n.lower().endswith(".zip") or _CSV_RE.search(n))]
    if not names:
        require(src, "*proband*/data/*", "RealWorld proband folders",
                f"download {CARD.files[0].url} and pass it (or its unpacked folder)")
    by_proband: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if name.lower().endswith(".zip") and not re.search(r"(?:^|/)(acc|gyr)_", name, re.IGNORECASE):
            continue  # magnetometer, GPS, light, sound, video archives
        by_proband[str(int(_PROBAND_RE.findall(name)[-1]))].append(name)
    found = False
    # One proband at a time, so only its files are held in memory.
    for subject in progress(sorted(by_proband, key=int), verbose, "realworld"):
        for rec in _proband_recordings(src, subject, by_proband[subject]):
            found = True
            yield rec
    if not found:
        raise DataFormatError(f"no acc_/Gyroscope_<activity>_<position>.csv inside the archives of {src.path}")


def _proband_recordings(src, subject: str, names: list[str]) -> Iterator[Recording]:
    """Recordings of one proband from its archives / CSV files."""
    # (activity, part) -> {(kind, position): (where, bytes)}
    groups: dict[tuple[str, int], dict[tuple[str, str], tuple[str, bytes]]] = defaultdict(dict)
    for name in names:
        if name.lower().endswith(".zip"):
            members = _walk(src.read_bytes(name), src.describe(name))
        else:
            members = iter([(src.describe(name), name, src.read_bytes(name))])
        for where, member, data in members:
            kind, act, part, pos = _CSV_RE.search(member).groups()
            groups[(act.lower(), int(part or 1))].setdefault(
                ("acc" if kind.lower() == "acc" else "gyro", pos.lower()), (where, data)
            )
    for (act, part), files in sorted(groups.items()):
        keys = sorted(files)
        streams = [_read_csv(files[k][1], files[k][0]) for k in keys]
        pieces = align_streams(streams, CARD.rate_hz, max_gap_s=MAX_GAP_S, min_samples=int(MIN_SPAN_S * CARD.rate_hz))
        if not pieces:
            logger.warning("proband %s %s part %d: the streams share less than %.0f s; skipped",
                           subject, act, part, MIN_SPAN_S)
            continue
        for k, (start_s, values, _) in enumerate(pieces):
            acc = {CARD.placements[pos]: v for (kind, pos), v in zip(keys, values) if kind == "acc"}
            gyro = {CARD.placements[pos]: v for (kind, pos), v in zip(keys, values) if kind == "gyro"}
            if not acc:
                continue
            gyro = {n: g for n, g in gyro.items() if n in acc}
            rid = f"proband{subject}_{act}" + (f"_{part}" if part > 1 else "")
            rid += f"_span{k + 1}" if len(pieces) > 1 else ""
            yield make_recording(
                CARD, acc=acc, gyro=gyro, labels=np.full(values[0].shape[0], _ACTIVITIES.index(act), dtype=np.int64),
                subject=subject, recording_id=rid, part=part, start_s=start_s,
                positions=sorted({pos for _, pos in keys}),
            )


def _csv_bytes(rng, n_samples: int, t0_ms: float, xyz: np.ndarray) -> bytes:
    t = t0_ms + np.cumsum(20.0 * (1 + rng.uniform(-0.1, 0.1, n_samples)))
    rows = "\n".join(f"{i + 1},{int(ti)},{x:.6f},{y:.6f},{z:.6f}" for i, (ti, (x, y, z)) in enumerate(zip(t, xyz)))
    return ("id,attr_time,attr_x,attr_y,attr_z\n" + rows + "\n").encode()


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Probands 1 and 2, walking and sitting (5 s), all seven positions, in per-activity zips; proband 2's sitting
    accelerometer zip nests a second zip, as the climbing archives of some probands do."""
    for subject in (1, 2):
        data = Path(root) / "realworld2016_dataset" / f"proband{subject}" / "data"
        data.mkdir(parents=True, exist_ok=True)
        for act, dynamic in (("walking", True), ("sitting", False)):
            t0 = 1.4e12 + rng.integers(0, 10**6)
            acc_files, gyr_files = {}, {}
            for pos in _POSITIONS:
                acc_g, gyro = synthetic_imu(rng, 250, CARD.rate_hz, dynamic)
                start = t0 + rng.uniform(0, 200)  # devices start a little apart
                acc_files[f"acc_{act}_{pos}.csv"] = _csv_bytes(rng, 250, start, acc_g * G)
                gyr_files[f"Gyroscope_{act}_{pos}.csv"] = _csv_bytes(rng, 250, start, gyro)
            for prefix, files in (("acc", acc_files), ("gyr", gyr_files)):
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w") as zf:
                    for fname, content in files.items():
                        zf.writestr(fname, content)
                payload = buf.getvalue()
                if subject == 2 and act == "sitting" and prefix == "acc":
                    outer = io.BytesIO()
                    with zipfile.ZipFile(outer, "w") as zf:
                        zf.writestr(f"acc_{act}_1_csv.zip", payload)
                    payload = outer.getvalue()
                (data / f"{prefix}_{act}_csv.zip").write_bytes(payload)
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {"walking", "sitting"},
        "placements": set(CARD.placements.values()),
        "has_gyro": True,
        "rate_hz": 50.0,
    }
