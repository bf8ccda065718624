"""`DatasetCard`: everything known about a benchmark, in code, from which its markdown card is generated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..core import InvalidParameterError, LabelVocabulary, resolve_placement

__all__ = ["DatasetCard", "RemoteFile", "SplitRule"]


@dataclass(frozen=True)
class RemoteFile:
    """One file a user downloads: its URL, SHA-256 (``None`` where not known) and name in the cache.

    ``direct=False`` marks a URL that leads to a page (a form, a login, a record listing) rather than to the
    file itself; :func:`imuhar.datasets.download` then gives the ``manual`` steps instead of fetching it.
    """

    url: str
    filename: str
    sha256: str | None = None
    manual: str = ""  # manual steps where a form or login is needed; empty if the URL downloads directly
    direct: bool = True


@dataclass(frozen=True)
class SplitRule:
    """How we split by subject.

    ``test_subjects`` lists the official test subjects where the authors define them; otherwise ``kind`` says
    what we do (``"given"``, ``"loso"`` = leave one subject out, ``"grouped_kfold"``) and ``description`` why.
    """

    kind: str
    description: str
    test_subjects: tuple[str, ...] = ()
    n_folds: int | None = None


@dataclass(frozen=True)
class DatasetCard:
    """Facts about one benchmark.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"uci-har"``.
    title : str
        Full name.
    citation : str
        Reference to cite.
    license : str
    homepage : str
    files : tuple of RemoteFile
        What to download.
    rate_hz : float
        Native sample rate in Hz.
    placements : mapping of str to str
        Sensor name in the files -> canonical node.
    sensors : mapping of str to tuple of str
        Canonical node -> sensor kinds present there (``("acc", "gyro")``).
    units : mapping of str to str
        Channel family -> unit in the files (``{"acc": "g", "gyro": "rad/s"}``); parsers convert to SI.
    vocabulary : LabelVocabulary
        Classes with names, one-sentence descriptions and static/dynamic kinds.
    subjects : tuple of str
        Subject ids.
    split : SplitRule
    notes : str
        Quirks, assumptions and manual steps, in markdown.
    tags : tuple of str
        Free keywords (``"phone"``, ``"watch"``, ``"acc-only"`` ...).
    benchmark_labels : tuple of str
        Class names of the benchmark task when it is a subset of the vocabulary (UCI-HAR's 6 activities without
        the postural transitions); empty means every class of the vocabulary.
    layout : str
        One line naming the files a parser reads, e.g. ``"RawData/acc_expEE_userUU.txt + RawData/labels.txt"``;
        quoted in error messages and on the markdown card.
    acc_includes_gravity : bool
        False where the files hold linear acceleration with gravity already removed (BasicMotions); parsed
        accelerations then lack gravity too, since it cannot be restored without the device's orientation.
    """

    name: str
    title: str
    citation: str
    license: str
    homepage: str
    files: tuple[RemoteFile, ...]
    rate_hz: float
    placements: Mapping[str, str]
    sensors: Mapping[str, tuple[str, ...]]
    units: Mapping[str, str]
    vocabulary: LabelVocabulary
    subjects: tuple[str, ...]
    split: SplitRule
    notes: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    benchmark_labels: tuple[str, ...] = field(default_factory=tuple)
    layout: str = ""
    acc_includes_gravity: bool = True

    def __post_init__(self) -> None:
        for alias, node in self.placements.items():
            if resolve_placement(node) != node:
                raise ValueError(f"card {self.name!r}: placement {alias!r} maps to {node!r}, not a canonical node")
        unknown = [n for n in self.benchmark_labels if n not in self.vocabulary.names]
        if unknown:
            raise InvalidParameterError(
                f"card {self.name!r}: benchmark_labels {unknown} are not in its vocabulary {list(self.vocabulary.names)}"
            )

    @property
    def benchmark_vocabulary(self) -> LabelVocabulary:
        """The vocabulary of the benchmark task: :attr:`benchmark_labels` in that order, or every class."""
        if not self.benchmark_labels:
            return self.vocabulary
        return self.vocabulary.subset(self.benchmark_labels)[0]
