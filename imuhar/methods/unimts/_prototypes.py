"""Simulated-prototype zero-shot: class prototypes in IMU-embedding space, retrieved from the pretraining corpus.

Zero-shot matching compares an IMU embedding with a *text* embedding, across the modality gap that contrastive
training leaves. The pretraining corpus offers a second route that needs no benchmark labels either: the
class prompt retrieves the corpus takes whose captions mean the same thing (text against text, where the
sentence model is strong), those takes are simulated at the benchmark's own sensor placement and window
length (with the training-time rotations and sensor noise), and the mean of their IMU embeddings is the
class prototype. A window is then scored against prototypes (IMU against IMU), against the prompts, or a
standardized blend of both. Nothing here reads a benchmark's labels; the placement and window length are
what a user knows before recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ...core import InvalidParameterError, NODE_INDEX
from ._corpus import PretrainCorpus

#: Blend weight of the prompt scores and retrieval temperature chosen on the benchmarks' training subjects
#: (development set) by experiments/unimts_zero_shot.py.
DEFAULT_ALPHA = 0.75
DEFAULT_TEMPERATURE = 0.02

__all__ = ["DEFAULT_ALPHA", "DEFAULT_TEMPERATURE", "CorpusPrototypes", "corpus_take_embeddings", "class_prototypes", "blend_scores", "standardize_scores", "combined_scores"]


@dataclass
class CorpusPrototypes:
    """Per-take IMU embeddings of a corpus at one placement, with the takes' caption embeddings.

    Attributes
    ----------
    imu : ndarray, shape (n_takes, dim)
        Unit-norm mean embedding of each take's simulated windows.
    captions : ndarray, shape (n_takes, text_dim)
        Unit-norm mean text embedding of each take's captions.
    names : list of str
    nodes : list of str
        The placement the takes were simulated at.
    native_samples : int
        Window length before tiling to the protocol length.
    """

    imu: np.ndarray
    captions: np.ndarray
    names: list[str]
    nodes: list[str]
    native_samples: int


def corpus_take_embeddings(
    model,
    corpus: PretrainCorpus,
    text_encoder,
    nodes: Sequence[str],
    *,
    native_samples: int | None = None,
    windows_per_take: int = 3,
    noise: str = "consumer_phone",
    seed: int = 0,
    batch_size: int = 256,
    verbose: bool = False,
) -> CorpusPrototypes:
    """Embed every corpus take as the benchmark would see it: at ``nodes``, cropped, rotated, noisy, tiled.

    Parameters
    ----------
    model : TextAlignedIMU
    corpus : PretrainCorpus
        At the model's protocol rate (20 Hz for the shipped weights).
    text_encoder : TextEncoder
        The model's text encoder (captions are embedded with it).
    nodes : sequence of str
        Canonical node names of the benchmark's sensors (``imuhar.core.NODES``).
    native_samples : int, optional
        Crop length before tiling to the protocol's ``n_samples`` (e.g. 51 for UCI-HAR's 2.56 s at 20 Hz);
        default the protocol length itself.
    windows_per_take : int
        Random crops averaged per take.
    noise : str
        Sensor-error preset applied to each crop (the pretraining default).

    Returns
    -------
    CorpusPrototypes
    """
    import torch
    from tqdm.auto import tqdm

    from ._model import PROTOCOL_N_SAMPLES
    from ._views import sensor_view

    unknown = [n for n in nodes if n not in NODE_INDEX]
    if not nodes or unknown:
        raise InvalidParameterError(f"nodes must be canonical node names; received {list(nodes)} (unknown: {unknown})")
    if windows_per_take < 1:
        raise InvalidParameterError(f"windows_per_take must be at least 1; received {windows_per_take}")
    n_out = PROTOCOL_N_SAMPLES
    native = int(native_samples or n_out)
    if not 2 <= native <= n_out:
        raise InvalidParameterError(f"native_samples must lie in [2, {n_out}]; received {native_samples}")
    idx = np.array([NODE_INDEX[n] for n in nodes])
    rng = np.random.default_rng(seed)
    reps = int(np.ceil(n_out / native))
    mask = torch.zeros(1, 22, dtype=torch.bool)
    mask[0, idx] = True
    sums = np.zeros((len(corpus), 0), dtype=np.float64)
    was_training = model.training
    model.eval()
    batch: list[np.ndarray] = []
    owners: list[int] = []

    def flush() -> None:
        nonlocal sums, batch, owners
        with torch.no_grad():
            emb = model(torch.from_numpy(np.stack(batch)), mask.expand(len(batch), -1)).numpy()
        if sums.shape[1] == 0:
            sums = np.zeros((len(corpus), emb.shape[1]))
        np.add.at(sums, np.array(owners), emb)
        batch, owners = [], []

    for t in tqdm(range(len(corpus)), desc="embedding corpus takes", unit="take", disable=not verbose):
        acc, gyro = corpus.take(t)
        length = acc.shape[0]
        for _ in range(windows_per_take):
            sl = (np.arange(native) + int(rng.integers(max(length - native, 0) + 1))) % length
            a, g = sensor_view(acc[sl][:, idx], gyro[sl][:, idx], corpus.rate_hz, rng, noise=noise)
            a, g = np.tile(a, (reps, 1, 1))[:n_out], np.tile(g, (reps, 1, 1))[:n_out]
            x = np.zeros((22, 6, n_out), dtype=np.float32)
            x[idx, 0:3] = a.transpose(1, 2, 0)
            x[idx, 3:6] = g.transpose(1, 2, 0)
            batch.append(x)
            owners.append(t)
            if len(batch) >= batch_size:
                flush()
    if batch:
        flush()
    model.train(was_training)
    imu = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    caps = np.stack([np.asarray(text_encoder.encode(list(c)), dtype=np.float64).mean(axis=0) for c in corpus.captions])
    caps /= np.maximum(np.linalg.norm(caps, axis=1, keepdims=True), 1e-12)
    return CorpusPrototypes(imu.astype(np.float32), caps.astype(np.float32), list(corpus.names), list(nodes), native)


def class_prototypes(takes: CorpusPrototypes, class_embeddings: np.ndarray, *, temperature: float = DEFAULT_TEMPERATURE) -> np.ndarray:
    """Class prototypes: take embeddings weighted by a softmax of caption-to-prompt similarity.

    Parameters
    ----------
    takes : CorpusPrototypes
    class_embeddings : ndarray, shape (n_classes, text_dim)
        Unit-norm prompt embeddings (:func:`class_text_embeddings`).
    temperature : float
        Softmax temperature over cosine similarities; small values keep only the best-matching takes.

    Returns
    -------
    ndarray, shape (n_classes, dim), unit-norm rows
    """
    if temperature <= 0:
        raise InvalidParameterError(f"temperature must be positive; received {temperature}")
    if class_embeddings.shape[1] != takes.captions.shape[1]:
        raise InvalidParameterError(
            f"class embeddings have {class_embeddings.shape[1]} dimensions but the corpus captions "
            f"{takes.captions.shape[1]}: embed both with the same text encoder"
        )
    sim = class_embeddings @ takes.captions.T
    w = np.exp((sim - sim.max(axis=1, keepdims=True)) / temperature)
    w /= w.sum(axis=1, keepdims=True)
    proto = w @ takes.imu
    return (proto / np.maximum(np.linalg.norm(proto, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def blend_scores(text_scores: np.ndarray, prototype_scores: np.ndarray, alpha: float) -> np.ndarray:
    """``alpha`` x standardized text scores + (1 - ``alpha``) x standardized prototype scores.

    Both inputs have shape (n_windows, n_classes); each is standardized by its own mean and standard
    deviation over all entries so that neither scale dominates. ``alpha=1``: prompts only; ``0``: prototypes only.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InvalidParameterError(f"alpha must lie in [0, 1]; received {alpha}")
    if text_scores.shape != prototype_scores.shape:
        raise InvalidParameterError(f"score shapes differ: {text_scores.shape} vs {prototype_scores.shape}")
    return alpha * standardize_scores(text_scores) + (1.0 - alpha) * standardize_scores(prototype_scores)


def standardize_scores(scores: np.ndarray) -> np.ndarray:
    """Scores minus their mean over all entries, divided by their standard deviation (1 if it is 0)."""
    sd = scores.std()
    return (scores - scores.mean()) / (sd if sd > 0 else 1.0)


def combined_scores(
    embeddings: np.ndarray,
    class_embeddings: np.ndarray,
    *,
    prototypes: np.ndarray | None = None,
    alpha: float = 1.0,
    intensity: np.ndarray | None = None,
    kinds: Sequence[str] | None = None,
    motion_prior: float | None = None,
) -> np.ndarray:
    """Standardized zero-shot scores, shape (n_windows, n_classes): prompts, prototypes and the motion prior.

    Parameters
    ----------
    embeddings : ndarray, shape (n_windows, dim)
    class_embeddings : ndarray, shape (n_classes, dim)
        Prompt embeddings.
    prototypes : ndarray, shape (n_classes, dim), optional
        :func:`class_prototypes`; blended with weight ``1 - alpha``.
    intensity, kinds, motion_prior : optional
        :func:`~._motion_prior.motion_intensity` of the windows, the classes' kinds and the prior's threshold
        (m/s²); the prior's log-probabilities are added when ``motion_prior`` is set.
    """
    text = embeddings @ class_embeddings.T
    scores = standardize_scores(text) if prototypes is None else blend_scores(text, embeddings @ prototypes.T, alpha)
    if motion_prior is not None:
        from ._motion_prior import kind_log_prior

        if intensity is None or kinds is None:
            raise InvalidParameterError("the motion prior needs the windows' intensity and the classes' kinds")
        scores = scores + kind_log_prior(intensity, kinds, threshold=motion_prior)
    return scores

