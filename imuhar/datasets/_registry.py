"""The dataset registry: registry name -> loader module, imported lazily, wrapped in a :class:`Dataset`.

A loader module ``imuhar.datasets._<module>`` defines

* ``CARD: DatasetCard``: the facts about the benchmark;
* ``parse(source, *, verbose=True, **options) -> Iterator[Recording]``: reads the authors' layout from a folder or
  a zip archive (through :func:`imuhar.datasets._io.open_source`) into recordings in SI units;
* ``write_sample_files(root, rng) -> dict``: writes a few small synthetic files in the documented layout and
  returns what parsing them must give (used by the conformance tests).

Modules are imported only when a dataset is asked for, so ``import imuhar.datasets`` stays cheap and a module
that is not installed does not break the others.
"""

from __future__ import annotations

import difflib
import importlib
import logging
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Sequence

import numpy as np

from ..core import UNLABELLED, DataNotFoundError, InvalidParameterError, LabelVocabulary, Recording
from ._card import DatasetCard
from ._io import DataSource, open_source

__all__ = ["REGISTRY", "Dataset", "list_datasets", "get_dataset", "load_dataset", "restrict_to_benchmark", "vocabulary_of"]

logger = logging.getLogger(__name__)

#: Registry name -> module name inside :mod:`imuhar.datasets`, in the order of ``../shared/BENCHMARKS.md``.
REGISTRY: dict[str, str] = {
    "opportunity": "_opportunity",
    "uci-har": "_uci_har",
    "motionsense": "_motionsense",
    "w-har": "_w_har",
    "shoaib": "_shoaib",
    "har70plus": "_har70plus",
    "realworld": "_realworld",
    "tnda-har": "_tnda_har",
    "pamap2": "_pamap2",
    "usc-had": "_usc_had",
    "mhealth": "_mhealth",
    "harth": "_harth",
    "ut-complex": "_ut_complex",
    "wharf": "_wharf",
    "wisdm": "_wisdm",
    "dsads": "_dsads",
    "utd-mhad": "_utd_mhad",
    "mmact": "_mmact",
    "basicmotions": "_basicmotions",
    "sp-sw-har": "_sp_sw_har",
}


def _check_name(name: str) -> str:
    if not isinstance(name, str) or name not in REGISTRY:
        close = difflib.get_close_matches(str(name).lower(), REGISTRY, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise InvalidParameterError(
            f"unknown dataset {name!r}; registered datasets are {', '.join(REGISTRY)}.{hint}"
        )
    return name


@lru_cache(maxsize=None)
def _import(name: str) -> ModuleType | None:
    """The loader module of ``name``, or ``None`` if it is not installed (other import errors propagate)."""
    qualified = f"{__package__}.{REGISTRY[name]}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


def list_datasets(*, include_missing: bool = False) -> list[str]:
    """Registry names of the datasets whose loader module is installed, in registry order.

    Parameters
    ----------
    include_missing : bool
        Also list names whose module is not installed (yet).
    """
    return [n for n in REGISTRY if include_missing or _import(n) is not None]


class Dataset:
    """A registered benchmark: its card, parser and sample-file writer, plus loading from a folder or archive.

    Obtain one with :func:`get_dataset`; do not construct it directly.
    """

    def __init__(self, name: str, module: ModuleType):
        self.name = name
        self.module = module
        card = getattr(module, "CARD", None)
        if not isinstance(card, DatasetCard):
            raise InvalidParameterError(
                f"module {module.__name__} must define CARD as a DatasetCard; found {type(card).__name__}"
            )
        if card.name != name:
            raise InvalidParameterError(
                f"module {module.__name__} defines CARD.name={card.name!r} but is registered as {name!r}"
            )
        for attr in ("parse", "write_sample_files"):
            if not callable(getattr(module, attr, None)):
                raise InvalidParameterError(f"module {module.__name__} must define a function {attr}()")
        self.card: DatasetCard = card

    def __repr__(self) -> str:
        c = self.card
        return (
            f"Dataset({self.name!r}: {len(c.vocabulary)} classes, {c.rate_hz:g} Hz, "
            f"placements {sorted(set(c.placements.values()))})"
        )

    # ------------------------------------------------------------------ files
    @property
    def embedded(self) -> bool:
        """True when the files come with a Python package (BasicMotions via sktime), so no folder is needed.

        A loader module says so with ``EMBEDDED = True``; its ``parse(None)`` then reads the packaged copy.
        """
        return bool(getattr(self.module, "EMBEDDED", False))

    def default_dir(self) -> Path:
        """Where :func:`imuhar.datasets.download` puts this dataset: ``$IMUHAR_DATA/<name>``."""
        from ._fetch import data_home

        return data_home() / self.name

    def resolve_source(self, data_dir: str | Path | DataSource | None = None) -> str | Path | DataSource:
        """The folder or archive to read: ``data_dir`` if given, else the cache folder.

        A folder that holds nothing but one zip archive (a download not yet unpacked) resolves to that archive.

        Raises
        ------
        DataNotFoundError
            If nothing is there; the message gives the download command, the URLs and the manual steps.
        """
        if isinstance(data_dir, DataSource):
            return data_dir
        path = Path(data_dir).expanduser() if data_dir is not None else self.default_dir()
        if not path.exists():
            raise DataNotFoundError(self.missing_message(path))
        if path.is_dir():
            zips, others = [], 0
            for p in path.rglob("*"):  # stop early: only "empty" and "just one archive" matter here
                if not p.is_file() or p.name.startswith("."):
                    continue
                if p.suffix.lower() == ".zip":
                    zips.append(p)
                elif p.name != "imuhar-download.json":
                    others += 1
                if others or len(zips) > 1:
                    break
            if not zips and not others:
                raise DataNotFoundError(f"{path} is an empty folder. " + self.missing_message(path))
            if len(zips) == 1 and not others:
                return zips[0]
        return path

    def missing_message(self, path: Path) -> str:
        """How to get the files, for error messages."""
        lines = [f"the {self.card.title} files were not found at {path}."]
        if self.card.layout:
            lines.append(f"The loader reads {self.card.layout}.")
        lines.append(f"Run `imuhar datasets download {self.name}`, or pass data_dir= / --data-dir pointing at the")
        lines.append("folder or the archive you downloaded. Files:")
        for f in self.card.files:
            lines.append(f"  {f.url} -> {self.default_dir() / f.filename}" + (f" ({f.manual})" if f.manual else ""))
        return " ".join(lines[:3]) + "\n" + "\n".join(lines[3:])

    def is_available(self, data_dir: str | Path | None = None) -> bool:
        """Whether files are present at ``data_dir`` (default: the cache folder)."""
        if self.embedded and data_dir is None:
            return bool(getattr(self.module, "is_available", lambda: True)())
        try:
            self.resolve_source(data_dir)
        except DataNotFoundError:
            return False
        return True

    # ------------------------------------------------------------------ parsing
    def parse(self, source: str | Path | DataSource | None = None, *, verbose: bool = True, **options: Any) -> Iterator[Recording]:
        """Recordings read lazily from ``source`` (folder or archive); see the module's ``parse`` for options."""
        if source is None and not self.embedded:
            source = self.resolve_source(None)
        elif source is not None:
            source = self.resolve_source(source)
        return _with_nested_archive_hint(self.module.parse(source, verbose=verbose, **options), source)

    def load(
        self,
        data_dir: str | Path | DataSource | None = None,
        *,
        benchmark: bool = False,
        subjects: Sequence[str] | None = None,
        verbose: bool = True,
        **options: Any,
    ) -> list[Recording]:
        """Parse every recording into a list.

        Parameters
        ----------
        data_dir : str, Path or DataSource, optional
            Folder or archive holding the authors' files; default ``$IMUHAR_DATA/<name>``.
        benchmark : bool
            Relabel to the benchmark classes (:attr:`DatasetCard.benchmark_labels`): samples of other classes
            become unlabelled (-1) and the vocabulary shrinks to the benchmark's.
        subjects : sequence of str, optional
            Keep only these subjects.
        verbose : bool
            Progress bar while parsing.
        **options
            Passed to the module's ``parse`` (e.g. ``placement=`` for UTD-MHAD).

        Returns
        -------
        list of Recording
        """
        recs = list(self.parse(data_dir, verbose=verbose, **options))
        if subjects is not None:
            wanted = {str(s) for s in subjects}
            unknown = wanted - {r.subject for r in recs}
            if unknown:
                raise InvalidParameterError(
                    f"subjects {sorted(unknown)} are not in {self.name}; present are {sorted({r.subject for r in recs})}"
                )
            recs = [r for r in recs if r.subject in wanted]
        if benchmark:
            recs = restrict_to_benchmark(recs, self.card)
        return recs

    def write_sample_files(self, root: str | Path, rng: np.random.Generator) -> dict:
        """Write small synthetic files in this dataset's layout under ``root``; returns the expected parse."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        return self.module.write_sample_files(root, rng)


def _with_nested_archive_hint(recordings: Iterator[Recording], source) -> Iterator[Recording]:
    """Pass recordings through; if the files are not found, say so when they sit in an archive inside the source.

    UCI and others wrap the real archive in another one; :class:`DataSource` does not open nested archives.
    """
    try:
        yield from recordings
    except DataNotFoundError as exc:
        if source is None:
            raise
        src = open_source(source)
        nested = [n for n in src.names if n.lower().endswith((".zip", ".tar.gz", ".tgz"))]
        if not nested:
            raise
        raise DataNotFoundError(
            f"{exc}\nThe files seem to sit in an archive inside {src.path}: {', '.join(nested[:3])}. Unpack it and "
            f"pass the unpacked folder (or that inner archive), or let `imuhar datasets download` unpack it."
        ) from exc


def restrict_to_benchmark(recordings: Sequence[Recording], card: DatasetCard) -> list[Recording]:
    """Relabel recordings to the card's benchmark classes; samples of other classes become unlabelled (-1).

    Recordings left without any benchmark sample are kept (their samples are all ``-1``), so continuous
    sessions stay intact for windowing; windowing code drops unlabelled windows.
    """
    if not card.benchmark_labels:
        return list(recordings)
    vocab, mapping = card.vocabulary.subset(card.benchmark_labels)
    out = []
    for rec in recordings:
        if rec.vocabulary.names != card.vocabulary.names:
            raise InvalidParameterError(
                f"recording {rec.recording_id!r} does not use the {card.name} vocabulary; cannot restrict it"
            )
        lab = np.where(rec.labels == UNLABELLED, UNLABELLED, mapping[np.maximum(rec.labels, 0)])
        out.append(
            rec.replace(
                step="restrict_to_benchmark",
                params={"classes": list(card.benchmark_labels)},
                labels=lab,
                vocabulary=vocab,
            )
        )
    return out


def get_dataset(name: str) -> Dataset:
    """The registered dataset ``name`` (see :data:`REGISTRY`).

    Raises
    ------
    InvalidParameterError
        If the name is not registered (the message lists close names), or its loader module is not installed.
    """
    _check_name(name)
    module = _import(name)
    if module is None:
        raise InvalidParameterError(
            f"dataset {name!r} is registered but its loader module imuhar.datasets.{REGISTRY[name]} is not "
            f"installed in this version of imuhar; available datasets are {', '.join(list_datasets())}"
        )
    return Dataset(name, module)


def load_dataset(name: str, data_dir: str | Path | DataSource | None = None, **kwargs: Any) -> list[Recording]:
    """Shortcut for ``get_dataset(name).load(data_dir, **kwargs)``."""
    return get_dataset(name).load(data_dir, **kwargs)


def vocabulary_of(name: str, *, benchmark: bool = False) -> LabelVocabulary:
    """The label vocabulary of a dataset (its benchmark subset with ``benchmark=True``)."""
    card = get_dataset(name).card
    return card.benchmark_vocabulary if benchmark else card.vocabulary
