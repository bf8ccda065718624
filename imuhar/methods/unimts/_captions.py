"""Captions for the pretraining corpus: mocap labels turned into sentences, and paraphrase templates.

Bandai Namco takes carry a content label (what the body does) and a style label (how); CMU trials carry a
short description ("run/jog", "playground - climb, sit"). Both become plain sentences about a person moving.
Paraphrase templates vary the wording at training time so the encoder learns the motion, not one phrasing.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["bandai_captions", "cmu_captions", "paraphrase", "PARAPHRASE_TEMPLATES"]

_BANDAI_CONTENT: dict[str, str] = {
    "walk": "walks forward",
    "run": "runs forward",
    "dash": "sprints forward at full speed",
    "walk-back": "walks backward",
    "walk-left": "walks sideways to the left",
    "walk-right": "walks sideways to the right",
    "walk-turn-left": "walks and turns to the left",
    "walk-turn-right": "walks and turns to the right",
    "bow": "bows, bending the upper body forward",
    "bye": "waves goodbye with one hand",
    "byebye": "waves goodbye energetically with both arms",
    "guide": "points the way with an arm, guiding someone",
    "respond": "answers with a small gesture of the arms",
    "call": "beckons someone to come over with the hand",
    "punch": "throws punches with the fists",
    "kick": "kicks with one leg",
    "slash": "swings the arms in a slashing motion",
    "dance-long": "dances, moving arms and legs to a rhythm",
    "dance-short": "dances briefly, moving the whole body",
    "wave-both-hands": "waves both hands above the head",
    "wave-left-hand": "waves the left hand",
    "wave-right-hand": "waves the right hand",
    "raise-up-both-hands": "raises both hands up",
    "raise-up-left-hand": "raises the left hand up",
    "raise-up-right-hand": "raises the right hand up",
}

_BANDAI_STYLE: dict[str, str] = {
    "normal": "",
    "happy": "happily",
    "sad": "sadly, slumped",
    "angry": "angrily",
    "proud": "proudly, chest out",
    "not-confident": "timidly",
    "masculinity": "in a broad, masculine way",
    "masculine": "in a broad, masculine way",
    "feminine": "in a light, feminine way",
    "childish": "like a playful child",
    "youthful": "in a youthful, lively way",
    "old": "slowly, like an elderly person",
    "elderly": "slowly, like an elderly person",
    "tired": "tiredly",
    "exhausted": "in an exhausted way",
    "active": "energetically",
    "musical": "theatrically, as in a musical",
    "giant": "with heavy, lumbering movements",
    "chimpira": "with a swaggering, aggressive gait",
}

#: Sentence frames; ``{x}`` is a verb phrase in the third person ("walks forward").
PARAPHRASE_TEMPLATES: tuple[str, ...] = (
    "a person {x}",
    "someone {x}",
    "a man {x}",
    "a woman {x}",
    "the person {x}",
    "a human {x}",
)


def bandai_captions(content: str, style: str) -> list[str]:
    """Sentences for a Bandai Namco take from its content and style labels (dataset prefixes allowed)."""
    content = re.sub(r"^dataset-\d_", "", content)
    style = re.sub(r"^dataset-\d_", "", style)
    verb = _BANDAI_CONTENT.get(content, content.replace("-", " "))
    how = _BANDAI_STYLE.get(style, style.replace("-", " "))
    phrase = f"{verb} {how}".strip()
    return [f"a person {phrase}", f"someone {verb}" + (f", {how}" if how else "")]


def cmu_captions(description: str) -> list[str]:
    """Sentences for a CMU trial from its few-word description ("playground - climb, sit")."""
    desc = " ".join(description.replace("/", " or ").split()).strip().rstrip(".")
    if " - " in desc:
        scene, acts = desc.split(" - ", 1)
        return [f"a person on a {scene}: {acts}", f"motion: {acts}"]
    return [f"a person performs: {desc}", f"motion: {desc}"]


def paraphrase(caption: str, rng: np.random.Generator) -> str:
    """Reword a caption that starts with "a person"/"someone" using a random template; others pass through."""
    m = re.match(r"^(a person|someone)\s+(.*)$", caption)
    if not m:
        return caption
    template = PARAPHRASE_TEMPLATES[int(rng.integers(len(PARAPHRASE_TEMPLATES)))]
    return template.format(x=m.group(2))
