"""WISDM Smartphone and Smartwatch Activity and Biometrics (Weiss 2019): phone + watch at 20 Hz, 18 activities."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source
from ._loader_common import G, align_streams, descend, make_recording, progress, require, synthetic_imu, write_text

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

#: Activity letters of ``activity_key.txt`` (there is no N) in vocabulary order.
_CODES = "ABCDEFGHIJKLMOPQRS"
#: A pause longer than this (seconds) in a stream splits it.
MAX_GAP_S = 1.0
#: Pieces shorter than this (seconds) are dropped.
MIN_PIECE_S = 1.0

CARD = DatasetCard(
    name="wisdm",
    title="WISDM Smartphone and Smartwatch Activity and Biometrics Dataset",
    citation=(
        "G. M. Weiss, K. Yoneda, T. Hayajneh. Smartphone and Smartwatch-Based Biometrics Using Activities of Daily "
        "Living. IEEE Access 7: 133190-133202, 2019."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/507/wisdm+smartphone+and+smartwatch+activity+and+biometrics+dataset",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/507/wisdm+smartphone+and+smartwatch+activity+and+biometrics+dataset.zip",
            filename="wisdm+smartphone+and+smartwatch+activity+and+biometrics+dataset.zip",
        ),
    ),
    rate_hz=20.0,
    placements={"phone": "right_hip", "watch": "right_wrist"},
    sensors={"right_hip": ("acc", "gyro"), "right_wrist": ("acc", "gyro")},
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("walking", "Walking at a normal pace with alternating steps and natural arm swing.", "dynamic"),
            Activity("jogging", "Jogging with a bouncing gait and short flight phases between steps.", "dynamic"),
            Activity("stairs", "Walking up and down a staircase, stepping from stair to stair.", "dynamic"),
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity(
                "typing",
                "Seated typing on a keyboard, fingers and wrists making small quick movements.",
                "dynamic",
            ),
            Activity(
                "brushing teeth",
                "Standing and scrubbing the teeth with a toothbrush in quick back-and-forth hand strokes.",
                "dynamic",
            ),
            Activity("eating soup", "Seated, repeatedly lifting a spoon from a bowl to the mouth.", "dynamic"),
            Activity(
                "eating chips",
                "Seated, repeatedly picking chips by hand and bringing them to the mouth.",
                "dynamic",
            ),
            Activity("eating pasta", "Seated, twirling and lifting pasta with a fork to the mouth.", "dynamic"),
            Activity(
                "drinking from cup",
                "Seated or standing, raising a cup to the lips, tilting it and lowering it again.",
                "dynamic",
            ),
            Activity(
                "eating sandwich",
                "Seated, lifting a sandwich held in the hand to the mouth and biting.",
                "dynamic",
            ),
            Activity(
                "kicking soccer ball",
                "Swinging one leg forward to kick a football, stepping between kicks.",
                "dynamic",
            ),
            Activity(
                "playing catch with tennis ball",
                "Throwing a tennis ball with the arm and catching it with the hands.",
                "dynamic",
            ),
            Activity(
                "dribbling basketball",
                "Bouncing a basketball repeatedly with one hand while standing or moving.",
                "dynamic",
            ),
            Activity("writing", "Seated, writing on paper with a pen, the hand making small strokes.", "dynamic"),
            Activity(
                "clapping",
                "Striking the palms of both hands together repeatedly in front of the chest.",
                "dynamic",
            ),
            Activity(
                "folding clothes",
                "Standing at a table, picking up garments and folding them with both hands.",
                "dynamic",
            ),
        )
    ),
    subjects=tuple(str(s) for s in range(1600, 1651)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 1641-1650 (the last ten ids, about 20 %) are held out.",
        test_subjects=tuple(str(s) for s in range(1641, 1651)),
    ),
    notes="""\
- Reads `wisdm-dataset/raw/{phone,watch}/{accel,gyro}/data_<id>_<accel|gyro>_<phone|watch>.txt`, rows
  `subject,activity letter,timestamp,x,y,z;` (every row ends with `;`). Acc in m/s² (gravity included), gyro in
  rad/s. The arff/transformed files are not read.
- Timestamps are nanoseconds from the device clock, irregular, sometimes repeated. Per subject, device and
  activity, accelerometer and gyroscope are put on one 20 Hz grid over the time both cover with
  `imuhar.preprocessing.resample_irregular` (sorted, repeats dropped, linear interpolation); a pause over 1 s in
  either stream cuts the grid, and pieces shorter than 1 s are dropped. Where a gyroscope file lacks an activity,
  that recording is acc-only.
- Phone and watch were not synchronised with each other, so each device yields its own recordings (metadata
  `device`). UniMTS used the watch only: `parse(..., devices=("watch",))` or `load_dataset("wisdm", devices=...)`.
- Placements are assumptions: the phone sat in a trouser pocket (side not documented; `right_hip`) and the watch
  on the dominant wrist (`right_wrist`, most subjects being right-handed).
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone", "watch", "irregular-timestamps"),
    layout="wisdm-dataset/raw/{phone,watch}/{accel,gyro}/data_ID_SENSOR_DEVICE.txt (rows 'id,letter,ns,x,y,z;')",
)

_NAME_RE = re.compile(r"(?:^|/)raw/(phone|watch)/(accel|gyro)/data_(\d+)_(accel|gyro)_(phone|watch)\.txt$")


def _read(src: DataSource, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activity letters (n,), timestamps in ns as float (n,), xyz (n, 3) of one raw file."""
    import pandas as pd

    where = src.describe(name)
    text = src.read_text(name).replace(";", "")
    if not text.strip():
        raise DataFormatError(f"{where} is empty; re-download the WISDM archive")
    try:
        df = pd.read_csv(io.StringIO(text), header=None, sep=",", engine="c", skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFormatError(f"{where} is not a comma-separated table of 'id,activity,timestamp,x,y,z;' rows: "
                              f"{str(exc).splitlines()[0]}") from None
    if df.shape[1] != 6:
        raise DataFormatError(
            f"{where} has {df.shape[1]} column(s); WISDM raw rows are 'subject,activity,timestamp,x,y,z;' (6 "
            f"comma-separated fields). Check the delimiter and that the file is complete."
        )
    values = df[[2, 3, 4, 5]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        r = int(np.argwhere(np.isnan(values))[0][0])
        raise DataFormatError(f"{where}: row {r + 1} ({','.join(map(str, df.iloc[r].tolist()))}) has an empty or "
                              f"non-numeric timestamp/x/y/z; the file is truncated or damaged, re-download it")
    codes = df[1].astype(str).str.strip().to_numpy()
    unknown = sorted(set(codes.tolist()) - set(_CODES))
    if unknown:
        raise DataFormatError(f"{where} holds unknown activity letter(s) {unknown[:5]}; WISDM uses {list(_CODES)} "
                              f"(see activity_key.txt)")
    return codes, values[:, 0], values[:, 1:4]


def _seconds(t_raw: np.ndarray) -> np.ndarray:
    """Timestamps to seconds: the documented unit is ns, but some devices log µs or ms, so the unit that makes the
    median sample interval closest to 1/20 s is used."""
    d = np.diff(np.sort(t_raw))
    d = d[d > 0]
    if d.size == 0:
        return t_raw * 1e-9
    med = float(np.median(d))
    scales = np.array([1e-9, 1e-6, 1e-3, 1.0])
    best = scales[np.argmin(np.abs(np.log(med * scales * CARD.rate_hz)))]
    return t_raw * best


def parse(source, *, verbose: bool = True, devices: tuple[str, ...] = ("phone", "watch")) -> Iterator[Recording]:
    """Read WISDM raw streams as uniform 20 Hz recordings, one per subject, device and activity (and piece).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``wisdm-dataset/raw/...``.
    verbose : bool
        Show a progress bar.
    devices : tuple of str
        ``"phone"`` and/or ``"watch"``.

    Yields
    ------
    Recording
        acc (m/s²) and, where the gyroscope covers it, gyro (rad/s) at the device's node.
    """
    bad = set(devices) - {"phone", "watch"}
    if bad:
        raise DataFormatError(f"devices must be 'phone' and/or 'watch'; received {sorted(bad)}")
    src = descend(open_source(source), "*raw/*/accel/data_*_accel_*.txt")
    names = [n for n in require(src, "*raw/*/accel/data_*_accel_*.txt", "WISDM raw accelerometer files",
                                f"download {CARD.files[0].url}, unpack it (and the inner wisdm-dataset.zip) "
                                f"and pass the folder")
             if _NAME_RE.search(n)]
    gyro_names = {(_NAME_RE.search(n).group(1), _NAME_RE.search(n).group(3)): n
                  for n in src.glob("*raw/*/gyro/data_*_gyro_*.txt") if _NAME_RE.search(n)}
    jobs = sorted(((m.group(1), m.group(3), n) for n in names for m in [_NAME_RE.search(n)] if m.group(1) in devices),
                  key=lambda j: (j[1], j[0]))
    for device, subject, name in progress(jobs, verbose, "wisdm"):
        node = CARD.placements[device]
        a_codes, a_t, a_xyz = _read(src, name)
        a_t = _seconds(a_t)
        g = gyro_names.get((device, subject))
        if g is not None:
            g_codes, g_t, g_xyz = _read(src, g)
            g_t = _seconds(g_t)
        else:
            logger.warning("%s: no gyroscope file for subject %s; recordings are acc-only", device, subject)
        for code in _CODES:
            sel = a_codes == code
            if not sel.any():
                continue
            streams = [(a_t[sel], a_xyz[sel])]
            if g is not None and (g_codes == code).any():
                streams.append((g_t[g_codes == code], g_xyz[g_codes == code]))
            pieces = align_streams(streams, CARD.rate_hz, max_gap_s=MAX_GAP_S,
                                   min_samples=int(MIN_PIECE_S * CARD.rate_hz))
            for k, (start_s, values, _) in enumerate(pieces):
                gyro = {node: values[1]} if len(values) > 1 else {}
                rid = f"{subject}_{device}_{code}" + (f"_part{k + 1}" if len(pieces) > 1 else "")
                yield make_recording(
                    CARD, acc={node: values[0]}, gyro=gyro,
                    labels=np.full(values[0].shape[0], _CODES.index(code), dtype=np.int64),
                    subject=subject, recording_id=rid, device=device, activity_code=code, source_file=name,
                    start_s=start_s,
                )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Phone and watch accel + gyro files for subjects 1600 and 1601, 6 s each of walking (A) and sitting (D),
    with jittered nanosecond timestamps, a repeated timestamp and the trailing ';' of the real files."""
    rate = CARD.rate_hz
    for subject in (1600, 1601):
        for device in ("phone", "watch"):
            t_start = rng.integers(10**14, 10**15)
            for sensor in ("accel", "gyro"):
                lines = []
                t = float(t_start + rng.integers(0, 2 * 10**7))  # streams start a little apart
                for code, dynamic in (("A", True), ("D", False)):
                    n = int(6 * rate)
                    acc_g, gyro = synthetic_imu(rng, n, rate, dynamic)
                    xyz = acc_g * G if sensor == "accel" else gyro
                    dt = (1e9 / rate) * (1 + rng.uniform(-0.1, 0.1, n))
                    times = t + np.cumsum(dt)
                    times[5] = times[4]  # a repeated timestamp, as phones produce
                    for ts, (x, y, z) in zip(times, xyz):
                        lines.append(f"{subject},{code},{int(ts)},{x:.7g},{y:.7g},{z:.7g};")
                    t = times[-1] + 3e9  # the next activity starts after a pause
                write_text(Path(root) / "wisdm-dataset" / "raw" / device / sensor /
                           f"data_{subject}_{sensor}_{device}.txt", "\n".join(lines) + "\n")
    return {
        "n_recordings": 8,
        "subjects": {"1600", "1601"},
        "labels": {"walking", "sitting"},
        "placements": {"right_hip", "right_wrist"},
        "has_gyro": True,
        "rate_hz": 20.0,
    }
