"""Training loops for the student: COMODO queue distillation, the InfoNCE/L2 baselines and a supervised baseline.

All use AdamW (weight decay 0.01) with a linear warm-up over the first 10 % of steps and a linear decay to 0,
as the official COMODO code (``get_linear_schedule_with_warmup``). Teacher embeddings are precomputed arrays:
the teacher never runs, let alone receives gradients, during training.

COMODO's queue starts with the teacher embeddings of ``queue_size`` training clips drawn at random; those
clips sit out the first epoch and join the training set from the second on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from imuhar.core import InvalidParameterError, ShapeMismatchError

from ._loss import InstanceQueue, info_nce_alignment_loss, l2_distillation_loss

__all__ = [
    "OBJECTIVES",
    "DistillationHistory",
    "distill",
    "train_supervised",
    "linear_warmup_decay",
    "recalibrate_batchnorm",
]

logger = logging.getLogger(__name__)

#: Distillation objectives: COMODO's queue loss and the two baselines of the paper.
OBJECTIVES = ("comodo", "infonce", "l2")


@dataclass
class DistillationHistory:
    """What a training run did: mean loss per epoch, steps, and (COMODO) the clips that seeded the queue."""

    objective: str
    epoch_loss: list[float] = field(default_factory=list)
    n_steps: int = 0
    queue_indices: np.ndarray | None = None


def linear_warmup_decay(optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float = 0.1):
    """LambdaLR: factor rises linearly from 0 to 1 over ``warmup_fraction * total_steps``, then falls to 0."""
    if not 0.0 <= float(warmup_fraction) < 1.0:
        raise InvalidParameterError(f"warmup_fraction must lie in [0, 1); received {warmup_fraction}")
    total = max(int(total_steps), 1)
    warm = int(float(warmup_fraction) * total)

    def factor(step: int) -> float:
        if step < warm:
            return float(step) / float(max(1, warm))
        return max(0.0, float(total - step) / float(max(1, total - warm)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def recalibrate_batchnorm(
    module: nn.Module, x: np.ndarray, node_mask: np.ndarray, *, batch_size: int = 128, device: str = "cpu"
) -> int:
    """Re-estimate every batch-norm layer's running statistics on ``x`` without any gradient step.

    Running means and variances are reset and set to the average of the per-batch statistics over one pass
    (momentum ``1 / (k + 1)`` at batch ``k``). Used for the untrained-student baseline, whose initial running
    statistics (mean 0, variance 1) would otherwise leave inputs in m/s^2 unnormalized at inference.

    Parameters
    ----------
    module : nn.Module
        Called as ``module(x, node_mask)``.
    x : ndarray, shape (n, n_nodes, n_channels, n_samples)
    node_mask : ndarray of bool, shape (n, n_nodes)
    batch_size : int
    device : str

    Returns
    -------
    int
        Number of normalization layers recalibrated.
    """
    norms = [m for m in module.modules() if isinstance(getattr(m, "running_mean", None), torch.Tensor)]
    if not norms:
        return 0
    saved = [m.momentum for m in norms]
    for m in norms:
        m.running_mean.zero_()
        m.running_var.fill_(1.0)
    was_training = module.training
    module.to(device).train()
    try:
        with torch.no_grad():
            for k, start in enumerate(range(0, len(x), int(batch_size))):
                for m in norms:
                    m.momentum = 1.0 / (k + 1)
                xb = torch.from_numpy(np.asarray(x[start : start + batch_size], dtype=np.float32)).to(device)
                mb = torch.from_numpy(np.asarray(node_mask[start : start + batch_size], dtype=bool)).to(device)
                module(xb, mb)
    finally:
        for m, mom in zip(norms, saved):
            m.momentum = mom
        module.train(was_training)
    return len(norms)


def _check_augmentation(augmentation: object) -> None:
    if augmentation is not None and not callable(augmentation):
        raise InvalidParameterError(
            f"augmentation must be callable as augmentation(x_batch, rng=...), e.g. an imuhar.augment.Transform such "
            f"as Compose([Scaling(sigma=0.1), Jitter(sigma=0.05)]); received {type(augmentation).__name__} "
            f"{augmentation!r}"
        )


def _check_common(x: np.ndarray, node_mask: np.ndarray, epochs: int, batch_size: int, lr: float) -> None:
    if x.ndim != 4 or node_mask.shape != x.shape[:2]:
        raise ShapeMismatchError(
            f"x must be (n, n_nodes, n_channels, n_samples) with node_mask (n, n_nodes); received {x.shape} and "
            f"{node_mask.shape}"
        )
    if int(epochs) < 1 or int(batch_size) < 2:
        raise InvalidParameterError(f"epochs must be >= 1 and batch_size >= 2; received {epochs}, {batch_size}")
    if not float(lr) > 0:
        raise InvalidParameterError(f"lr must be positive; received {lr}")


def _student_batch(
    x: np.ndarray, xt: torch.Tensor, idx: np.ndarray, augmentation: Callable | None, rng: np.random.Generator
) -> torch.Tensor:
    """Rows ``idx`` of the student inputs, through ``augmentation`` (drawn from ``rng``) when one is given."""
    if augmentation is None:
        return xt[torch.from_numpy(idx)]
    out = np.asarray(augmentation(x[idx], rng=rng), dtype=np.float32)
    if out.shape != (len(idx),) + x.shape[1:]:
        raise ShapeMismatchError(
            f"augmentation must keep the batch shape {(len(idx),) + x.shape[1:]}; it returned {out.shape}"
        )
    return torch.from_numpy(np.ascontiguousarray(out))


def _sample_ids(views_of: np.ndarray | None, n: int) -> np.ndarray:
    """Dense sample ids 0..S-1 of the ``n`` rows: each row its own sample, or the groups of ``views_of``."""
    if views_of is None:
        return np.arange(n)
    views_of = np.asarray(views_of)
    if views_of.shape != (n,):
        raise ShapeMismatchError(
            f"views_of must give one sample id per window, shape ({n},); received {views_of.shape}"
        )
    return np.unique(views_of, return_inverse=True)[1].reshape(n)


def _epoch_rows(
    sample: np.ndarray, excluded: np.ndarray | None, one_view: bool, rng: np.random.Generator
) -> np.ndarray:
    """Shuffled rows of one epoch: every row, or one random view per sample; ``excluded`` samples left out."""
    rows = np.arange(len(sample))
    if excluded is not None and len(excluded):
        rows = rows[~np.isin(sample, excluded)]
    if not one_view:
        return rng.permutation(rows)
    shuffled = rng.permutation(rows)
    _, first = np.unique(sample[shuffled], return_index=True)  # the first shuffled view of each sample
    return rng.permutation(shuffled[first])


def _batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Consecutive chunks of ``order``; a trailing chunk of one sample is dropped (BatchNorm needs two)."""
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [c for c in chunks if len(c) >= 2]


def distill(
    student: nn.Module,
    x: np.ndarray,
    node_mask: np.ndarray,
    teacher_embeddings: np.ndarray,
    *,
    objective: str = "comodo",
    queue_size: int = 16384,
    teacher_temperature: float = 0.1,
    student_temperature: float = 0.05,
    infonce_temperature: float = 0.1,
    epochs: int = 20,
    batch_size: int = 128,
    lr: float = 3e-4,
    weight_decay: float = 0.01,
    warmup_fraction: float = 0.1,
    seed: int = 42,
    queue_seed: int = 16349,
    augmentation: Callable[..., np.ndarray] | None = None,
    views_of: np.ndarray | None = None,
    device: str = "cpu",
    verbose: bool = True,
) -> DistillationHistory:
    """Train ``student`` (in place) to reproduce a frozen teacher's embedding geometry from IMU windows.

    Parameters
    ----------
    student : nn.Module
        ``student(x, node_mask) -> (batch, dim)``; typically a :class:`DistillationStudent`.
    x : ndarray, shape (n, n_nodes, n_channels, n_samples)
        Student inputs (IMU windows).
    node_mask : ndarray of bool, shape (n, n_nodes)
    teacher_embeddings : ndarray, shape (n, dim)
        Frozen teacher embeddings of the same samples, row-aligned with ``x`` (unit norm).
    objective : {"comodo", "infonce", "l2"}
        COMODO's queue loss, IMU2CLIP-style symmetric InfoNCE, or MSE between normalized embeddings.
    queue_size : int
        COMODO's ``K``; must be smaller than ``n`` (the queue is seeded from held-out training clips).
    teacher_temperature, student_temperature : float
        COMODO's ``tau_t`` (0.1) and ``tau_s`` (0.05).
    infonce_temperature : float
        Temperature of the InfoNCE baseline.
    epochs, batch_size, lr, weight_decay, warmup_fraction
        AdamW with linear warm-up and decay.
    seed : int
        Seeds batch order (and dropout).
    queue_seed : int
        Seeds the choice of the clips that fill the initial queue (16349 in the official code).
    augmentation : callable, optional
        Student-side augmentation, ``augmentation(x_batch, rng=numpy Generator) -> x_batch`` on
        (batch, n_nodes, n_channels, n_samples) arrays (any :class:`imuhar.augment.Transform`). It is drawn
        afresh for every batch (seeded by ``seed``); the teacher's targets stay those of the clean clip, so the
        student must reach them from perturbed readings. Not in the paper; a regularizer for small training
        sets (on UTD-MHAD it lifted InfoNCE and L2 students by 1-2 points in validation, COMODO's by 0.4).
    views_of : ndarray, shape (n,), optional
        Sample id of every row when rows are several views of fewer samples (e.g. paired time crops of one
        trial, each with its own cached teacher embedding). Each epoch then trains on *one* randomly drawn view
        per sample, so within an epoch no sample meets a near-copy of itself in its batch (a false negative
        for InfoNCE) or in COMODO's queue (which would spend the teacher's distribution on it), and the queue
        is seeded with one view of ``queue_size`` distinct samples. An epoch is then one pass over the samples.
        None: every row is its own sample (the paper's setting).
    device : str
    verbose : bool
        Progress bar over epochs.

    Returns
    -------
    DistillationHistory
    """
    from tqdm.auto import tqdm

    if objective not in OBJECTIVES:
        raise InvalidParameterError(f"objective must be one of {OBJECTIVES}; received {objective!r}")
    x = np.asarray(x, dtype=np.float32)
    node_mask = np.asarray(node_mask, dtype=bool)
    teacher = np.asarray(teacher_embeddings, dtype=np.float32)
    _check_common(x, node_mask, epochs, batch_size, lr)
    _check_augmentation(augmentation)
    n = x.shape[0]
    if teacher.ndim != 2 or teacher.shape[0] != n:
        raise ShapeMismatchError(
            f"teacher_embeddings must have one row per window, shape ({n}, dim); received {teacher.shape}"
        )
    history = DistillationHistory(objective=objective)
    rng = np.random.default_rng(int(seed))
    sample = _sample_ids(views_of, n)
    n_samples = int(sample.max()) + 1
    excluded = np.zeros(0, dtype=np.int64)  # samples that sit out epoch 0 (their clips seed the queue)
    queue: InstanceQueue | None = None
    if objective == "comodo":
        k = int(queue_size)
        if not 1 <= k < n_samples:
            raise InvalidParameterError(
                f"queue_size must lie in [1, n_samples - 1] = [1, {n_samples - 1}] because the initial queue is "
                f"drawn from the training clips (one per sample); received {queue_size}. Use a smaller queue for "
                f"small data sets."
            )
        excluded = np.sort(np.random.RandomState(int(queue_seed)).choice(n_samples, size=k, replace=False))
        first_row = np.full(n_samples, n)
        np.minimum.at(first_row, sample, np.arange(n))
        history.queue_indices = first_row[excluded]
        queue = InstanceQueue(torch.from_numpy(teacher[history.queue_indices]).to(device))
    steps_first = len(_batches(np.arange(n_samples - len(excluded)), batch_size))
    steps_rest = len(_batches(np.arange(n_samples), batch_size))
    total = steps_first + steps_rest * (int(epochs) - 1)
    if total < 1:
        raise InvalidParameterError(f"no training batch of at least 2 samples from {n} windows; add data")
    student.to(device).train()
    params = [p for p in student.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=float(lr), weight_decay=float(weight_decay))
    scheduler = linear_warmup_decay(optimizer, total, warmup_fraction)
    xt = torch.from_numpy(x)
    mt = torch.from_numpy(node_mask)
    tt = torch.from_numpy(teacher)
    aug_rng = np.random.default_rng([int(seed), 7])  # its own stream: batch order is the same with or without
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(int(seed))
    try:
        for epoch in tqdm(range(int(epochs)), desc=f"distill ({objective})", disable=not verbose, leave=False):
            members = _epoch_rows(sample, excluded if epoch == 0 else None, views_of is not None, rng)
            losses = []
            for idx in _batches(members, batch_size):
                ib = torch.from_numpy(idx)
                xb = _student_batch(x, xt, idx, augmentation, aug_rng).to(device)
                mb, tb = mt[ib].to(device), tt[ib].to(device)
                out = student(xb, mb)
                if objective == "comodo":
                    loss = queue.loss(
                        out, tb, teacher_temperature=teacher_temperature, student_temperature=student_temperature
                    )
                elif objective == "infonce":
                    loss = info_nce_alignment_loss(out, tb, temperature=infonce_temperature)
                else:
                    loss = l2_distillation_loss(out, tb)
                if not torch.isfinite(loss):
                    raise FloatingPointError(f"{objective} loss became {loss.item()} at epoch {epoch}; lower lr")
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                losses.append(float(loss.detach()))
                history.n_steps += 1
            history.epoch_loss.append(float(np.mean(losses)) if losses else math.nan)
            logger.debug("epoch %d %s loss %.4f", epoch, objective, history.epoch_loss[-1])
    finally:
        torch.random.set_rng_state(gen_state)
    student.eval()
    return history


def train_supervised(
    backbone: nn.Module,
    x: np.ndarray,
    node_mask: np.ndarray,
    labels: np.ndarray,
    *,
    n_classes: int,
    epochs: int = 20,
    batch_size: int = 32,
    lr: float = 3e-4,
    weight_decay: float = 0.01,
    warmup_fraction: float = 0.1,
    seed: int = 42,
    augmentation: Callable[..., np.ndarray] | None = None,
    views_of: np.ndarray | None = None,
    device: str = "cpu",
    verbose: bool = True,
) -> list[float]:
    """Supervised baseline: ``backbone`` + a linear classifier trained with cross-entropy (backbone in place).

    Parameters
    ----------
    backbone : nn.Module
        ``backbone(x, node_mask) -> (batch, embed_dim)`` with an ``embed_dim`` attribute.
    x, node_mask
        As in :func:`distill`.
    labels : ndarray of int, shape (n,)
        Class ids in ``[0, n_classes)``; windows labelled -1 are skipped.
    n_classes : int
    epochs, batch_size, lr, weight_decay, warmup_fraction, seed, augmentation, views_of, device, verbose
        As in :func:`distill` (same optimizer, schedule, augmentation and one view per sample and epoch).

    Returns
    -------
    list of float
        Mean training loss per epoch. The classifier is discarded; the backbone is evaluated like a student.
    """
    from tqdm.auto import tqdm

    x = np.asarray(x, dtype=np.float32)
    node_mask = np.asarray(node_mask, dtype=bool)
    labels = np.asarray(labels, dtype=np.int64)
    _check_common(x, node_mask, epochs, batch_size, lr)
    _check_augmentation(augmentation)
    keep = labels >= 0
    if labels.shape != (x.shape[0],) or keep.sum() < 2 or labels.max() >= int(n_classes):
        raise InvalidParameterError(
            f"labels must be (n,) class ids in [0, {n_classes}) with at least 2 labelled windows; received shape "
            f"{labels.shape}, max {labels.max() if labels.size else None}"
        )
    sample = _sample_ids(views_of, len(labels))
    unlabelled = np.unique(sample[~keep])  # samples with any unlabelled view are skipped
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed) + 1)
        classifier = nn.Linear(int(backbone.embed_dim), int(n_classes))
    backbone.to(device).train()
    classifier.to(device).train()
    params = [p for p in list(backbone.parameters()) + list(classifier.parameters()) if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=float(lr), weight_decay=float(weight_decay))
    n_units = len(np.unique(sample)) - len(unlabelled)
    total = len(_batches(np.arange(n_units), batch_size)) * int(epochs)
    scheduler = linear_warmup_decay(optimizer, total, warmup_fraction)
    rng = np.random.default_rng(int(seed))
    aug_rng = np.random.default_rng([int(seed), 7])
    xt, mt, yt = torch.from_numpy(x), torch.from_numpy(node_mask), torch.from_numpy(labels)
    out: list[float] = []
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(int(seed))
    try:
        for _ in tqdm(range(int(epochs)), desc="supervised", disable=not verbose, leave=False):
            losses = []
            members = _epoch_rows(sample, unlabelled, views_of is not None, rng)
            for idx in _batches(members, batch_size):
                ib = torch.from_numpy(idx)
                xb = _student_batch(x, xt, idx, augmentation, aug_rng).to(device)
                logits = classifier(backbone(xb, mt[ib].to(device)))
                loss = F.cross_entropy(logits, yt[ib].to(device))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                losses.append(float(loss.detach()))
            out.append(float(np.mean(losses)))
    finally:
        torch.random.set_rng_state(gen_state)
    backbone.eval()
    return out
