"""Glue between ColloSSL's objectives and the shared :class:`imuhar.training.Trainer`.

The data of every stage already sit in one tensor, so the loop's dataset is a range of indices and each
``loss_fn`` gathers its batch from the tensor (no per-item copies). :class:`BestState` keeps the weights of the
best epoch (lowest mean loss for pretraining, as the released code; best validation score for fine-tuning).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import nn

from ...core import InvalidParameterError

__all__ = ["IndexDataset", "BestState", "step_generator", "run_trainer"]


class IndexDataset(torch.utils.data.Dataset):
    """Items are the integers ``0 .. n - 1``; the default collate makes a LongTensor of batch indices."""

    def __init__(self, n: int):
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return int(i)


class BestState:
    """Copy of a module's weights at the best score seen so far (lower is better, compared lexicographically)."""

    def __init__(self, module: nn.Module):
        self.score: tuple[float, ...] = (np.inf,)
        self.epoch = -1
        self.state = copy.deepcopy(module.state_dict())

    def offer(self, epoch: int, module: nn.Module, score: tuple[float, ...]) -> bool:
        if score < self.score:
            self.score, self.epoch, self.state = score, epoch, copy.deepcopy(module.state_dict())
            return True
        return False


def step_generator() -> np.random.Generator:
    """A numpy generator seeded from torch's global generator.

    The shared loop seeds and checkpoints torch's generator, so per-step draws made through this (device choice
    under ``random_selection``, negative sampling, augmentations) repeat after a seeded restart or a resume.
    """
    return np.random.default_rng(int(torch.randint(0, 2**62, ())))


def run_trainer(
    module: nn.Module,
    n_items: int,
    loss_fn,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    schedule: str,
    seed: int,
    verbose: bool,
    on_epoch_end=None,
) -> Any:
    """Train with :class:`imuhar.training.Trainer` on ``IndexDataset(n_items)`` (no checkpoints, no clipping)."""
    from ...training import Trainer

    if n_items < 1:
        raise InvalidParameterError("there are no windows to train on")
    trainer = Trainer(
        epochs=int(epochs),
        batch_size=int(min(batch_size, n_items)),
        lr=float(lr),
        weight_decay=float(weight_decay),
        schedule=schedule,
        grad_clip=None,
        seed=int(seed),
        checkpoint_dir=None,
        verbose=verbose,
    )
    return trainer.fit(module, IndexDataset(n_items), loss_fn, on_epoch_end=on_epoch_end)
