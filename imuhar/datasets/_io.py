"""Read a dataset's files where the user has them: a folder, or the downloaded zip archive read in place."""

from __future__ import annotations

import fnmatch
import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

import numpy as np

from ..core import DataFormatError, DataNotFoundError

__all__ = ["DataSource", "open_source", "read_numeric_table", "read_csv_columns"]


class DataSource:
    """Uniform read access to files under a folder or inside a zip archive (nested zips are not opened).

    Paths are POSIX-style and relative to the source root. :meth:`glob` matches ``fnmatch`` patterns against the
    whole relative path, so ``"*/RawData/acc_*.txt"`` or ``"**acc_exp*"`` find files below a wrapper folder.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise DataNotFoundError(
                f"{self.path} does not exist: pass the folder or the .zip archive that holds the dataset's files"
            )
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_file():
            if not zipfile.is_zipfile(self.path):
                raise DataNotFoundError(f"{self.path} is a file but not a zip archive: pass a folder or a .zip")
            self._zip = zipfile.ZipFile(self.path)
            self._names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        else:
            self._names = sorted(
                p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
            )

    def __repr__(self) -> str:
        return f"DataSource({str(self.path)!r}, {len(self._names)} files)"

    def __enter__(self) -> "DataSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    @property
    def names(self) -> list[str]:
        """Every file's relative path, sorted."""
        return list(self._names)

    def glob(self, pattern: str) -> list[str]:
        """Relative paths matching ``pattern`` (fnmatch on the full path; ``*`` crosses folders), sorted."""
        return [n for n in self._names if fnmatch.fnmatch(n, pattern)]

    def find(self, pattern: str) -> str:
        """The single path matching ``pattern``; :class:`DataNotFoundError` naming the pattern if none."""
        hits = self.glob(pattern)
        if not hits:
            raise DataNotFoundError(f"no file matching {pattern!r} in {self.path}")
        return hits[0]

    def exists(self, name: str) -> bool:
        return name in self._names

    def open(self, name: str) -> IO[bytes]:
        """Open a file for binary reading."""
        if name not in self._names:
            raise DataNotFoundError(f"{name!r} is not in {self.path}")
        if self._zip is not None:
            return io.BytesIO(self._zip.read(name))
        return open(self.path / name, "rb")

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def read_text(self, name: str, encoding: str = "utf-8") -> str:
        return self.read_bytes(name).decode(encoding, errors="replace")

    def describe(self, name: str) -> str:
        """Human-readable location of a file, for error messages: ``archive.zip!inner/path``."""
        return f"{self.path}!{name}" if self._zip is not None else str(self.path / name)

    def iter_dirs(self) -> Iterator[str]:
        """Distinct parent folders of all files."""
        seen = set()
        for n in self._names:
            parent = str(PurePosixPath(n).parent)
            if parent not in seen:
                seen.add(parent)
                yield parent


def open_source(path: str | Path | DataSource) -> DataSource:
    """A :class:`DataSource` for a folder or a zip archive (a ``DataSource`` passes through)."""
    return path if isinstance(path, DataSource) else DataSource(path)


def read_numeric_table(
    source: DataSource,
    name: str,
    *,
    n_columns: int | None = None,
    sep: str | None = None,
    allow_nan: bool = False,
    min_rows: int = 1,
) -> np.ndarray:
    """Read a headerless numeric text table into a float64 array, shape (n_rows, n_columns).

    Parameters
    ----------
    source : DataSource
    name : str
        Relative path of the file in ``source``.
    n_columns : int, optional
        Required number of columns; checked on every row.
    sep : str, optional
        Column separator; ``None`` means runs of whitespace.
    allow_nan : bool
        Accept ``NaN`` cells (datasets that mark dropped samples so); otherwise a missing cell is an error.
    min_rows : int
        Fewest rows accepted.

    Raises
    ------
    DataFormatError
        Naming the file, the row and the fix, if a row has the wrong number of cells (a truncated file, a
        missing column, a different separator), a cell is not a number, or the file is (nearly) empty.
    """
    import pandas as pd

    where = source.describe(name)
    with source.open(name) as fh:
        raw = fh.read()
    if not raw.strip():
        raise DataFormatError(f"{where} is empty; re-download or re-extract the dataset")
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep=r"\s+" if sep is None else sep, header=None, engine="c")
    except pd.errors.ParserError as exc:
        raise DataFormatError(
            f"{where} is not a regular table ({exc}); rows must all have the same number of "
            f"{'whitespace' if sep is None else repr(sep)}-separated cells. Re-extract the file if it was cut short."
        ) from None
    sep_name = "whitespace" if sep is None else repr(sep)
    if n_columns is not None and frame.shape[1] != n_columns:
        raise DataFormatError(
            f"{where} has {frame.shape[1]} column(s) separated by {sep_name}; this format has {n_columns}. "
            f"Check that it is the right file and that its cells are separated by {sep_name}."
        )
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad_col = next(i for i, c in enumerate(frame.columns) if frame[c].dtype.kind not in "iuf")
        sample = frame[frame.columns[bad_col]].astype(str).iloc[0]
        raise DataFormatError(
            f"{where} column {bad_col + 1} holds non-numeric text such as {sample!r}; expected numbers separated by "
            f"{sep_name}. Check the separator and that the file is not a differently formatted variant."
        ) from None
    if not allow_nan:
        missing = np.isnan(values)
        if missing.any():
            row = int(np.argwhere(missing)[0][0])
            raise DataFormatError(
                f"{where} row {row + 1} of {len(values)} has missing cells (a truncated file or a missing column?); "
                f"re-download or re-extract the dataset."
            )
    if len(values) < min_rows:
        raise DataFormatError(f"{where} has {len(values)} row(s); at least {min_rows} expected")
    return values


def read_csv_columns(
    source: DataSource,
    name: str,
    required: list[str] | tuple[str, ...],
    *,
    sep: str = ",",
    numeric: list[str] | tuple[str, ...] = (),
):
    """Read a CSV with a header row into a ``pandas.DataFrame``, checking the required columns.

    Parameters
    ----------
    required : sequence of str
        Column names that must be present.
    numeric : sequence of str
        Columns that must be entirely numeric and finite; converted to float64.

    Raises
    ------
    DataFormatError
        Naming the file, the missing columns and the columns found, or the first non-numeric/missing cell.
    """
    import pandas as pd

    where = source.describe(name)
    with source.open(name) as fh:
        raw = fh.read()
    if not raw.strip():
        raise DataFormatError(f"{where} is empty; re-download or re-extract the dataset")
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep=sep)
    except pd.errors.ParserError as exc:
        raise DataFormatError(f"{where} is not a regular {sep!r}-separated table ({exc}); re-extract the file") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        hint = " (the cells seem to use another separator)" if len(frame.columns) == 1 else ""
        raise DataFormatError(
            f"{where} lacks column(s) {missing}{hint}; the format needs {list(required)}, found "
            f"{list(frame.columns)[:12]}. Check that this is the original file from the dataset's authors."
        )
    numeric = list(numeric)
    if numeric and all(frame[c].dtype.kind in "iuf" for c in numeric):
        block = frame[numeric].to_numpy(dtype=np.float64)
        if np.isfinite(block).all():  # the common case: one vectorised check, no per-column conversion
            return frame
    for col in numeric:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.argmax(bad))
            raise DataFormatError(
                f"{where} column {col!r} row {row + 2} holds {frame[col].iloc[row]!r}, not a number (a truncated "
                f"or edited file?); re-download or re-extract the dataset."
            )
        frame[col] = values
    return frame
