"""UniMTS-style text-aligned IMU encoder: pretraining corpus, contrastive pretraining, zero/few-shot use."""

from ._captions import bandai_captions, cmu_captions, paraphrase
from ._corpus import CORPUS_SOURCES, CorpusTake, PretrainCorpus, build_corpus, iter_corpus_takes
from ._gait import GAITS, GaitStyle, gait_corpus, synthesize_gait
from ._motion_prior import DEFAULT_MOTION_PRIOR, activity_kinds, kind_log_prior, motion_intensity
from ._prototypes import (
    CorpusPrototypes,
    blend_scores,
    class_prototypes,
    combined_scores,
    corpus_take_embeddings,
    standardize_scores,
)
from ._postures import POSTURES, SyntheticMotion, posture_corpus, synthesize_posture, synthesize_transition

__all__ = [
    "CORPUS_SOURCES",
    "DEFAULT_MOTION_PRIOR",
    "CaptionBank",
    "CorpusPrototypes",
    "CorpusTake",
    "GAITS",
    "GaitStyle",
    "POSTURES",
    "PROTOCOL_N_SAMPLES",
    "PROTOCOL_RATE_HZ",
    "PretrainConfig",
    "PretrainCorpus",
    "PretrainPairs",
    "SyntheticMotion",
    "activity_kinds",
    "TextAlignedIMU",
    "bandai_captions",
    "blend_scores",
    "build_corpus",
    "caption_infonce",
    "class_prototypes",
    "class_text_embeddings",
    "cmu_captions",
    "combined_scores",
    "corpus_take_embeddings",
    "gait_corpus",
    "iter_corpus_takes",
    "kind_log_prior",
    "motion_intensity",
    "paraphrase",
    "posture_corpus",
    "pretrain",
    "protocol_windows",
    "standardize_scores",
    "synthesize_gait",
    "synthesize_posture",
    "synthesize_transition",
    "zero_shot_scores",
]

_TORCH_PARTS = {
    "CaptionBank": "._pretrain",
    "PretrainConfig": "._pretrain",
    "PretrainPairs": "._pretrain",
    "caption_infonce": "._pretrain",
    "pretrain": "._pretrain",
    "TextAlignedIMU": "._model",
    "PROTOCOL_N_SAMPLES": "._model",
    "PROTOCOL_RATE_HZ": "._model",
    "protocol_windows": "._zeroshot",
    "class_text_embeddings": "._zeroshot",
    "zero_shot_scores": "._zeroshot",
}


def __getattr__(name: str):
    # the torch-based parts load on first use, so the corpus tools stay importable without torch
    if name in _TORCH_PARTS:
        import importlib

        return getattr(importlib.import_module(_TORCH_PARTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
