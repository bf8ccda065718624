"""BasicMotions (UEA multivariate archive): a smartwatch's accelerometer and gyroscope, 10 Hz, 4 classes, 80 cases.

The files are the UEA/UCR ``.ts`` format (``BasicMotions_TRAIN.ts``, ``BasicMotions_TEST.ts``): header lines
starting with ``@``, then one case per line, six comma-separated dimensions separated by ``:``, the class last.
sktime ships both files, so :func:`parse` reads them from the installed sktime package when no folder is given
(the package is located, not imported); a folder or zip holding the two files works too.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import DataFormatError, DataNotFoundError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import DataSource, open_source

__all__ = ["CARD", "EMBEDDED", "parse", "write_sample_files", "is_available"]

logger = logging.getLogger(__name__)

#: The files ship with sktime: ``parse(None)`` reads that copy, no download needed.
EMBEDDED = True
RATE_HZ = 10.0
N_DIMS = 6
SERIES_LENGTH = 100

_CLASSES = (
    ("Standing", "standing", "static", "Standing still, resting, with the watch arm relaxed."),
    ("Walking", "walking", "dynamic", "Walking at a normal pace."),
    ("Running", "running", "dynamic", "Running at a steady pace."),
    ("Badminton", "badminton", "dynamic", "Playing badminton, swinging the racket with the watch arm."),
)
_FILE_LABELS = {c[0].lower(): i for i, c in enumerate(_CLASSES)}
VOCABULARY = LabelVocabulary.from_names(
    [c[1] for c in _CLASSES], descriptions=[c[3] for c in _CLASSES], kinds=[c[2] for c in _CLASSES]
)

CARD = DatasetCard(
    name="basicmotions",
    title="BasicMotions (UEA multivariate time series classification archive)",
    citation=(
        "Bagnall, A., Dau, H. A., Lines, J., Flynn, M., Large, J., Bostrom, A., Southam, P., Keogh, E. (2018). "
        "The UEA multivariate time series classification archive, 2018. arXiv:1811.00075."
    ),
    license="UEA/UCR archive terms: free for research use, cite the archive",
    homepage="https://www.timeseriesclassification.com/description.php?Dataset=BasicMotions",
    files=(
        RemoteFile(
            url="https://www.timeseriesclassification.com/aeon-toolkit/BasicMotions.zip",
            filename="BasicMotions.zip",
        ),
    ),
    rate_hz=RATE_HZ,
    placements={"smartwatch (wrist, side not documented)": "right_wrist"},
    sensors={"right_wrist": ("acc", "gyro")},
    units={"acc": "m/s^2, gravity removed (linear acceleration)", "gyro": "rad/s"},
    vocabulary=VOCABULARY,
    subjects=("train", "test"),
    split=SplitRule(
        kind="given",
        description=(
            "The archive's train/test split (40 cases each). The release names no participants, so the two halves "
            "stand in for subjects: 'train' and 'test' are the only subject ids."
        ),
        test_subjects=("test",),
    ),
    notes=(
        "- 80 cases: four students, four activities, five 10-second recordings each, at 10 Hz (100 samples). One "
        "recording per case; every sample carries the case's class.\n"
        "- **No subject ids** in the release: the `subject` of a recording is its split, `train` or `test`, so a "
        "split by subject reproduces the official split; within-split subject structure is unknown.\n"
        "- Units, decided from the data (the release does not state them): the accelerometer channels average "
        "about 0 with a median magnitude of 0.56 while standing, and 17 while running, so they are linear "
        "acceleration in m/s² with gravity removed, not g (0.56 g at rest is implausible) and not total "
        "acceleration (no 9.81 offset at rest). The gyroscope channels saturate at 34.87, i.e. 2000 deg/s "
        "expressed in rad/s. Parsed accelerations therefore lack gravity (`acc_includes_gravity=False`); a model "
        "trained on total acceleration sees a shifted input here.\n"
        "- Placement: a smartwatch on the wrist; the side is not documented, `right_wrist` is assumed.\n"
        "- With no folder, the `.ts` files bundled with the installed sktime are read in place; the download "
        "(the UEA archive's zip, as aeon fetches it) is needed only without sktime."
    ),
    tags=("watch", "wrist", "acc+gyro", "embedded", "uea"),
    layout="BasicMotions_TRAIN.ts + BasicMotions_TEST.ts (UEA .ts format; bundled with sktime)",
    acc_includes_gravity=False,
)


def _sktime_folder() -> Path | None:
    spec = importlib.util.find_spec("sktime")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "datasets" / "data" / "BasicMotions"
    return folder if (folder / "BasicMotions_TRAIN.ts").exists() else None


def is_available() -> bool:
    """Whether sktime's bundled copy of BasicMotions is installed."""
    return _sktime_folder() is not None


def _read_ts(src: DataSource, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Cases (n, 100, 6) and class ids (n,) of one ``.ts`` file."""
    where = src.describe(name)
    lines = src.read_text(name).splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data") + 1
    except StopIteration:
        raise DataFormatError(f"{where} has no '@data' line; it is not a UEA .ts file") from None
    cases, labels = [], []
    for line_no, line in enumerate(lines[start:], start + 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.strip().split(":")
        if len(parts) != N_DIMS + 1:
            raise DataFormatError(
                f"{where} line {line_no} has {len(parts) - 1} ':'-separated dimension(s); BasicMotions has {N_DIMS} "
                f"(acc x,y,z then gyro x,y,z) followed by the class. A truncated or differently formatted file?"
            )
        label = parts[-1].strip().lower()
        if label not in _FILE_LABELS:
            raise DataFormatError(
                f"{where} line {line_no} has class {parts[-1]!r}; BasicMotions classes are "
                f"{[c[0] for c in _CLASSES]}"
            )
        try:
            dims = [np.array(p.split(","), dtype=np.float64) for p in parts[:-1]]
        except ValueError:
            raise DataFormatError(
                f"{where} line {line_no} holds a non-numeric value (missing values '?' are not expected in "
                f"BasicMotions); re-download the archive"
            ) from None
        lengths = {len(d) for d in dims}
        if lengths != {SERIES_LENGTH}:
            raise DataFormatError(
                f"{where} line {line_no} has series of length(s) {sorted(lengths)}; BasicMotions series have "
                f"{SERIES_LENGTH} samples (10 s at 10 Hz). A truncated file?"
            )
        cases.append(np.stack(dims, axis=1))
        labels.append(_FILE_LABELS[label])
    if not cases:
        raise DataFormatError(f"{where} holds no cases after '@data'")
    return np.stack(cases), np.asarray(labels, dtype=np.int64)


def parse(source: str | Path | DataSource | None = None, *, verbose: bool = True) -> Iterator[Recording]:
    """Read BasicMotions, one :class:`Recording` per case (40 train, then 40 test).

    Parameters
    ----------
    source : path or DataSource, optional
        Folder or archive holding ``BasicMotions_TRAIN.ts`` and ``BasicMotions_TEST.ts``; default: the copy
        bundled with sktime.
    verbose : bool
        Unused (parsing takes milliseconds); accepted for the common loader signature.

    Yields
    ------
    Recording
        Watch at ``right_wrist`` (assumed), 10 Hz, acc in m/s² **without gravity**, gyro in rad/s, subject
        ``"train"`` or ``"test"``.
    """
    if source is None:
        folder = _sktime_folder()
        if folder is None:
            raise DataNotFoundError(
                "BasicMotions is read from the sktime package, which is not installed (or lacks its data files): "
                f"`pip install sktime`, or download {CARD.files[0].url} and pass data_dir= pointing at it"
            )
        source = folder
    src = open_source(source)
    for split in ("train", "test"):
        hits = src.glob(f"*BasicMotions_{split.upper()}.ts")
        if not hits:
            raise DataNotFoundError(
                f"no BasicMotions_{split.upper()}.ts in {src.path}; expected {CARD.layout}. Download "
                f"{CARD.files[0].url}"
            )
        x, y = _read_ts(src, hits[0])
        for i in range(len(x)):
            yield Recording(
                acc={"right_wrist": x[i, :, :3]},
                gyro={"right_wrist": x[i, :, 3:]},
                sample_rate_hz=RATE_HZ,
                labels=np.full(SERIES_LENGTH, y[i]),
                vocabulary=VOCABULARY,
                subject=split,
                recording_id=f"{split}_{i:03d}",
                metadata={"dataset": CARD.name, "split": split, "case": i},
            )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Write a train and a test ``.ts`` file with 3 and 2 synthetic cases (linear acc m/s², gyro rad/s)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    header = (
        "#synthetic BasicMotions-format file written by imuhar's conformance tests\n"
        "@problemName BasicMotions\n@timeStamps false\n@missing false\n@univariate false\n@dimensions 6\n"
        "@equalLength true\n@seriesLength 100\n@classLabel true Standing Running Walking Badminton\n@data\n"
    )
    t = np.arange(SERIES_LENGTH) / RATE_HZ
    plan = {"TRAIN": ["Standing", "Walking", "Running"], "TEST": ["Badminton", "Walking"]}
    for split, classes in plan.items():
        rows = []
        for cls in classes:
            amp = {"Standing": 0.2, "Walking": 2.0, "Running": 6.0, "Badminton": 4.0}[cls]
            acc = amp * np.sin(2 * np.pi * 1.5 * t)[:, None] + 0.1 * rng.standard_normal((SERIES_LENGTH, 3))
            gyro = 0.3 * amp * np.cos(2 * np.pi * 1.5 * t)[:, None] + 0.05 * rng.standard_normal((SERIES_LENGTH, 3))
            dims = np.concatenate([acc, gyro], axis=1).T
            rows.append(":".join(",".join(f"{v:.6f}" for v in d) for d in dims) + f":{cls}")
        (root / f"BasicMotions_{split}.ts").write_text(header + "\n".join(rows) + "\n")
    return {
        "n_recordings": 5,
        "subjects": {"train", "test"},
        "labels": {"standing", "walking", "running", "badminton"},
        "placements": {"right_wrist"},
        "has_gyro": True,
        "rate_hz": RATE_HZ,
    }
