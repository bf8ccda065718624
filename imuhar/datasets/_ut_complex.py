"""UT-Complex (Shoaib et al. 2016): phones in the pocket and on the wrist at 50 Hz, 13 simple and complex activities."""

from __future__ import annotations

import logging
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
    make_recording,
    map_codes,
    progress,
    read_table,
    require,
    synthetic_imu,
    write_text,
)

__all__ = ["CARD", "parse", "write_sample_files"]

logger = logging.getLogger(__name__)

#: Activity codes in the files, in vocabulary order.
_CODES = tuple(range(11111, 11124))
#: Participants who performed each activity (paper, Sect. 3): 10 for the seven simple ones, 7 for the complex
#: ones, 6 for smoking.
_PARTICIPANTS = {c: (10 if c <= 11117 else 6 if c == 11122 else 7) for c in _CODES}
_FILES = {"pocket": "smartphoneatpocket.csv", "wrist": "smartphoneatwrist.csv"}
MAX_GAP_S = 1.0
MIN_PIECE_S = 1.0

CARD = DatasetCard(
    name="ut-complex",
    title="Complex Human Activity Recognition Using Smartphone and Wrist-Worn Motion Sensors (UT-Complex)",
    citation=(
        "M. Shoaib, S. Bosch, O. D. Incel, H. Scholten, P. J. M. Havinga. Complex Human Activity Recognition Using "
        "Smartphone and Wrist-Worn Motion Sensors. Sensors 16(4): 426, 2016."
    ),
    license="Research use; cite Shoaib et al. (2016) (University of Twente Pervasive Systems group)",
    homepage="https://www.utwente.nl/en/eemcs/ps/research/dataset/",
    files=(
        RemoteFile(
            url="https://www.utwente.nl/en/eemcs/ps/research/dataset/",
            filename="ut-data-complex.rar",
            direct=False,
            manual=(
                "download the RAR archive linked from the Pervasive Systems dataset page, unpack it and pass "
                "the folder holding smartphoneatpocket.csv and "
                "smartphoneatwrist.csv, or re-pack those two files as a zip"
            ),
        ),
    ),
    rate_hz=50.0,
    placements={"pocket": "right_hip", "wrist": "right_wrist"},
    sensors={"right_hip": ("acc", "gyro"), "right_wrist": ("acc", "gyro")},
    units={"acc": "m/s^2", "gyro": "rad/s"},
    vocabulary=LabelVocabulary(
        (
            Activity("walking", "Walking at a normal pace on level ground.", "dynamic"),
            Activity("standing", "Standing upright and still on both feet.", "static"),
            Activity("jogging", "Jogging with a bouncing gait and short flight phases.", "dynamic"),
            Activity("sitting", "Sitting on a chair with the body still.", "static"),
            Activity("biking", "Riding a bicycle, the legs pedalling in circles while seated.", "dynamic"),
            Activity("walking upstairs", "Walking up stairs, lifting each leg onto the next step.", "dynamic"),
            Activity("walking downstairs", "Walking down stairs, lowering the body one step at a time.", "dynamic"),
            Activity(
                "typing",
                "Seated at a desk typing on a keyboard with small quick finger and wrist movements.",
                "dynamic",
            ),
            Activity("writing", "Seated, writing on paper with a pen held in the right hand.", "dynamic"),
            Activity(
                "drinking coffee",
                "Seated, repeatedly raising a cup to the mouth, sipping and putting it down.",
                "dynamic",
            ),
            Activity("talking", "Standing and giving a talk, gesturing with the hands while speaking.", "dynamic"),
            Activity(
                "smoking",
                "Standing or sitting while smoking, repeatedly lifting a cigarette to the mouth.",
                "dynamic",
            ),
            Activity("eating", "Seated, bringing food to the mouth with the hand or a spoon.", "dynamic"),
        )
    ),
    subjects=tuple(f"P{k}" for k in range(1, 11)),
    split=SplitRule(
        kind="given",
        description=(
            "The release has no participant ids; pseudo-participants P5 and P6 (present in all 13 activities, see "
            "notes) are held out. **(assumption: participants appear in the same order in every activity block)**"
        ),
        test_subjects=("P5", "P6"),
    ),
    notes="""\
- Reads `smartphoneatpocket.csv` and `smartphoneatwrist.csv`: no header, 14 comma-separated columns: timestamp,
  acc (x, y, z), linear acc, gyro, magnetometer, activity code 11111-11123 (walk, stand, jog, sit, bike,
  upstairs, downstairs, type, write, coffee, talk, smoke, eat). Both files hold the same number of rows with the
  same codes: row i of one is paired with row i of the other, as the authors released them. This layout is
  taken from third-party loaders and the paper; BENCHMARKS.md expected per-participant files **(check)**.
- **No participant ids.** The paper used 30 min of data per activity with an equal share from each participant
  (10 for the simple activities, 7 for typing, writing, coffee, talking and eating, 6 for smoking). We cut each
  activity's rows, in file order, into that many equal consecutive blocks and call them P1..Pn **(assumption)**;
  a P-number in one activity is not known to be the same person in another.
- Timestamps (unit detected from the sample interval) put each block on a uniform 50 Hz grid with
  `imuhar.preprocessing.resample_irregular` (sorted, repeats dropped, linear interpolation; both phones on the
  pocket phone's clock), cut at pauses over 1 s. If the
  timestamps do not look like a 50 Hz clock at all, rows are taken as uniform 50 Hz samples.
- Acc (with gravity) in m/s², gyro in rad/s; linear acceleration and magnetometer are not read. The pocket phone
  is mapped to `right_hip` and the wrist phone to `right_wrist` (the paper: right jeans pocket, right wrist).
""",
    tags=("benchmark", "unimts-18", "acc", "gyro", "phone", "complex-activities", "irregular-timestamps"),
    layout="smartphoneatpocket.csv + smartphoneatwrist.csv (no header; timestamp, acc, lin acc, gyro, mag, code)",
)


def _to_seconds(t: np.ndarray) -> np.ndarray | None:
    """Timestamps in seconds, the unit chosen to make the median interval closest to 1/50 s; ``None`` if no unit
    gives an interval within a factor 2 of it."""
    d = np.diff(t)
    d = d[d > 0]
    if d.size == 0:
        return None
    med = float(np.median(d))
    for scale in (1.0, 1e-3, 1e-6, 1e-9):
        if 0.5 <= med * scale * CARD.rate_hz <= 2.0:
            return t * scale
    return None


def parse(source, *, verbose: bool = True) -> Iterator[Recording]:
    """Read UT-Complex as recordings per activity and pseudo-participant (pocket + wrist, 50 Hz).

    Parameters
    ----------
    source : str, Path or DataSource
        Folder or zip holding ``smartphoneatpocket.csv`` and ``smartphoneatwrist.csv``.
    verbose : bool
        Show a progress bar.
    """
    src = descend(open_source(source), "*smartphoneatpocket.csv")
    fix = "unpack the RAR release and pass the folder holding both CSV files"
    tables = {}
    for dev, fname in _FILES.items():
        name = require(src, f"*{fname}", f"the {dev} phone file {fname}", fix)[0]
        layout = "14 columns: timestamp, acc, linear acc, gyro, mag, activity code"
        tables[dev] = (name, read_table(src, name, sep=",", n_cols=14, what=layout))
    (pn, pocket), (wn, wrist) = tables["pocket"], tables["wrist"]
    if pocket.shape[0] != wrist.shape[0] or not np.array_equal(pocket[:, 13], wrist[:, 13]):
        raise DataFormatError(
            f"{src.describe(pn)} and {src.describe(wn)} must hold the same rows with the same activity codes (row i "
            f"of one pairs with row i of the other); they hold {pocket.shape[0]} and {wrist.shape[0]} rows"
        )
    labels = map_codes(pocket[:, 13].astype(np.int64), {c: i for i, c in enumerate(_CODES)}, src.describe(pn),
                       what="activity code")
    x = np.hstack([pocket[:, 1:4], pocket[:, 7:10], wrist[:, 1:4], wrist[:, 7:10]])
    t_all = _to_seconds(pocket[:, 0])
    if t_all is None:
        logger.warning("%s: the timestamps do not look like a 50 Hz clock; rows are taken as uniform 50 Hz samples",
                       src.describe(pn))
    for cls in progress([c for c in range(len(_CODES)) if (labels == c).any()], verbose, "ut-complex"):
        rows = np.flatnonzero(labels == cls)
        n_p = _PARTICIPANTS[_CODES[cls]]
        bounds = np.linspace(0, rows.size, n_p + 1).round().astype(int)
        for p in range(n_p):
            idx = rows[bounds[p] : bounds[p + 1]]
            if idx.size < 2:
                continue
            pieces = []
            if t_all is None:
                pieces.append(x[idx])
            else:
                pieces += [v[0] for _, v, _ in align_streams([(t_all[idx], x[idx])], CARD.rate_hz, max_gap_s=MAX_GAP_S,
                                                              min_samples=int(MIN_PIECE_S * CARD.rate_hz))]
            for k, sig in enumerate(pieces):
                rid = f"{CARD.vocabulary[cls].name.replace(' ', '_')}_P{p + 1}"
                rid += f"_part{k + 1}" if len(pieces) > 1 else ""
                yield make_recording(
                    CARD, acc={"right_hip": sig[:, 0:3], "right_wrist": sig[:, 6:9]},
                    gyro={"right_hip": sig[:, 3:6], "right_wrist": sig[:, 9:12]},
                    labels=np.full(sig.shape[0], cls, dtype=np.int64), subject=f"P{p + 1}", recording_id=rid,
                    subject_inferred=True, activity_code=_CODES[cls],
                )


def write_sample_files(root: Path, rng: np.random.Generator) -> dict:
    """Both phone files with walking (10 pseudo-participants) and smoking (6), 2 s each at 50 Hz, millisecond
    timestamps with jitter and a pause between participants."""
    lines = {"pocket": [], "wrist": []}
    t0 = 1.4e12
    for code, dynamic in ((11111, True), (11122, True)):
        for _ in range(_PARTICIPANTS[code]):
            n = 100
            times = t0 + np.cumsum(20 * (1 + rng.uniform(-0.1, 0.1, n)))
            for dev in lines:
                acc_g, gyro = synthetic_imu(rng, n, CARD.rate_hz, dynamic)
                lin = (acc_g - acc_g.mean(0)) * G
                mag = rng.normal(0, 30, (n, 3))
                for i in range(n):
                    vals = ",".join(f"{v:.5f}" for v in (*(acc_g[i] * G), *lin[i], *gyro[i], *mag[i]))
                    lines[dev].append(f"{times[i]:.0f},{vals},{code}")
            t0 = times[-1] + 3.6e6  # the next participant an hour later
    for dev, fname in _FILES.items():
        write_text(Path(root) / "UT_Data_Complex" / fname, "\n".join(lines[dev]) + "\n")
    return {
        "n_recordings": 16,
        "subjects": {f"P{k}" for k in range(1, 11)},
        "labels": {"walking", "smoking"},
        "placements": {"right_hip", "right_wrist"},
        "has_gyro": True,
        "rate_hz": 50.0,
    }
