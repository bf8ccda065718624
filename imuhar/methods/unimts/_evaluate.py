"""Zero- and few-shot evaluation of a text-aligned model on a benchmark, returning tidy result rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from ...core import DataNotFoundError
from ._benchmark import BenchmarkData, benchmark_windows, describe_protocol
from ._model import TextAlignedIMU
from ._prototypes import DEFAULT_ALPHA, DEFAULT_TEMPERATURE

__all__ = ["DEFAULT_WEIGHTS", "load_model", "evaluate_zero_shot", "evaluate_few_shot"]

#: The shipped default weights (package data).
DEFAULT_WEIGHTS = Path(__file__).with_name("weights") / "default.safetensors"


def load_model(model: str | Path = "default") -> TextAlignedIMU:
    """``"default"`` (the shipped weights) or a path to a ``.safetensors`` file saved by imuhar."""
    path = DEFAULT_WEIGHTS if str(model) == "default" else Path(model)
    if not path.exists():
        hint = (
            "this installation ships no default weights; train them with "
            "`imuhar pretrain --config experiments/pretrain_default.toml` and pass --model PATH"
            if str(model) == "default"
            else "pass the .safetensors file written by `imuhar pretrain` (its .json must sit beside it)"
        )
        raise DataNotFoundError(f"model weights {path} not found: {hint}")
    return TextAlignedIMU.load(path)


def _text_encoder(text_model: str | None):
    """The local text encoder: ``text_model`` (a folder) or the default MiniLM package model."""
    from ...text import TextEncoder

    if text_model and text_model != "default":
        return TextEncoder(text_model)
    return TextEncoder()


def evaluate_zero_shot(
    model: TextAlignedIMU,
    dataset: str,
    data_dir: str | Path | None = None,
    *,
    split: str = "test",
    templates: Sequence[str] | None = None,
    text_model: str | None = None,
    placement: str | None = None,
    window_s: float | None = None,
    model_name: str = "default",
    data: BenchmarkData | None = None,
    prototypes=None,
    alpha: float = DEFAULT_ALPHA,
    prototype_temperature: float = DEFAULT_TEMPERATURE,
    motion_prior: float | None = None,
    embeddings=None,
    verbose: bool = False,
):
    """Zero-shot accuracy, macro-F1 and R@2 (with bootstrap CIs) on the test subjects.

    ``split="train"`` scores the training subjects instead: zero-shot learns nothing from them, so they are a
    development set on which recipes and checkpoints can be compared without touching the test subjects;
    ``split="all"`` scores every subject.

    ``prototypes`` (a :class:`CorpusPrototypes` made at this benchmark's placement by
    :func:`corpus_take_embeddings`) adds simulated-prototype scores: the result ranks classes by
    ``alpha`` x standardized prompt similarity + (1 - ``alpha``) x standardized prototype similarity.

    ``motion_prior`` (an intensity threshold in m/s², see :mod:`._motion_prior`) adds the log-prior that a
    still window is a static class and a moving one a dynamic class, from the card's activity kinds.

    ``embeddings`` (the model's embeddings of ``data.labelled(split)``, shape (n_windows, dim)) skips the
    forward pass when a caller scores the same windows several ways.

    Returns
    -------
    ResultRow
    """
    from ...evaluation import run_zero_shot
    from ._zeroshot import class_text_embeddings

    from ...core import ShapeMismatchError

    t0 = time.perf_counter()
    data = data or benchmark_windows(dataset, data_dir, placement=placement, window_s=window_s, verbose=verbose)
    windows = data.labelled(split)
    text = _text_encoder(text_model)
    classes = class_text_embeddings(text, data.vocabulary, templates)
    emb = model.embed_windows(windows) if embeddings is None else embeddings
    if len(emb) != len(windows):
        raise ShapeMismatchError(
            f"embeddings have {len(emb)} rows but the {split} split holds {len(windows)} labelled windows; "
            f"embed data.labelled({split!r})"
        )
    split_desc = {
        "test": data.split + " (test subjects)",
        "train": data.split + " (training subjects: a development set for zero-shot model selection)",
        "all": f"{dataset}: all subjects (zero-shot trains on none)",
    }[split]
    extra = {"protocol_detail": describe_protocol(data), "text_model": model.text_model,
             "templates": list(templates) if templates else "default"}  # fmt: skip
    if prototypes is None and motion_prior is None:
        extra["seconds"] = round(time.perf_counter() - t0, 2)
        return run_zero_shot(
            emb, classes, windows.labels, dataset=dataset, split=split_desc, model=model_name,
            class_names=list(data.vocabulary.names), subjects=windows.subjects, extra=extra,
        )  # fmt: skip
    from ...evaluation import evaluate_scores
    from ._motion_prior import activity_kinds, motion_intensity
    from ._prototypes import class_prototypes, combined_scores

    proto = None
    extra["scorer"] = "prompts"
    if prototypes is not None:
        proto = class_prototypes(prototypes, classes, temperature=prototype_temperature)
        extra.update(scorer=f"simulated prototypes blended with prompts (alpha={alpha}, temperature={prototype_temperature})",
                     prototype_nodes=list(prototypes.nodes))  # fmt: skip
    intensity = None
    if motion_prior is not None:
        intensity = motion_intensity(windows)
        extra["scorer"] += f" + motion prior (threshold {motion_prior} m/s²)"
    scores = combined_scores(emb, classes, prototypes=proto, alpha=alpha, intensity=intensity,
                             kinds=activity_kinds(data.vocabulary), motion_prior=motion_prior)  # fmt: skip
    extra["seconds"] = round(time.perf_counter() - t0, 2)
    return evaluate_scores(
        windows.labels, scores, dataset=dataset, split=split_desc, protocol="zero-shot", model=model_name, seed=0,
        k=None, class_names=list(data.vocabulary.names), subjects=windows.subjects, extra=extra,
    )  # fmt: skip


def evaluate_few_shot(
    model: TextAlignedIMU,
    dataset: str,
    data_dir: str | Path | None = None,
    *,
    ks: Sequence[int] = (1, 2, 3, 5, 10),
    repeats: int = 3,
    seed: int = 0,
    classifier: str = "linear",
    placement: str | None = None,
    model_name: str = "default",
    data: BenchmarkData | None = None,
    verbose: bool = False,
) -> list[Any]:
    """Few-shot with frozen embeddings: k labelled training-subject windows per class, a linear probe.

    The probe's regularization is fixed (C=1): nothing is selected on the test subjects.
    """
    from ...evaluation import run_few_shot

    data = data or benchmark_windows(dataset, data_dir, placement=placement, verbose=verbose)
    train, test = data.train, data.test
    train = train[train.labels >= 0]
    return run_few_shot(
        train.labels, test.labels, n_classes=len(data.vocabulary), dataset=dataset,
        split=data.split, model=model_name, train_x=model.embed_windows(train), test_x=model.embed_windows(test),
        classifier=classifier, ks=ks, repeats=repeats, seed=seed, class_names=list(data.vocabulary.names),
        train_subjects=train.subjects, test_subjects=test.subjects, extra={"protocol_detail": describe_protocol(data)},
        verbose=verbose,
    )  # fmt: skip
