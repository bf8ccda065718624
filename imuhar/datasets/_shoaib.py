"""Shoaib et al. (2014) physical activity dataset: 5 smartphones on the body at 50 Hz, 7 activities, 10 participants."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core import Activity, DataFormatError, LabelVocabulary, Recording
from ._card import DatasetCard, RemoteFile, SplitRule
from ._io import open_source
from ._loader_common import (
    G,
    descend,
    make_recording,
    map_codes,
    progress,
    read_table,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

#: Columns per position block: time_stamp, Ax..Az (acc), Lx..Lz (linear acc), Gx..Gz (gyro), Mx..Mz, separator.
BLOCK = 14
_POSITIONS = ("Left_pocket", "Right_pocket", "Wrist", "Upper_arm", "Belt")
_FIELDS = ("time_stamp", "Ax", "Ay", "Az", "Lx", "Ly", "Lz", "Gx", "Gy", "Gz", "Mx", "My", "Mz")
#: Label strings in the files (lower-cased) -> class ids; "upsatirs" is a misspelling found in the release.
_LABELS = {"walking": 0, "standing": 1, "jogging": 2, "sitting": 3, "biking": 4, "upstairs": 5, "upsatirs": 5,
           "downstairs": 6}

CARD = DatasetCard(
    name="shoaib",
    title="Shoaib et al. physical activity recognition dataset (2014)",
    citation=(
        "M. Shoaib, S. Bosch, O. D. Incel, H. Scholten, P. J. M. Havinga. Fusion of Smartphone Motion Sensors for "
        "Physical Activity Recognition. Sensors 14(6): 10146-10176, 2014."
    ),
    license="Research use; cite Shoaib et al. (2014) (University of Twente Pervasive Systems group)",
    homepage="https://www.utwente.nl/en/eemcs/ps/research/dataset/",
    files=(
        RemoteFile(
            url="https://www.utwente.nl/en/eemcs/ps/research/dataset/",
            filename="sensors-activity-recognition-dataset-shoaib.rar",
            direct=False,
            manual=(
                "download the RAR archive linked from the Pervasive Systems dataset page, unpack it (e.g. with "
                "`unar` or 7-Zip) and pass the folder holding "
                "DataSet/Participant_N.csv, or re-pack that folder as a zip"
            ),
        ),
    ),
    rate_hz=50.0,
    placements={"Left_pocket": "left_hip", "Right_pocket": "right_hip", "Wrist": "right_wrist",
                "Upper_arm": "right_shoulder", "Belt": "pelvis"},
    sensors={n: ("acc", "gyro") for n in ("left_hip", "right_hip", "right_wrist", "right_shoulder", "pelvis")},
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("walking", "Walking at a normal pace on level ground.", "dynamic"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("jogging", "Jogging with a bouncing gait and short flight phases.", "dynamic"),
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("biking", "Riding a bicycle, the legs pedalling in circles while seated.", "dynamic"),
            Activity("upstairs", "Walking up stairs, lifting each leg onto the next step.", "dynamic"),
            Activity("downstairs", "Walking down stairs, lowering the body one step at a time.", "dynamic"),
        )
    ),
    subjects=tuple(str(s) for s in range(1, 11)),
    split=SplitRule(
        kind="given",
        description="No official split; participants 9 and 10 (the last two ids) are held out.",
        test_subjects=("9", "10"),
    ),
    notes="""\
- Reads `DataSet/Participant_{1..10}.csv`: two header rows (position names, then field names), then 70
  comma-separated columns: for each of Left_pocket, Right_pocket, Wrist, Upper_arm and Belt a block of
  time_stamp, acc (Ax, Ay, Az), linear acc (Lx..), gyro (Gx..), magnetometer (Mx..) and an empty separator; the
  last block's separator holds the activity name. Blocks are found by the position names of the first header row.
- Acc (with gravity) in m/s², gyro in rad/s; linear acceleration and magnetometer are not read. The five phones
  are treated as sampled together at 50 Hz, row by row, as the authors released them.
- The label "upsatirs" (a misspelling in the files) is read as upstairs.
- Placements: jeans pockets -> `left_hip`/`right_hip`, wrist -> `right_wrist`, upper arm -> `right_shoulder`
  (the upper-arm segment), belt -> `pelvis`. The paper puts the arm phones on the right arm.
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone", "multi-placement"),
    layout="DataSet/Participant_N.csv (2 header rows, 5 blocks of 14 columns, activity in the last column)",
)

_NAME_RE = re.compile(r"(?:^|/)Participant_(\d+)\.csv$")


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read each participant's file as one recording with five phones (acc m/s², gyro rad/s, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``Participant_N.csv``.
    verbose : bool
        Show a progress bar.
    """
    import pandas as pd

    src = descend(open_source(source), "*Participant_*.csv")
    names = [n for n in require(src, "*Participant_*.csv", "Shoaib participant files (Participant_N.csv)",
                                "unpack the RAR release and pass the folder holding DataSet/") if _NAME_RE.search(n)]
    names.sort(key=lambda n: int(_NAME_RE.search(n).group(1)))
    for name in progress(names, verbose, "shoaib"):
        subject = _NAME_RE.search(name).group(1)
        where = src.describe(name)
        first = src.read_text(name).split("\n", 1)[0].rstrip("\r").split(",")
        starts = {}
        for pos in _POSITIONS:
            hits = [i for i, cell in enumerate(first) if cell.strip().lower() == pos.lower()]
            if not hits:
                raise DataFormatError(
                    f"{where}: the first header row does not name position {pos!r} (it reads {first[:3]}...); "
                    f"Shoaib files start with a row naming Left_pocket, Right_pocket, Wrist, Upper_arm and Belt"
                )
            starts[pos] = hits[0]
        df = read_table(src, name, sep=",", skiprows=2, numeric=False, min_cols=5 * BLOCK,
                        what="5 blocks of 14 columns + activity")
        label_col = max(starts.values()) + BLOCK - 1
        cols = [starts[p] + k for p in _POSITIONS for k in (1, 2, 3, 7, 8, 9)]
        values = df.iloc[:, cols].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
        if np.isnan(values).any():
            r, c = np.argwhere(np.isnan(values))[0]
            raise DataFormatError(f"{where}: data row {r + 1} column {cols[c] + 1} is empty or not a number; the "
                                  f"file is truncated or uses another delimiter")
        raw_labels = df.iloc[:, label_col].astype(str).str.strip().str.lower().to_numpy()
        labels = map_codes(raw_labels, _LABELS, where, what="activity")
        acc = {CARD.placements[p]: values[:, 6 * j : 6 * j + 3] for j, p in enumerate(_POSITIONS)}
        gyro = {CARD.placements[p]: values[:, 6 * j + 3 : 6 * j + 6] for j, p in enumerate(_POSITIONS)}
        yield make_recording(CARD, acc=acc, gyro=gyro, labels=labels, subject=subject,
                             recording_id=f"Participant_{subject}", source_file=name)


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Participants 1 and 2: 3 s each of sitting, walking and upstairs (spelt "upsatirs" once) at 50 Hz."""
    rate = CARD.rate_hz
    for subject in (1, 2):
        head1 = ",".join(",".join([p] + [""] * (BLOCK - 1)) for p in _POSITIONS)
        head2 = ",".join(",".join(list(_FIELDS) + [""]) for _ in _POSITIONS)
        lines = [head1, head2]
        t = 1.39e12
        for label, dynamic in (("sitting", False), ("walking", True), ("upsatirs" if subject == 1 else "upstairs", True)):
            n = 150
            blocks = []
            for _ in _POSITIONS:
                acc_g, gyro = synthetic_imu(rng, n, rate, dynamic)
                lin = (acc_g - acc_g.mean(0)) * G
                blocks.append(np.hstack([acc_g * G, lin, gyro, rng.normal(0, 20, (n, 3))]))
            for i in range(n):
                ts = f"{t + 20 * i:.0f}"
                row = []
                for b in blocks:
                    row += [ts, *(f"{v:.4f}" for v in b[i]), ""]
                row[-1] = label
                lines.append(",".join(row))
            t += 20 * n
        write_text(Path(root) / "DataSet" / f"Participant_{subject}.csv", "\n".join(lines) + "\n")
    return {
        "n_recordings": 2,
        "subjects": {"1", "2"},
        "labels": {"sitting", "walking", "upstairs"},
        "placements": {"left_hip", "right_hip", "right_wrist", "right_shoulder", "pelvis"},
        "has_gyro": True,
        "rate_hz": 50.0,
    }
