"""Label vocabularies: class ids with human-readable names, one-sentence descriptions and a motion kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from ._errors import InvalidParameterError

__all__ = ["Activity", "LabelVocabulary", "UNLABELLED", "MOTION_KINDS"]

#: Per-sample label of samples that belong to no class (between activities, unannotated, NULL class).
UNLABELLED: int = -1

#: Allowed values of :attr:`Activity.kind`. ``static`` postures, ``dynamic`` movements, and ``transition``
#: between postures; FusionActNet's static/dynamic experts read this field.
MOTION_KINDS: tuple[str, ...] = ("static", "dynamic", "transition")


@dataclass(frozen=True)
class Activity:
    """One class of a label vocabulary.

    Parameters
    ----------
    name : str
        Short human-readable name, e.g. ``"walking upstairs"``; used in prompts.
    description : str
        One natural-language sentence describing the motion; feeds zero-shot prompts.
    kind : str
        ``"static"``, ``"dynamic"`` or ``"transition"``.
    """

    name: str
    description: str = ""
    kind: str = "dynamic"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidParameterError(f"activity name must be a non-empty string; received {self.name!r}")
        if self.kind not in MOTION_KINDS:
            raise InvalidParameterError(
                f"activity {self.name!r} has kind {self.kind!r}; allowed kinds are {MOTION_KINDS}"
            )


@dataclass(frozen=True)
class LabelVocabulary:
    """An ordered set of activities; class id ``i`` is ``activities[i]``.

    Per-sample label arrays hold these ids, with :data:`UNLABELLED` (-1) for samples outside every class.
    """

    activities: tuple[Activity, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        acts = tuple(a if isinstance(a, Activity) else Activity(str(a)) for a in self.activities)
        object.__setattr__(self, "activities", acts)
        names = [a.name for a in acts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidParameterError(f"label names must be unique; {dupes} appear more than once")

    @classmethod
    def from_names(
        cls,
        names: Iterable[str],
        descriptions: Mapping[str, str] | Sequence[str] | None = None,
        kinds: Mapping[str, str] | Sequence[str] | None = None,
    ) -> "LabelVocabulary":
        """Build a vocabulary from names, with optional descriptions and kinds (by name or by position)."""
        names = list(names)

        def pick(source, i: int, name: str, default: str) -> str:
            if source is None:
                return default
            if isinstance(source, Mapping):
                return source.get(name, default)
            return source[i]

        return cls(
            tuple(
                Activity(n, pick(descriptions, i, n, ""), pick(kinds, i, n, "dynamic"))
                for i, n in enumerate(names)
            )
        )

    def __len__(self) -> int:
        return len(self.activities)

    def __iter__(self):
        return iter(self.activities)

    def __getitem__(self, i: int) -> Activity:
        return self.activities[i]

    @property
    def names(self) -> tuple[str, ...]:
        """Class names in id order."""
        return tuple(a.name for a in self.activities)

    @property
    def descriptions(self) -> tuple[str, ...]:
        """Class descriptions in id order."""
        return tuple(a.description for a in self.activities)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Motion kind of each class in id order."""
        return tuple(a.kind for a in self.activities)

    def index(self, name: str) -> int:
        """Class id of a name; raises ``InvalidParameterError`` naming the valid names if absent."""
        for i, a in enumerate(self.activities):
            if a.name == name:
                return i
        raise InvalidParameterError(f"label {name!r} is not in this vocabulary; its names are {list(self.names)}")

    def encode(self, names: Iterable[str]) -> np.ndarray:
        """Names to int64 ids, shape (n,)."""
        lookup = {a.name: i for i, a in enumerate(self.activities)}
        out = []
        for n in names:
            if n not in lookup:
                raise InvalidParameterError(
                    f"label {n!r} is not in this vocabulary; its names are {list(self.names)}"
                )
            out.append(lookup[n])
        return np.asarray(out, dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str | None]:
        """Ids to names; :data:`UNLABELLED` decodes to ``None``."""
        return [None if int(i) == UNLABELLED else self.activities[int(i)].name for i in ids]

    def subset(self, names: Sequence[str]) -> tuple["LabelVocabulary", np.ndarray]:
        """A vocabulary of some classes and the old-id -> new-id map (-1 where dropped), shape (len(self),)."""
        mapping = np.full(len(self), UNLABELLED, dtype=np.int64)
        keep = []
        for new, name in enumerate(names):
            old = self.index(name)
            mapping[old] = new
            keep.append(self.activities[old])
        return LabelVocabulary(tuple(keep)), mapping

    def to_dict(self) -> list[dict[str, str]]:
        """JSON-ready list of ``{"name", "description", "kind"}``."""
        return [{"name": a.name, "description": a.description, "kind": a.kind} for a in self.activities]

    @classmethod
    def from_dict(cls, items: Sequence[Mapping[str, str]]) -> "LabelVocabulary":
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(Activity(d["name"], d.get("description", ""), d.get("kind", "dynamic")) for d in items))
