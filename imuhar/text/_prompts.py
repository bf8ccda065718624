"""Prompts: label names and dataset-card descriptions turned into short sentences for a text encoder.

Several templates per class are embedded and averaged (prompt ensembling, as CLIP does for image classes),
which makes the class vector less sensitive to one phrasing. Templates are format strings with the fields

``{name}``
    the label name in plain words (``"walking_upstairs"`` -> ``"walking upstairs"``),
``{description}``
    the card's description as written (a sentence, e.g. ``"Climbing a flight of stairs step by step."``),
``{clause}``
    the description as a clause: first letter lower-cased, final period dropped, so that it can continue a
    sentence (``"the motion of someone climbing a flight of stairs step by step"``).

A template that needs a description is skipped for a class that has none.
"""

from __future__ import annotations

import re
import string
from typing import Iterable, Sequence

from imuhar.core import InvalidParameterError, LabelVocabulary

__all__ = ["DEFAULT_TEMPLATES", "NAME_TEMPLATES", "humanize_label", "build_prompts", "label_prompts"]

#: Templates used by default: the bare name, two sentences around it and the card's description.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "{name}",
    "a person {name}",
    "the motion of someone {name}",
    "{description}",
)
#: Name-only templates, for vocabularies without descriptions or to reproduce UniMTS (bare label names).
NAME_TEMPLATES: tuple[str, ...] = ("{name}",)

_FIELDS = {"name", "description", "clause"}


def humanize_label(name: str) -> str:
    """A label name in plain lower-case words: ``"WALKING_UPSTAIRS"`` -> ``"walking upstairs"``.

    CamelCase is split (``"StandToSit"`` -> ``"stand to sit"``); underscores, hyphens and repeated spaces
    become single spaces.
    """
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    text = re.sub(r"[_\-\s]+", " ", text)
    return text.strip().lower()


def _clause(description: str) -> str:
    text = description.strip().rstrip(".").strip()
    if text[:1].isupper() and not text[1:2].isupper():  # keep acronyms such as "ADL"
        text = text[0].lower() + text[1:]
    return text


def _template_fields(template: str) -> set[str]:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    unknown = fields - _FIELDS
    if unknown:
        raise InvalidParameterError(
            f"prompt template {template!r} uses unknown field(s) {sorted(unknown)}; allowed fields are "
            f"{sorted(_FIELDS)}"
        )
    return fields


def build_prompts(name: str, description: str = "", templates: Sequence[str] = DEFAULT_TEMPLATES) -> list[str]:
    """Prompts of one class, in template order, without duplicates.

    Parameters
    ----------
    name : str
        Label name (any casing/underscores; humanized).
    description : str
        One-sentence description from the dataset card; may be empty.
    templates : sequence of str
        Format strings using ``{name}``, ``{description}``, ``{clause}``.

    Returns
    -------
    list of str
        At least one prompt (the name alone if every template needs a missing description).
    """
    if isinstance(templates, str):
        raise InvalidParameterError("templates must be a sequence of format strings, not one string")
    plain = humanize_label(name)
    if not plain:
        raise InvalidParameterError(f"label name must contain letters or digits; received {name!r}")
    description = (description or "").strip()
    values = {"name": plain, "description": description, "clause": _clause(description)}
    out: list[str] = []
    for template in templates:
        fields = _template_fields(template)
        if fields & {"description", "clause"} and not description:
            continue
        prompt = " ".join(template.format(**values).split())
        if prompt and prompt not in out:
            out.append(prompt)
    return out or [plain]


def label_prompts(
    vocabulary: LabelVocabulary | Iterable[str], templates: Sequence[str] = DEFAULT_TEMPLATES
) -> list[list[str]]:
    """Prompts of every class of a vocabulary (or of plain names), one list per class id."""
    if isinstance(vocabulary, LabelVocabulary):
        pairs = [(a.name, a.description) for a in vocabulary]
    else:
        pairs = [(str(n), "") for n in vocabulary]
    if not pairs:
        raise InvalidParameterError("the vocabulary is empty; there is nothing to prompt")
    return [build_prompts(n, d, templates) for n, d in pairs]
