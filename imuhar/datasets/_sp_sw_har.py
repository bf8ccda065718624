"""SP-SW-HAR (Matey-Sanz et al. 2023): a smartphone in the trouser pocket and a smartwatch on the wrist, ~100 Hz.

Each execution of the scripted Timed-Up-and-Go sequence (sit, stand up, walk, turn, walk back, turn, sit down) is
stored as ``DATA/sXX/sXX_YY_sp.csv`` (phone) and ``DATA/sXX/sXX_YY_sw.csv`` (watch), columns
``x_acc,y_acc,z_acc,x_gyro,y_gyro,z_gyro,timestamp,label`` with UNIX-millisecond timestamps. Both devices sample
irregularly (repeated and jittered timestamps), so :func:`parse` puts both onto one uniform grid over the span
they share: signals by linear interpolation (repeated timestamps averaged first), labels from the nearest raw
sample.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import (
    UNLABELLED,
    DataFormatError,
    DataNotFoundError,
    InvalidParameterError,
    LabelVocabulary,
    Recording,
    check_rate,
)
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source, read_csv_columns

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

RATE_HZ = 100.0
COLUMNS = ("x_acc", "y_acc", "z_acc", "x_gyro", "y_gyro", "z_gyro", "timestamp", "label")
DEVICES = {"sp": ("phone", "left_hip"), "sw": ("watch", "left_wrist")}

_CLASSES = (
    ("SEATED", "seated", "static", "Sitting still on a chair."),
    ("STANDING_UP", "standing up", "transition", "Rising from a chair to a standing posture."),
    ("WALKING", "walking", "dynamic", "Walking forward at a comfortable pace."),
    ("TURNING", "turning", "dynamic", "Turning around on the spot by 180 degrees while standing."),
    ("SITTING_DOWN", "sitting down", "transition", "Lowering oneself from standing onto a chair."),
)
_FILE_LABELS = {c[0]: i for i, c in enumerate(_CLASSES)}
VOCABULARY = LabelVocabulary.from_names(
    [c[1] for c in _CLASSES], descriptions=[c[3] for c in _CLASSES], kinds=[c[2] for c in _CLASSES]
)

CARD = DatasetCard(
    name="sp-sw-har",
    title="Smartphone and smartwatch inertial dataset for HAR and the Timed Up and Go test (SP-SW-HAR)",
    citation=(
        "Matey-Sanz, M., Casteleyn, S., Granell, C. (2023). Dataset of inertial measurements of smartphones and "
        "smartwatches for human activity recognition. Data in Brief. The data: Matey-Sanz, M., Casteleyn, S., "
        "Granell, C. (2023), Zenodo."
    ),
    license="CC BY 4.0",
    homepage="https://matey97.github.io/thesis/02.2_dataset.html",
    files=(
        RemoteFile(
            url="https://matey97.github.io/thesis/02.2_dataset.html",
            filename="sp-sw-har.zip",
            manual=(
                "the archive is published on Zenodo, linked from this page: download it and save it as "
                "sp-sw-har.zip in the cache folder, or pass it as --data-dir / data_dir="
            ),
            direct=False,
        ),
    ),
    rate_hz=RATE_HZ,
    placements={"smartphone (front trouser pocket)": "left_hip", "smartwatch": "left_wrist"},
    sensors={"left_hip": ("acc", "gyro"), "left_wrist": ("acc", "gyro")},
    units={"acc": "m/s^2 (gravity included)", "gyro": "rad/s", "timestamp": "UNIX ms"},
    vocabulary=VOCABULARY,
    subjects=tuple(f"s{i:02d}" for i in range(1, 24)),
    split=SplitRule(
        kind="loso",
        description=(
            "No official split: leave one subject out, or grouped k-fold by subject for the benchmark grid."
        ),
    ),
    notes=(
        "- 23 subjects, 223 executions of a scripted Timed-Up-and-Go sequence; one recording per execution with "
        "both devices on one 100 Hz grid covering the time both recorded. Repeated timestamps are averaged, then "
        "signals are interpolated linearly; labels come from the nearest raw sample of each device, and samples "
        "where the two devices' labels disagree (within a few ms of a boundary) are unlabelled (-1).\n"
        "- Placements were checked against the data, since the files do not name them. Watch: its x axis reads "
        "about -g while walking with the arm hanging, i.e. points towards the hand, which is how a watch sits on "
        "the **left** wrist (on the right wrist x points to the elbow); this holds for all 23 subjects, including "
        "the left-handed s16. Phone: after undoing each execution's documented orientation "
        "(`executions_info.csv`: front/back, `_inv` = upside down), the phone's pitch rate about the "
        "medio-lateral axis is anti-correlated with the watch's arm swing in 204 of 223 executions (median r = "
        "-0.53, the same sign in all four orientations). Arms swing in phase with the opposite leg, so the "
        "pocket is on the same side as the watch: the **left** front pocket (`left_hip`, thigh segment). "
        "Seated, the phone also rolls outward to the left.\n"
        "- The authors' README calls the gyroscope columns `*_acc` by mistake; the CSV headers say `*_gyro`.\n"
        "- `executions_info.csv` (phone orientation, turn directions) travels in `metadata`.\n"
        "- The download is manual (the Zenodo record is linked from the homepage; its exact URL could not be "
        "checked from an offline build), so no SHA-256 is pinned."
    ),
    tags=("phone", "watch", "pocket", "wrist", "acc+gyro", "irregular-timestamps", "TUG"),
    layout="DATA/sXX/sXX_YY_sp.csv + DATA/sXX/sXX_YY_sw.csv (+ DATA/executions_info.csv, DATA/subjects_info.csv)",
)

_FILE_RE = re.compile(r"(?:^|/)(s\d+)_(\d+)_(sp|sw)\.csv$")


def _read_device(src: DataSource, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times in s (n,), signals (n, 6) acc m/s² then gyro rad/s, labels (n,) as class ids; sorted by time."""
    frame = read_csv_columns(src, name, COLUMNS, numeric=COLUMNS[:7])
    ids = frame["label"].astype(str).str.strip().map(_FILE_LABELS).to_numpy(dtype=np.float64)
    known = np.isfinite(ids)
    if not known.all():
        row = int(np.argmin(known))
        raise DataFormatError(
            f"{src.describe(name)} row {row + 2} has label {frame['label'].iloc[row]!r}; SP-SW-HAR labels are "
            f"{list(_FILE_LABELS)}. Check that the file is from this dataset."
        )
    if len(frame) < 2:
        raise DataFormatError(f"{src.describe(name)} holds {len(frame)} sample(s); a recording needs at least 2")
    labels = ids.astype(np.int64)
    t = frame["timestamp"].to_numpy(dtype=np.float64) / 1000.0
    x = frame[list(COLUMNS[:6])].to_numpy(dtype=np.float64)
    order = np.argsort(t, kind="stable")
    return t[order], x[order], labels[order]


def _merge_repeats(t: np.ndarray, x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average samples that share a timestamp (the phone logs bursts); the first label of a burst is kept."""
    uniq, first, inverse = np.unique(t, return_index=True, return_inverse=True)
    if len(uniq) == len(t):
        return t, x, labels
    sums = np.zeros((len(uniq), x.shape[1]))
    np.add.at(sums, inverse, x)
    counts = np.bincount(inverse, minlength=len(uniq))
    return uniq, sums / counts[:, None], labels[first]


def _onto_grid(t: np.ndarray, x: np.ndarray, labels: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of (n, C) signals and nearest-sample labels at grid times, shapes (G, C) and (G,)."""
    hi = np.clip(np.searchsorted(t, grid, side="right"), 1, len(t) - 1)
    lo = hi - 1
    w = np.clip((grid - t[lo]) / (t[hi] - t[lo]), 0.0, 1.0)[:, None]
    values = x[lo] * (1.0 - w) + x[hi] * w
    nearest = np.where(w[:, 0] <= 0.5, lo, hi)
    return values, labels[nearest]


def _executions_info(src: DataSource) -> dict[str, dict[str, str]]:
    hits = src.glob("*executions_info.csv")
    if not hits:
        return {}
    frame = read_csv_columns(src, hits[0], ("execution_id", "orientation"))
    return {str(r["execution_id"]): {k: str(v) for k, v in r.items() if k != "execution_id"} for r in frame.to_dict("records")}


def parse(
    source: str | Path | DataSource,
    *,
    verbose: bool = True,
    rate_hz: float = RATE_HZ,
    devices: tuple[str, ...] = ("phone", "watch"),
) -> Iterator[Recording]:
    """Read SP-SW-HAR executions, one :class:`Recording` per execution with both devices on one grid.

    Parameters
    ----------
    source : path or DataSource
        Folder or archive holding ``DATA/sXX/sXX_YY_{sp,sw}.csv``.
    verbose : bool
        Progress bar.
    rate_hz : float
        Rate of the uniform output grid (the devices deliver about 100 Hz).
    devices : tuple of {"phone", "watch"}
        Devices to include; with one device the grid spans that device's own recording.

    Yields
    ------
    Recording
        Phone at ``left_hip`` and watch at ``left_wrist``: acc m/s² with gravity, gyro rad/s.
    """
    rate = check_rate(rate_hz, "rate_hz")
    wanted = {"phone": "sp", "watch": "sw"}
    unknown = [d for d in devices if d not in wanted]
    if unknown or not devices:
        raise InvalidParameterError(f"devices must be a non-empty subset of ('phone', 'watch'); received {devices!r}")
    codes = [wanted[d] for d in devices]
    src = open_source(source)
    files: dict[tuple[str, str], dict[str, str]] = {}
    for name in src.names:
        m = _FILE_RE.search(name)
        if m:
            files.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = name
    if not files:
        raise DataNotFoundError(
            f"no DATA/sXX/sXX_YY_sp.csv or _sw.csv files in {src.path}. Expected {CARD.layout}; download "
            f"{CARD.files[0].url}"
        )
    info = _executions_info(src)
    from tqdm.auto import tqdm

    for (subject, execution), found in tqdm(sorted(files.items()), desc="sp-sw-har", disable=not verbose, leave=False):
        missing = [c for c in codes if c not in found]
        if missing:
            have = next(iter(found.values()))
            raise DataNotFoundError(
                f"{src.describe(have)} has no {'/'.join(f'{subject}_{execution}_{c}.csv' for c in missing)} beside it; "
                f"restore the file, or pass devices=('{DEVICES[next(iter(found))][0]}',) to read one device"
            )
        streams = {c: _merge_repeats(*_read_device(src, found[c])) for c in codes}
        start = max(s[0][0] for s in streams.values())
        stop = min(s[0][-1] for s in streams.values())
        n = int(np.floor((stop - start) * rate + 1e-9)) + 1
        if stop <= start or n < 2:
            raise DataFormatError(
                f"the phone and watch files of execution {subject}_{execution} in {src.path} do not overlap in time "
                f"(their UNIX-ms timestamps share no span); check that they belong to the same execution"
            )
        grid = start + np.arange(n) / rate
        acc, gyro, labels = {}, {}, None
        for code in codes:
            values, lab = _onto_grid(*streams[code], grid)
            node = DEVICES[code][1]
            acc[node], gyro[node] = values[:, :3], values[:, 3:]
            labels = lab if labels is None else np.where(labels == lab, labels, UNLABELLED)
        execution_id = f"{subject}_{execution}"
        yield Recording(
            acc=acc,
            gyro=gyro,
            sample_rate_hz=rate,
            labels=labels,
            vocabulary=VOCABULARY,
            subject=subject,
            recording_id=execution_id,
            metadata={
                "dataset": CARD.name,
                "devices": [DEVICES[c][0] for c in codes],
                "start_unix_s": float(start),
                **({"execution": info[execution_id]} if execution_id in info else {}),
            },
        )


def _synthetic_device(rng: np.random.Generator, t0_ms: int, n: int, labels: list[str], watch: bool) -> str:
    """CSV text of one device: irregular ~100 Hz timestamps with repeats, acc m/s² with gravity, gyro rad/s."""
    dt = rng.choice([9, 10, 10, 11, 0], size=n)  # 0 ms steps: the repeated timestamps phones log
    t = t0_ms + np.cumsum(dt)
    phase = 2 * np.pi * 1.0 * (t - t0_ms) / 1000.0
    g = np.array([-9.6, -2.5, 0.5]) if watch else np.array([-0.8, -9.7, -1.0])
    acc = g + np.c_[np.sin(phase), 0.5 * np.cos(phase), 0.1 * rng.standard_normal(n)]
    gyro = np.c_[0.8 * np.sin(phase), 0.2 * rng.standard_normal(n), 0.5 * np.cos(phase)]
    seg = np.array_split(np.arange(n), len(labels))
    lab = np.empty(n, dtype=object)
    for idx, name in zip(seg, labels):
        lab[idx] = name
    rows = [",".join(COLUMNS)]
    for i in range(n):
        rows.append(",".join(f"{v:.9g}" for v in (*acc[i], *gyro[i])) + f",{int(t[i])},{lab[i]}")
    return "\n".join(rows) + "\n"


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Write 3 executions of 2 subjects (phone + watch CSVs) and executions_info.csv."""
    root = Path(root)
    executions = [
        ("s01", "01", ["SEATED", "STANDING_UP", "WALKING", "TURNING", "WALKING", "SITTING_DOWN"]),
        ("s01", "02", ["SEATED", "STANDING_UP", "WALKING"]),
        ("s07", "01", ["WALKING", "TURNING", "SITTING_DOWN", "SEATED"]),
    ]
    info = ["execution_id,orientation,first_turn,second_turn"]
    for k, (subject, execution, labels) in enumerate(executions):
        folder = root / "DATA" / subject
        folder.mkdir(parents=True, exist_ok=True)
        t0 = 1657533977000 + 100_000 * k
        for code, offset in (("sp", 3), ("sw", 0)):
            text = _synthetic_device(rng, t0 + offset, 420, labels, watch=code == "sw")
            (folder / f"{subject}_{execution}_{code}.csv").write_text(text)
        info.append(f"{subject}_{execution},back_inv,l,r")
    (root / "DATA" / "executions_info.csv").write_text("\n".join(info) + "\n")
    return {
        "n_recordings": 3,
        "subjects": {"s01", "s07"},
        "labels": {"seated", "standing up", "walking", "turning", "sitting down"},
        "placements": {"left_hip", "left_wrist"},
        "has_gyro": True,
        "rate_hz": RATE_HZ,
    }
