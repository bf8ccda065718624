"""Fine-tuning a pretrained encoder on a fraction of the labels, with model selection on validation subjects.

The paper's protocol: load the encoder, freeze its first two convolution blocks, train the third one and a
``Dense(1024, relu) -> Dense(n_classes)`` head with Adam (lr 1e-4, batch 32) on the labelled windows of the
anchor device, and keep the weights of the epoch with the lowest validation loss. Training runs in the shared
:class:`imuhar.training.Trainer` (AdamW). Here the validation windows
always come from *training subjects* held out by subject (never from the test subjects); the released code
instead reports the better of the best-validation and the last-epoch model on the test users.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import numpy as np
import torch
from torch import nn

from ...core import InvalidParameterError, UNLABELLED
from ...core._validation import check_fraction

__all__ = ["label_fraction_indices", "Classifier", "train_classifier"]

logger = logging.getLogger(__name__)


def label_fraction_indices(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of a class-stratified random share of the labelled windows.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Class ids; -1 (unlabelled) windows are never chosen.
    fraction : float in (0, 1]
        Share of each class's labelled windows kept (at least one per class present).
    rng : numpy Generator

    Returns
    -------
    ndarray of int, sorted
    """
    fraction = check_fraction(fraction, "label fraction", low=0.0, high=1.0, closed_high=True)
    if fraction <= 0:
        raise InvalidParameterError(f"label fraction must be > 0; received {fraction}")
    labels = np.asarray(labels)
    keep = []
    for c in np.unique(labels[labels != UNLABELLED]):
        idx = np.flatnonzero(labels == c)
        k = max(1, int(round(fraction * idx.size)))
        keep.append(idx if k >= idx.size else rng.choice(idx, size=k, replace=False))
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


class Classifier(nn.Module):
    """Encoder followed by the paper's head ``Linear(out_dim, hidden) -> ReLU -> Linear(hidden, n_classes)``.

    Parameters
    ----------
    encoder : nn.Module
        Maps (batch, channels, n_samples) to (batch, encoder.out_dim).
    n_classes : int
    hidden : int
        1024 in the paper.
    """

    def __init__(self, encoder: nn.Module, n_classes: int, hidden: int = 1024):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential(nn.Linear(int(encoder.out_dim), hidden), nn.ReLU(), nn.Linear(hidden, int(n_classes)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


def _freeze(encoder: nn.Module, n_blocks: int) -> None:
    if n_blocks <= 0:
        return
    blocks = getattr(encoder, "blocks", None)
    if blocks is None or len(blocks) < n_blocks:
        raise InvalidParameterError(
            f"freeze_blocks={n_blocks} needs an encoder with at least {n_blocks} entries in .blocks (TPNEncoder has 3); "
            f"{type(encoder).__name__} has {0 if blocks is None else len(blocks)}. Use freeze_blocks=0"
        )
    for block in list(blocks)[:n_blocks]:
        for p in block.parameters():
            p.requires_grad_(False)


@torch.no_grad()
def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 512) -> tuple[float, float]:
    """Mean cross-entropy and macro-F1 (in [0, 1], over the classes present in ``y`` or predicted)."""
    from sklearn.metrics import f1_score

    model.eval()
    logits = torch.cat([model(x[i : i + batch]) for i in range(0, len(x), batch)])
    loss = float(nn.functional.cross_entropy(logits, y))
    return loss, float(f1_score(y.numpy(), logits.argmax(1).numpy(), average="macro"))


def train_classifier(
    encoder: nn.Module,
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    n_classes: int,
    freeze_blocks: int = 2,
    hidden: int = 1024,
    epochs: int = 100,
    lr: float = 1e-4,
    batch_size: int = 32,
    weight_decay: float = 0.0,
    select_on: str = "loss",
    seed: int = 0,
    verbose: bool = True,
) -> tuple[Classifier, dict[str, Any]]:
    """Train ``encoder`` + head with cross-entropy; keep the best epoch on the validation windows.

    Parameters
    ----------
    encoder : nn.Module
        Copied, never modified in place.
    x_fit, x_val : ndarray, shape (n, channels, n_samples)
        Windows of the device to classify (SI units; the encoder scales its input).
    y_fit, y_val : ndarray of int, shape (n,)
    n_classes : int
    freeze_blocks : int
        Leading conv blocks kept frozen (2 in the paper; 0 trains everything, as the supervised baseline).
    hidden, epochs, lr, batch_size, weight_decay
        Head width and optimizer settings of the shared :class:`imuhar.training.Trainer` (AdamW, constant lr).
    select_on : {"loss", "f1"}
        Keep the epoch of lowest validation cross-entropy (the paper) or of highest validation macro-F1 (ties go
        to the lower loss); the latter is steadier when a few validation windows make the loss jumpy.
    seed : int
    verbose : bool
        The shared loop's progress bars.

    Returns
    -------
    model : Classifier
        With the weights of the best validation epoch, in eval mode.
    history : dict
        ``train_loss``, ``val_loss`` and ``val_f1`` per epoch, ``best_epoch``.
    """
    from ._trainer import BestState, run_trainer

    if select_on not in ("loss", "f1"):
        raise InvalidParameterError(f"select_on must be 'loss' or 'f1'; received {select_on!r}")
    if len(x_fit) == 0 or len(x_val) == 0:
        raise InvalidParameterError(
            f"fine-tuning needs labelled windows to fit on and to validate on; received {len(x_fit)} and {len(x_val)}"
        )
    torch.manual_seed(int(seed))
    model = Classifier(copy.deepcopy(encoder), n_classes, hidden)
    _freeze(model.encoder, freeze_blocks)
    xf, yf = torch.as_tensor(x_fit, dtype=torch.float32), torch.as_tensor(y_fit, dtype=torch.long)
    xv, yv = torch.as_tensor(x_val, dtype=torch.float32), torch.as_tensor(y_val, dtype=torch.long)
    best = BestState(model)
    history: dict[str, Any] = {"train_loss": [], "val_loss": [], "val_f1": []}

    def loss_fn(module: Classifier, idx: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(module(xf[idx]), yf[idx])

    def on_epoch_end(epoch: int, module: Classifier) -> dict[str, float]:
        val, f1 = _evaluate(module, xv, yv)
        history["val_loss"].append(val)
        history["val_f1"].append(f1)
        best.offer(epoch, module, (val,) if select_on == "loss" else (-f1, val))
        return {"val_loss": val, "val_f1": f1}

    result = run_trainer(
        model, len(xf), loss_fn, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
        schedule="constant", seed=seed, verbose=verbose, on_epoch_end=on_epoch_end,
    )  # fmt: skip
    history["train_loss"] = [row["loss"] for row in result.history]
    best_state, best_epoch = best.state, best.epoch
    model.load_state_dict(best_state)
    model.eval()
    history["best_epoch"] = best_epoch
    return model, history
