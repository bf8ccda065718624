"""USC-HAD (Zhang & Sawchuk 2012): one MotionNode IMU at the front right hip, 100 Hz, 12 activities, 14 subjects."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import G, DEG2RAD, descend, make_recording, progress, require, synthetic_imu

__all__ = ["CARD", "parse", "write_sample_files"]

CARD = DatasetCard(
    name="usc-had",
    title="USC-HAD: USC Human Activity Dataset",
    citation=(
        "M. Zhang and A. A. Sawchuk. USC-HAD: A Daily Activity Dataset for Ubiquitous Activity Recognition Using "
        "Wearable Sensors. ACM UbiComp Workshop on Situation, Activity and Goal Awareness (SAGAware), 2012."
    ),
    license="Research use; cite Zhang & Sawchuk (2012) (USC SIPI terms)",
    homepage="https://sipi.usc.edu/had/",
    files=(RemoteFile(url="https://sipi.usc.edu/had/USC-HAD.zip", filename="USC-HAD.zip"),),
    rate_hz=100.0,
    placements={"front right hip": "right_hip"},
    sensors={"right_hip": ("acc", "gyro")},
    units={"acc": "g", "gyro": "deg/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("walking forward", "Walking straight ahead at a normal pace.", "dynamic"),
            Activity(
                "walking left",
                "Walking in a counter-clockwise circle, continuously turning to the left.",
                "dynamic",
            ),
            Activity("walking right", "Walking in a clockwise circle, continuously turning to the right.", "dynamic"),
            Activity("walking upstairs", "Climbing stairs, lifting each leg onto the next step.", "dynamic"),
            Activity("walking downstairs", "Walking down stairs, lowering the body one step at a time.", "dynamic"),
            Activity("running forward", "Running straight ahead with a flight phase between strides.", "dynamic"),
            Activity("jumping up", "Jumping straight up and landing on the same spot, repeatedly.", "dynamic"),
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("sleeping", "Lying down still as if asleep, the body horizontal.", "static"),
            Activity(
                "elevator up",
                "Standing still in an elevator that accelerates upward, travels and stops.",
                "static",
            ),
            Activity(
                "elevator down",
                "Standing still in an elevator that accelerates downward, travels and stops.",
                "static",
            ),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 15)),
    split=SplitRule(
        kind="given",
        description=(
            "No official split; subjects 13 and 14 are held out for testing (11 and 12 are the usual validation "
            "subjects in the literature)."
        ),
        test_subjects=("13", "14"),
    ),
    notes="""\
- Reads `USC-HAD/Subject{1..14}/a{activity}t{trial}.mat` (MATLAB v5). Each holds `sensor_readings` (N x 6:
  acc x, y, z in g, then gyro x, y, z in deg/s) and metadata fields; the activity and trial come from the file
  name, not from the metadata fields (whose names are reported to vary between files; check).
- The MotionNode sat in a phone pouch at the front right hip. It is mapped to `right_hip` (the thigh-side hip
  node, like a front trouser pocket) **(assumption: a pouch on the belt also moves with the pelvis)**.
- One recording per trial (5 trials per activity and subject), every sample labelled with the activity.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro"),
    layout="USC-HAD/SubjectN/aAtT.mat (sensor_readings: N x 6, acc g, gyro deg/s)",
)

_NAME_RE = re.compile(r"(?:^|/)Subject(\d+)/a(\d+)t(\d+)\.mat$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read USC-HAD trials as recordings (acc m/s², gyro rad/s at the right hip, 100 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``USC-HAD/SubjectN/aAtT.mat``.
    verbose : bool
        Show a progress bar.
    """
    from scipy.io import loadmat

    src = descend(open_source(source), "*Subject*/a*t*.mat")
    names = [n for n in require(src, "*Subject*/a*t*.mat", "USC-HAD trial files",
                                f"download {CARD.files[0].url} and pass the folder or the zip")
             if _NAME_RE.search(n)]
    names.sort(key=lambda n: tuple(int(g) for g in _NAME_RE.search(n).groups()))
    for name in progress(names, verbose, "usc-had"):
        subject, act, trial = _NAME_RE.search(name).groups()
        where = src.describe(name)
        if not 1 <= int(act) <= len(CARD.vocabulary):
            raise DataFormatError(f"{where}: activity number {act} in the file name is outside 1..12")
        try:
            mat = loadmat(io.BytesIO(src.read_bytes(name)))
        except (ValueError, TypeError, OSError, IndexError, EOFError) as exc:  # scipy's errors on damaged files
            raise DataFormatError(f"{where} is not a readable MATLAB file ({exc}); re-download the dataset") from None
        if "sensor_readings" not in mat:
            keys = sorted(k for k in mat if not k.startswith("__"))
            raise DataFormatError(f"{where} has no 'sensor_readings' variable (it holds {keys}); USC-HAD trial "
                                  f"files store the N x 6 readings under that name")
        x = np.asarray(mat["sensor_readings"], dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != 6 or x.shape[0] == 0:
            raise DataFormatError(f"{where}: sensor_readings has shape {x.shape}; expected N x 6 (acc xyz g, gyro xyz deg/s)")
        if not np.isfinite(x).all():
            raise DataFormatError(f"{where}: sensor_readings holds NaN/inf values; re-download the dataset")
        yield make_recording(
            CARD, acc={"right_hip": x[:, 0:3] * G}, gyro={"right_hip": x[:, 3:6] * DEG2RAD},
            labels=np.full(x.shape[0], int(act) - 1, dtype=np.int64), subject=subject,
            recording_id=f"Subject{subject}_a{act}t{trial}", trial=int(trial), source_file=name,
        )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Trials a1t1 (walking forward) and a9t1 (standing) of subjects 1 and 2, 3 s at 100 Hz, as MATLAB files."""
    from scipy.io import savemat

    for subject in (1, 2):
        for act, dynamic in ((1, True), (9, False)):
            acc_g, gyro = synthetic_imu(rng, 300, CARD.rate_hz, dynamic)
            path = Path(root) / "USC-HAD" / f"Subject{subject}" / f"a{act}t1.mat"
            path.parent.mkdir(parents=True, exist_ok=True)
            savemat(path, {
                "title": "USC Human Motion Database", "version": "1.0", "date": "2009-08-21",
                "subject": str(subject), "age": "25", "height": "170cm", "weight": "70kg",
                "activity": CARD.vocabulary[act - 1].name, "activity_number": str(act), "trial": "1",
                "sensor_location": "front-right-hip", "sensor_orientation": "top",
                "sensor_readings": np.hstack([acc_g, np.rad2deg(gyro)]),
            })
    return {
        "n_recordings": 4,
        "subjects": {"1", "2"},
        "labels": {"walking forward", "standing"},
        "placements": {"right_hip"},
        "has_gyro": True,
        "rate_hz": 100.0,
    }
