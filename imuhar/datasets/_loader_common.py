"""Helpers shared by the benchmark loaders: reading numeric tables with errors that name the file, unit
constants, label mapping, aligning irregular streams, progress bars and synthetic signals for the sample-file
writers."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence, TypeVar

import numpy as np

from ..core import DataFormatError, DataNotFoundError, Recording
from ._io import DataSource

__all__ = [
    "G",
    "DEG2RAD",
    "read_table",
    "require",
    "progress",
    "true_runs",
    "map_codes",
    "synthetic_imu",
    "write_text",
    "make_recording",
    "infer_acc_scale",
    "infer_gyro_scale",
    "align_streams",
    "descend",
]

logger = logging.getLogger(__name__)

#: Standard gravity in m/s² (CGPM 1901): the factor from g to m/s².
G: float = 9.80665
#: Degrees to radians.
DEG2RAD: float = float(np.pi / 180.0)

T = TypeVar("T")


class _NestedZip(DataSource):
    """A zip archive stored inside another source, read into memory (many download archives wrap another zip)."""

    def __init__(self, outer: DataSource, name: str):
        import zipfile

        self.path = Path(outer.describe(name))
        self._zip = zipfile.ZipFile(io.BytesIO(outer.read_bytes(name)))
        self._names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))


def descend(source: DataSource, pattern: str) -> DataSource:
    """``source`` itself if a file matches ``pattern``, else the first zip inside it that holds one.

    Download archives often wrap the authors' own zip (a UCI archive holding ``PAMAP2_Dataset.zip``); the inner
    archive is read into memory, so nothing is unpacked beside the user's files.
    """
    if source.glob(pattern):
        return source
    import zipfile

    for name in source.glob("*.zip"):
        try:
            inner = _NestedZip(source, name)
        except zipfile.BadZipFile:
            continue
        if inner.glob(pattern):
            logger.info("reading %s from the archive inside %s", pattern, source.describe(name))
            return inner
    return source


def require(source: DataSource, pattern: str, what: str, fix: str) -> list[str]:
    """Files of ``source`` matching ``pattern``; :class:`DataNotFoundError` saying what was expected if none."""
    hits = source.glob(pattern)
    if not hits:
        raise DataNotFoundError(
            f"no {what} (files matching {pattern!r}) in {source.path}; {fix}"
        )
    return hits


def progress(items: Sequence[T] | Iterable[T], verbose: bool, desc: str, total: int | None = None) -> Iterator[T]:
    """``tqdm`` over ``items`` when ``verbose``, the plain iterable otherwise."""
    if not verbose:
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=desc, total=total, leave=False)


def read_table(
    source: DataSource,
    name: str,
    *,
    sep: str | None,
    n_cols: int | Sequence[int] | None = None,
    min_cols: int | None = None,
    skiprows: int = 0,
    header: bool = False,
    numeric: bool = True,
    allow_nan: bool = False,
    what: str = "",
    fix: str = "",
):
    """Read a delimited text table from ``source`` with errors that name the file and the fix.

    Parameters
    ----------
    sep : str or None
        Column delimiter; ``None`` splits on runs of whitespace.
    n_cols : int or sequence of int, optional
        Allowed column counts.
    min_cols : int, optional
        Least number of columns.
    header : bool
        Whether the first row (after ``skiprows``) names the columns.
    numeric : bool
        Return a float64 ndarray of shape (n_rows, n_cols); otherwise the ``pandas.DataFrame``.
    allow_nan : bool
        Whether empty/NaN cells are allowed in a numeric table (PAMAP2, Opportunity).

    Raises
    ------
    DataFormatError
        If the file is empty, has the wrong number of columns, or holds non-numeric cells.
    """
    import pandas as pd

    where = source.describe(name)
    layout = f" ({what})" if what else ""
    hint = f" {fix}" if fix else ""
    raw = source.read_bytes(name)
    if not raw.strip():
        raise DataFormatError(f"{where} is empty{layout}.{hint or ' Re-download the dataset.'}")
    kwargs = dict(header=0 if header else None, skiprows=skiprows, skipinitialspace=True)
    try:
        if sep is None:
            df = pd.read_csv(io.BytesIO(raw), sep=r"\s+", engine="c", **kwargs)
        else:
            df = pd.read_csv(io.BytesIO(raw), sep=sep, engine="c", **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataFormatError(
            f"{where} could not be read as a {'whitespace' if sep is None else repr(sep)}-separated table{layout}: "
            f"{str(exc).splitlines()[0]}.{hint or ' The file may be truncated or damaged; re-download it.'}"
        ) from None
    ncol = df.shape[1]
    allowed = (n_cols,) if isinstance(n_cols, int) else tuple(n_cols) if n_cols is not None else None
    if (allowed is not None and ncol not in allowed) or (min_cols is not None and ncol < min_cols):
        expect = f"{' or '.join(map(str, allowed))}" if allowed is not None else f"at least {min_cols}"
        raise DataFormatError(
            f"{where} has {ncol} column(s) but the layout{layout} has {expect}; check the delimiter "
            f"({'whitespace' if sep is None else repr(sep)} expected) and that the file is complete.{hint}"
        )
    last = raw.rstrip().rsplit(b"\n", 1)[-1].decode("utf-8", "replace").strip()
    last_fields = len(last.split()) if sep is None else len(last.split(sep)) if len(sep) == 1 else ncol
    if last_fields < ncol:  # pandas pads a short row with NaN; a short last row means the file was cut off
        raise DataFormatError(
            f"{where}: the last row has {last_fields} of {ncol} columns{layout}; the file is truncated. "
            f"Re-download the dataset (or unpack the archive again).{hint}"
        )
    if df.shape[0] == 0:
        raise DataFormatError(f"{where} holds a header but no data rows{layout}.{hint or ' Re-download the dataset.'}")
    if not numeric:
        return df
    if all(dt.kind in "fiub" for dt in df.dtypes):  # the common case: pandas already parsed numbers
        values = df.to_numpy(dtype=np.float64)
        bad = np.zeros(values.shape, dtype=bool)
    else:
        values = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values) & ~df.isna().to_numpy()
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataFormatError(
            f"{where}: row {r + 1 + skiprows + int(header)}, column {c + 1} holds {df.iat[r, c]!r}, not a number"
            f"{layout}; the file may be truncated or use another delimiter.{hint}"
        )
    if not allow_nan and np.isnan(values).any():
        r, c = np.argwhere(np.isnan(values))[0]
        raise DataFormatError(
            f"{where}: row {r + 1 + skiprows + int(header)}, column {c + 1} is empty; every cell of this layout"
            f"{layout} holds a number. The file is truncated or damaged: re-download it.{hint}"
        )
    return values


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the runs of ``True`` in a boolean vector."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def map_codes(
    codes: np.ndarray, mapping: Mapping, where: str, *, what: str = "label", unlabelled: Iterable = ()
) -> np.ndarray:
    """Map raw label codes to class ids (``-1`` for codes in ``unlabelled``); unknown codes raise
    :class:`DataFormatError` naming the file and the codes."""
    codes = np.asarray(codes)
    table = dict(mapping)
    for u in unlabelled:
        table[u] = -1
    uniq, inverse = np.unique(codes, return_inverse=True)
    unknown = [u for u in uniq.tolist() if u not in table]
    if unknown:
        known = sorted(map(str, table))
        raise DataFormatError(
            f"{where} holds unknown {what} value(s) {unknown[:5]}; the documented values are {known}. "
            f"The file may belong to another release or be damaged."
        )
    return np.asarray([table[u] for u in uniq.tolist()], dtype=np.int64)[inverse.reshape(-1)]


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def synthetic_imu(
    rng: np.random.Generator, n: int, rate_hz: float, dynamic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Plausible synthetic accelerometer (in g, gravity included) and gyroscope (rad/s) signals.

    The device holds a random orientation, so gravity (1 g) is spread over its axes; a dynamic activity adds a
    2 Hz oscillation of 0.3 g and 1.5 rad/s peak rotation. Used only by the sample-file writers of the tests.

    Returns
    -------
    acc_g : ndarray, shape (n, 3)
    gyro_rad_s : ndarray, shape (n, 3)
    """
    t = np.arange(n) / rate_hz
    up = _random_rotation(rng) @ np.array([0.0, 0.0, 1.0])
    acc = np.tile(up, (n, 1)) + rng.normal(0.0, 0.01, size=(n, 3))
    gyro = rng.normal(0.0, 0.02, size=(n, 3))
    if dynamic:
        f = rng.uniform(1.5, 2.5)
        phase = rng.uniform(0, 2 * np.pi, size=3)
        acc += 0.3 * np.sin(2 * np.pi * f * t[:, None] + phase)
        gyro += 1.5 * np.sin(2 * np.pi * f * t[:, None] + phase[::-1])
    return acc, gyro


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_recording(card, *, acc: dict, gyro: dict | None, labels: np.ndarray, subject: str, recording_id: str,
                   rate_hz: float | None = None, **meta) -> Recording:
    """A :class:`Recording` of dataset ``card`` with ``metadata["dataset"]`` set."""
    return Recording(
        acc=acc,
        gyro=gyro or {},
        sample_rate_hz=card.rate_hz if rate_hz is None else rate_hz,
        labels=labels,
        vocabulary=card.vocabulary,
        subject=str(subject),
        recording_id=recording_id,
        metadata={"dataset": card.name, **meta},
    )


def infer_acc_scale(acc: np.ndarray, where: str) -> tuple[float, str]:
    """Factor to m/s² and unit name of an accelerometer whose unit is not documented, from its gravity level.

    The median norm of a worn accelerometer is close to 1 g whatever the activity: about 1 means g, about 9.8 means
    m/s², about 1000 means milli-g. Anything else raises :class:`DataFormatError`.
    """
    norm = float(np.nanmedian(np.linalg.norm(acc, axis=1)))
    for lo, hi, factor, unit in ((0.5, 2.0, G, "g"), (5.0, 20.0, 1.0, "m/s^2"), (500.0, 2000.0, G / 1000.0, "milli-g")):
        if lo <= norm <= hi:
            return factor, unit
    raise DataFormatError(
        f"{where}: cannot tell the accelerometer unit; its median norm is {norm:.3g}, while g, m/s² and milli-g give "
        f"about 1, 9.8 and 1000. Check that these columns hold acceleration including gravity."
    )


def infer_gyro_scale(gyro: np.ndarray) -> tuple[float, str]:
    """Factor to rad/s and unit name of a gyroscope whose unit is not documented.

    Human segments rarely exceed 20 rad/s (1150 deg/s); a 99th-percentile rate above 20 therefore means deg/s.
    """
    mag = np.linalg.norm(gyro, axis=1)
    p99 = float(np.nanpercentile(mag, 99)) if mag.size else 0.0
    return (DEG2RAD, "deg/s") if p99 > 20.0 else (1.0, "rad/s")


def align_streams(
    streams: Sequence[tuple[np.ndarray, np.ndarray]],
    rate_hz: float,
    *,
    max_gap_s: float = 1.0,
    min_samples: int = 2,
    labels: np.ndarray | None = None,
) -> list[tuple[float, list[np.ndarray], np.ndarray | None]]:
    """Put streams with their own irregular clocks onto one uniform grid over the time they all cover.

    Each stream is resampled by :func:`imuhar.preprocessing.resample_irregular` (sorted, repeats merged, linear
    interpolation with anti-alias decimation where the input is denser) on a grid starting at the latest first
    timestamp; the grid is cut wherever any stream pauses for more than ``max_gap_s``.

    Parameters
    ----------
    streams : sequence of (t_s, x)
        Timestamps in seconds, shape (n_i,), and values, shape (n_i, c_i), on one shared clock.
    rate_hz : float
        Rate of the common grid.
    max_gap_s : float
        A pause longer than this in any stream cuts the grid.
    min_samples : int
        Pieces shorter than this are dropped.
    labels : ndarray, shape (n_0,), optional
        Per-sample labels of the first stream, carried to the grid from the nearest raw sample.

    Returns
    -------
    list of (start_s, values, labels)
        One entry per gap-free piece: its first grid time, the values of every stream on the piece's grid
        (shape (m, c_i) each), and the labels (shape (m,)) or ``None``.
    """
    from ..preprocessing import resample_irregular

    usable = [(np.asarray(t, dtype=np.float64), np.asarray(x, dtype=np.float64)) for t, x in streams]
    if any(np.unique(t).size < 2 for t, _ in usable):
        return []
    lo = max(float(t.min()) for t, _ in usable)
    hi = min(float(t.max()) for t, _ in usable)
    if hi < lo:
        return []
    n = int(np.floor((hi - lo) * rate_hz + 1e-9)) + 1
    outs = [
        resample_irregular(t, x, rate_hz, start_s=lo, max_gap_s=max_gap_s, duplicates="first",
                           labels=labels if (i == 0 and labels is not None) else None)
        for i, (t, x) in enumerate(usable)
    ]
    n = min([n] + [o.time_s.shape[0] for o in outs])
    valid = np.logical_and.reduce([o.valid[:n] for o in outs])
    starts, stops = true_runs(valid)
    pieces = []
    for a, b in zip(starts, stops):
        if b - a >= min_samples:
            lab = outs[0].labels[a:b] if labels is not None else None
            pieces.append((float(outs[0].time_s[a]), [o.values[a:b] for o in outs], lab))
    return pieces
