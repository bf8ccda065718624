"""One training stage of FusionActNet: minibatch AdamW with a cosine schedule, keeping the epoch that is best
on the validation windows (carved from training subjects by the caller)."""

from __future__ import annotations

import copy
import logging
import math
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["train_stage", "augment_batch", "nll_with_smoothing"]

logger = logging.getLogger(__name__)


def augment_batch(x: torch.Tensor, gen: torch.Generator, *, scale_std: float = 0.1, jitter_std: float = 0.05, max_shift: float = 0.25) -> torch.Tensor:
    """Random amplitude scaling per window, Gaussian jitter and a circular time shift per window.

    One factor scales all channels of a window, so the direction of gravity in the sensor frame (what tells
    sitting from standing) is kept.

    Parameters
    ----------
    x : Tensor, shape (batch, channels, time)
        Standardized input.
    gen : torch.Generator
    scale_std, jitter_std : float
        Standard deviations of the multiplicative factor (around 1) and of the additive noise.
    max_shift : float
        Largest circular shift as a fraction of the window.
    """
    b, c, t = x.shape
    scale = 1.0 + scale_std * torch.randn(b, 1, 1, generator=gen)
    x = x * scale + jitter_std * torch.randn(x.shape, generator=gen)
    k = int(max_shift * t)
    if k > 0:
        shift = torch.randint(-k, k + 1, (b, 1, 1), generator=gen)
        idx = (torch.arange(t).view(1, 1, t) + shift) % t
        x = torch.gather(x, 2, idx.expand(b, c, t))
    return x


def nll_with_smoothing(log_probs: torch.Tensor, y: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """Mean negative log-likelihood; with smoothing, mixed with the mean ``-log p`` over the finite columns.

    ``log_probs`` (batch, n_classes) may hold ``-inf`` for classes a network does not model; those columns
    are left out of the smoothing term.
    """
    nll = -log_probs.gather(1, y[:, None]).squeeze(1)
    if smoothing > 0:
        finite = torch.isfinite(log_probs)
        uniform = -(log_probs.masked_fill(~finite, 0.0).sum(1) / finite.sum(1).clamp(min=1))
        nll = (1 - smoothing) * nll + smoothing * uniform
    return nll.mean()


@torch.no_grad()
def _evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: np.ndarray, batch_size: int, device: str) -> tuple[float, float]:
    net.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(idx), 4 * batch_size):
        b = torch.as_tensor(idx[i : i + 4 * batch_size])
        out = net(x[b].to(device))
        lp = out[0] if isinstance(out, tuple) else out
        yb = y[b].to(device)
        loss += float(-lp.gather(1, yb[:, None]).clamp(min=-1e4).sum())
        correct += int((lp.argmax(1) == yb).sum())
    n = max(len(idx), 1)
    return loss / n, correct / n


def train_stage(
    net: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    fit_idx: np.ndarray,
    val_idx: np.ndarray,
    *,
    params: Iterable[dict[str, Any]],
    epochs: int,
    seed: int,
    batch_size: int = 64,
    weight_decay: float = 1e-4,
    augment: bool = True,
    label_smoothing: float = 0.0,
    frozen: Sequence[nn.Module] = (),
    device: str = "cpu",
    verbose: bool = True,
    desc: str = "training",
) -> dict[str, Any]:
    """Train ``net`` in place and load the weights of its best validation epoch.

    Parameters
    ----------
    net : nn.Module
        Maps (batch, channels, time) to log-probabilities (batch, n_classes), or to a tuple whose first item
        they are.
    x : Tensor, shape (n_windows, channels, time)
    y : Tensor of int64, shape (n_windows,)
    fit_idx, val_idx : ndarray of int
        Rows of ``x`` to train on and to select the epoch on (disjoint subjects). With no validation rows
        the last epoch is kept.
    params : iterable of dict
        AdamW parameter groups, each with its own ``lr``.
    epochs : int
    seed : int
        Seeds shuffling and augmentation.
    frozen : sequence of nn.Module
        Sub-modules kept in eval mode (fixed batch-norm statistics, no dropout) while the rest trains.

    Returns
    -------
    dict
        ``best_epoch`` (1-based), ``val_accuracy``, ``val_loss`` of that epoch and per-epoch lists
        ``train_loss``, ``val_loss_curve``, ``val_accuracy_curve``.
    """
    from tqdm.auto import tqdm

    net.to(device)
    groups = [g for g in params]
    opt = torch.optim.AdamW(groups, weight_decay=weight_decay)
    steps_per_epoch = max(1, math.ceil(len(fit_idx) / batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[g["lr"] for g in groups], total_steps=epochs * steps_per_epoch, pct_start=0.15, anneal_strategy="cos"
    )
    gen = torch.Generator().manual_seed(int(seed))
    fit_t = torch.as_tensor(fit_idx, dtype=torch.long)
    hist: dict[str, Any] = {"train_loss": [], "val_loss_curve": [], "val_accuracy_curve": []}
    best = (-1.0, math.inf)
    best_state, best_epoch = None, epochs
    bar = tqdm(range(epochs), desc=desc, disable=not verbose, leave=False)
    for epoch in bar:
        net.train()
        for m in frozen:
            m.eval()
        order = fit_t[torch.randperm(len(fit_t), generator=gen)]
        total = 0.0
        for i in range(0, len(order), batch_size):
            b = order[i : i + batch_size]
            if len(b) < 2:  # batch norm needs two samples
                continue
            xb = x[b]
            if augment:
                xb = augment_batch(xb, gen)
            out = net(xb.to(device))
            lp = out[0] if isinstance(out, tuple) else out
            loss = nll_with_smoothing(lp, y[b].to(device), label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(b)
        hist["train_loss"].append(total / max(len(order), 1))
        if len(val_idx):
            vl, va = _evaluate(net, x, y, val_idx, batch_size, device)
            hist["val_loss_curve"].append(vl)
            hist["val_accuracy_curve"].append(va)
            if (va, -vl) > (best[0], -best[1]):
                best, best_epoch = (va, vl), epoch + 1
                best_state = copy.deepcopy(net.state_dict())
            bar.set_postfix(loss=f"{hist['train_loss'][-1]:.3f}", val_acc=f"{va:.3f}")
    if best_state is not None:
        net.load_state_dict(best_state)
    else:
        logger.warning("%s: no validation windows; keeping the last epoch", desc)
    net.eval()
    hist.update(best_epoch=best_epoch, val_accuracy=best[0] if best_state is not None else None, val_loss=best[1] if best_state is not None else None)
    return hist
