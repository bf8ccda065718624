"""Read a dataset's files where the user has them: a folder, or the downloaded zip archive read in place."""

from __future__ import annotations

import fnmatch
import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

from ..core import DataNotFoundError

__all__ = ["DataSource", "open_source"]


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
