"""Zero-shot recognition: match IMU embeddings against text embeddings of the class prompts."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...core import InvalidParameterError, LabelVocabulary, Recording, Windows
from ._model import PROTOCOL_N_SAMPLES, PROTOCOL_RATE_HZ, TextAlignedIMU

__all__ = ["protocol_windows", "class_text_embeddings", "zero_shot_scores"]


def protocol_windows(
    recordings: Sequence[Recording],
    *,
    window_s: float | None = None,
    overlap: float = 0.5,
    rate_hz: float = PROTOCOL_RATE_HZ,
    n_samples: int = PROTOCOL_N_SAMPLES,
    whole_recordings: bool = False,
    verbose: bool = False,
) -> Windows:
    """Windows in the model's input protocol (default 20 Hz, 200 samples = 10 s).

    Parameters
    ----------
    recordings : sequence of Recording
        SI units; any rate (resampled here with anti-aliasing).
    window_s : float, optional
        Cut windows of this length from the recordings, then tile or crop them to ``n_samples`` (the UniMTS
        protocol for benchmarks whose windows are shorter than 10 s). Default: ``n_samples / rate_hz``.
    overlap : float
        Overlap of consecutive windows.
    whole_recordings : bool
        One window per recording (trial-segmented datasets such as UTD-MHAD): the whole recording, tiled or
        cropped to ``n_samples``; its label is the majority label.
    """
    from ...preprocessing import fit_length, resample, sliding_windows

    recs = [r if abs(r.sample_rate_hz - rate_hz) < 1e-9 else resample(r, target_rate_hz=rate_hz) for r in recordings]
    if not recs:
        raise InvalidParameterError("no recordings to cut into windows")
    if whole_recordings:
        parts = []
        for r in recs:
            n = r.n_samples
            parts.append(sliding_windows([r], n_samples=n, step=n, nodes="all", drop_unlabelled=True, verbose=False))
        parts = [p for p in parts if len(p)]
        parts = [fit_length(p, n_samples, mode="tile") for p in parts]
        return Windows.concatenate(parts)
    length = window_s if window_s is not None else n_samples / rate_hz
    w = sliding_windows(recs, length_s=length, overlap=overlap, nodes="all", verbose=verbose)
    return w if w.n_samples == n_samples else fit_length(w, n_samples, mode="tile")


def class_text_embeddings(text_encoder, vocabulary: LabelVocabulary | Sequence[str], templates: Sequence[str] | None = None) -> np.ndarray:
    """One unit-norm text vector per class (prompt ensemble), shape (n_classes, dim)."""
    from ...text import DEFAULT_TEMPLATES

    return text_encoder.class_embeddings(vocabulary, templates or DEFAULT_TEMPLATES)


def zero_shot_scores(model: TextAlignedIMU, windows: Windows, class_embeddings: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Cosine similarity of every window to every class, shape (n_windows, n_classes)."""
    emb = model.embed_windows(windows, batch_size=batch_size)
    if emb.shape[1] != class_embeddings.shape[1]:
        raise InvalidParameterError(
            f"the IMU model embeds into {emb.shape[1]} dimensions but the text encoder gives {class_embeddings.shape[1]}: "
            f"use the text model the weights were trained with ({model.text_model!r})"
        )
    return emb @ class_embeddings.T
