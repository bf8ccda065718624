"""UniMTS-style text-aligned IMU encoder: pretraining corpus, contrastive pretraining, zero/few-shot use."""

from ._captions import bandai_captions, cmu_captions, paraphrase
from ._postures import POSTURES, SyntheticMotion, posture_corpus, synthesize_posture, synthesize_transition

__all__ = [
    "POSTURES",
    "SyntheticMotion",
    "bandai_captions",
    "cmu_captions",
    "paraphrase",
    "posture_corpus",
    "synthesize_posture",
    "synthesize_transition",
]
