"""HAR70+ (Ustad et al. 2023): older adults with accelerometers on the lower back and right thigh, 50 Hz, 7 classes.

Same file layout as HARTH; the reader lives in :mod:`imuhar.datasets._harth`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._harth import _ACTIVITIES, read_back_thigh_csv, write_back_thigh_csv
from ._io import open_source
from ._loader_common import descend, progress, require

__all__ = ["CARD", "parse", "write_sample_files"]

_CLASSES = ("walking", "shuffling", "stairs (ascending)", "stairs (descending)", "standing", "sitting", "lying")

CARD = DatasetCard(
    name="har70plus",
    title="HAR70+: Human Activity Recognition 70+",
    citation=(
        "A. Ustad, A. Logacjov, S. O. Trollebo, P. Thingstad, B. Vereijken, K. Bach, N. S. Maroni. Validation of an "
        "Activity Type Recognition Model Classifying Daily Physical Behavior in Older Adults: The HAR70+ Model. "
        "Sensors 23(5): 2368, 2023."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/780/har70",
    files=(RemoteFile(url="https://archive.ics.uci.edu/static/public/780/har70.zip", filename="har70.zip"),),
    rate_hz=50.0,
    placements={"back": "spine1", "thigh": "right_hip"},
    sensors={"spine1": ("acc",), "right_hip": ("acc",)},
    units={"acc": "g"},
    vocabulary=LabelVocabulary(tuple(_ACTIVITIES[n] for n in _CLASSES)),
    subjects=tuple(str(s) for s in range(501, 519)),
    split=SplitRule(
        kind="given",
        description="No official split; subjects 515-518 (the last four of 18 ids, about 22 %) are held out.",
        test_subjects=("515", "516", "517", "518"),
    ),
    notes="""\
- Reads `har70plus/5xx.csv` (subjects 501-518, aged 70-95, some walking with aids): a header row, then timestamp,
  back_x/y/z, thigh_x/y/z in g and the label code (1 walking, 3 shuffling, 4 stairs up, 5 stairs down,
  6 standing, 7 sitting, 8 lying). Semi-structured free-living sessions of about 40 min, annotated from video.
- The back sensor sits on the lower back (`spine1`), the thigh sensor on the right front thigh (`right_hip`).
- Acc only, converted from g to m/s². A timestamp jump over 1 s splits a recording.
""",
    tags=("benchmark", "unimts-18", "acc-only", "older-adults"),
    layout="har70plus/5xx.csv (timestamp, back_x/y/z, thigh_x/y/z in g, label)",
)

_NAME_RE = re.compile(r"(?:^|/)(5\d\d)\.csv$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read HAR70+ subject files as recordings (acc in m/s² at the lower back and right thigh, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``har70plus/5xx.csv``.
    verbose : bool
        Show a progress bar.
    """
    src = descend(open_source(source), "*5[0-9][0-9].csv")
    names = [n for n in require(src, "*5[0-9][0-9].csv", "HAR70+ subject files (501.csv ... 518.csv)",
                                f"download {CARD.files[0].url} and pass the folder or the zip")
             if _NAME_RE.search(n)]
    for name in progress(names, verbose, "har70plus"):
        yield from read_back_thigh_csv(CARD, src, name, _NAME_RE.search(name).group(1))


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Two subject files (501, 502): 4 s each of standing, shuffling and walking at 50 Hz."""
    segments = [(6, False, 200), (3, True, 200), (1, True, 200)]
    for subject in ("501", "502"):
        write_back_thigh_csv(Path(root) / "har70plus" / f"{subject}.csv", rng, segments)
    return {
        "n_recordings": 2,
        "subjects": {"501", "502"},
        "labels": {"standing", "shuffling", "walking"},
        "placements": {"spine1", "right_hip"},
        "has_gyro": False,
        "rate_hz": 50.0,
    }
