"""WHARF / ADL Recognition with Wrist-worn Accelerometer (Bruno et al. 2013): 6-bit codes at 32 Hz, 14 ADLs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import descend, make_recording, progress, read_table, require, synthetic_imu, write_text

__all__ = ["CARD", "parse", "write_sample_files", "codes_to_si"]

#: Activity folders of ``HMP_Dataset`` in vocabulary order.
_FOLDERS = (
    "Brush_teeth", "Climb_stairs", "Comb_hair", "Descend_stairs", "Drink_glass", "Eat_meat", "Eat_soup",
    "Getup_bed", "Liedown_bed", "Pour_water", "Sitdown_chair", "Standup_chair", "Use_telephone", "Walk",
)
#: Full scale of the coded range: codes 0..63 span -1.5 g..+1.5 g.
FULL_SCALE_G = 1.5
MAX_CODE = 63


def codes_to_si(codes: np.ndarray) -> np.ndarray:
    """6-bit accelerometer codes to m/s²: ``(-1.5 + code / 63 * 3) g`` (the dataset's documented formula), through
    :func:`imuhar.preprocessing.adc_to_si`."""
    from ..preprocessing import adc_to_si

    return adc_to_si(codes, bits=6, value_range=(-FULL_SCALE_G, FULL_SCALE_G), unit="g")


CARD = DatasetCard(
    name="wharf",
    title="WHARF: Dataset for ADL Recognition with Wrist-worn Accelerometer (HMP)",
    citation=(
        "B. Bruno, F. Mastrogiovanni, A. Sgorbissa, T. Vernazza, R. Zaccaria. Analysis of human behavior "
        "recognition algorithms based on acceleration data. IEEE ICRA 2013, pp. 1602-1607."
    ),
    license="CC BY 4.0 (UCI Machine Learning Repository)",
    homepage="https://archive.ics.uci.edu/dataset/283/dataset+for+adl+recognition+with+wrist+worn+accelerometer",
    files=(
        RemoteFile(
            url="https://archive.ics.uci.edu/static/public/283/dataset+for+adl+recognition+with+wrist+worn+accelerometer.zip",
            filename="dataset+for+adl+recognition+with+wrist+worn+accelerometer.zip",
        ),
    ),
    rate_hz=32.0,
    placements={"wrist": "right_wrist"},
    sensors={"right_wrist": ("acc",)},
    units={"acc": "code 0..63 = -1.5..+1.5 g"},
    vocabulary=LabelVocabulary(
        (
            Activity(
                "brush teeth",
                "Standing and scrubbing the teeth with a toothbrush in quick small hand strokes.",
                "dynamic",
            ),
            Activity("climb stairs", "Walking up a flight of stairs, stepping onto each stair in turn.", "dynamic"),
            Activity(
                "comb hair",
                "Repeatedly drawing a comb through the hair from the top of the head downward.",
                "dynamic",
            ),
            Activity("descend stairs", "Walking down a flight of stairs one step at a time.", "dynamic"),
            Activity(
                "drink glass",
                "Lifting a glass to the mouth, tilting it to drink and putting it back down.",
                "dynamic",
            ),
            Activity(
                "eat meat",
                "Seated, cutting meat with knife and fork and bringing pieces to the mouth.",
                "dynamic",
            ),
            Activity("eat soup", "Seated, scooping soup with a spoon and lifting it to the mouth.", "dynamic"),
            Activity("getup bed", "Rising from lying in bed to sitting on its edge and standing up.", "transition"),
            Activity("liedown bed", "Going from sitting on a bed to lying down on it.", "transition"),
            Activity("pour water", "Holding a bottle and tilting it to pour water into a glass.", "dynamic"),
            Activity("sitdown chair", "Lowering the body from standing onto a chair.", "transition"),
            Activity("standup chair", "Rising from a chair to a standing position.", "transition"),
            Activity(
                "use telephone",
                "Picking up a telephone receiver, holding it at the ear while talking, and hanging up.",
                "dynamic",
            ),
            Activity("walk", "Walking at a normal pace on level ground.", "dynamic"),
        )
    ),
    subjects=tuple([f"f{i}" for i in range(1, 6)] + [f"m{i}" for i in range(1, 12)]),
    split=SplitRule(
        kind="given",
        description="No official split; volunteers f5, m10 and m11 (the last ids of each group, about 19 %) are held out.",
        test_subjects=("f5", "m10", "m11"),
    ),
    notes="""\
- Reads `HMP_Dataset/<Activity>/Accelerometer-YYYY-MM-DD-hh-mm-ss-<activity>-<volunteer>.txt`: one trial per
  file, 3 space-separated integer columns (x, y, z). Volunteers are `f1`-`f5` and `m1`-`m11`. The
  `<Activity>_MODEL` folders hold copies of trials used to build the authors' models and are skipped.
- Values are 6-bit codes: acceleration in g = -1.5 + code / 63 x 3 (so 0 -> -1.5 g, 63 -> +1.5 g), then
  x 9.80665 m/s². Codes outside 0..63 are rejected. The ±1.5 g range clips vigorous movements.
- The accelerometer is worn on the right wrist (x towards the hand, y to the left, z out of the back of the hand).
- Acc only, 32 Hz. Getting up/lying down/sitting down/standing up are marked as transitions.
""",
    tags=("benchmark", "unimts-18", "acc-only", "wrist"),
    layout="HMP_Dataset/<Activity>/Accelerometer-<date>-<activity>-<volunteer>.txt (3 integer columns 0..63)",
)

_NAME_RE = re.compile(r"(?:^|/)([A-Za-z_]+)/Accelerometer-(\d{4}(?:-\d{1,2}){5})-[A-Za-z_]+-([mfMF]\d+)\.txt$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read WHARF trials as recordings (right-wrist acc in m/s², 32 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``HMP_Dataset/<Activity>/Accelerometer-*.txt``.
    verbose : bool
        Show a progress bar.
    """
    src = descend(open_source(source), "*/Accelerometer-*.txt")
    names = require(src, "*/Accelerometer-*.txt", "WHARF trial files (HMP_Dataset/<Activity>/Accelerometer-*.txt)",
                    f"download {CARD.files[0].url}, unpack it (and the inner HMP_Dataset.zip) and pass the folder")
    folders = {f.lower(): i for i, f in enumerate(_FOLDERS)}
    kept = []
    for n in names:
        m = _NAME_RE.search(n)
        if m is None or m.group(1).upper().endswith("_MODEL"):
            continue
        if m.group(1).lower() not in folders:
            raise DataFormatError(f"{src.describe(n)}: activity folder {m.group(1)!r} is not one of {list(_FOLDERS)}")
        kept.append((n, folders[m.group(1).lower()], m.group(2), m.group(3).lower()))
    if not kept:
        raise DataFormatError(f"no trial in {src.path} is named like HMP_Dataset/Walk/Accelerometer-2011-03-24-10-24-39-walk-f1.txt")
    for name, cls, stamp, volunteer in progress(kept, verbose, "wharf"):
        where = src.describe(name)
        codes = read_table(src, name, sep=None, n_cols=3, what="3 space-separated integer codes 0..63 per row")
        bad = (codes < 0) | (codes > MAX_CODE) | (codes != np.round(codes))
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise DataFormatError(f"{where}: row {r + 1} column {c + 1} holds {codes[r, c]:g}; WHARF stores integer "
                                  f"codes 0..63 (-1.5..+1.5 g). The file is not from this dataset or is damaged.")
        yield make_recording(
            CARD, acc={"right_wrist": codes_to_si(codes)}, gyro=None,
            labels=np.full(codes.shape[0], cls, dtype=np.int64), subject=volunteer,
            recording_id=f"{_FOLDERS[cls]}/{stamp}-{volunteer}", source_file=name,
        )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Trials of Walk and Drink_glass for volunteers f1 and m1 (4 s at 32 Hz), 6-bit codes, plus a _MODEL copy."""
    stamps = iter(f"2011-03-2{d}-1{h}-2{m}-3{m}" for d in range(4, 10) for h in range(3) for m in range(3))
    for folder, dynamic in (("Walk", True), ("Drink_glass", True)):
        for volunteer in ("f1", "m1"):
            acc_g, _ = synthetic_imu(rng, 128, CARD.rate_hz, dynamic)
            codes = np.clip(np.round((acc_g + FULL_SCALE_G) / (2 * FULL_SCALE_G) * MAX_CODE), 0, MAX_CODE).astype(int)
            text = "\n".join(" ".join(map(str, row)) for row in codes) + "\n"
            fname = f"Accelerometer-{next(stamps)}-{folder.lower()}-{volunteer}.txt"
            write_text(Path(root) / "HMP_Dataset" / folder / fname, text)
            if volunteer == "f1":
                write_text(Path(root) / "HMP_Dataset" / f"{folder}_MODEL" / fname, text)
    return {
        "n_recordings": 4,
        "subjects": {"f1", "m1"},
        "labels": {"walk", "drink glass"},
        "placements": {"right_wrist"},
        "has_gyro": False,
        "rate_hz": 32.0,
    }
