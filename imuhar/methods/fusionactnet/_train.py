"""One training stage of FusionActNet on the shared :class:`imuhar.training.Trainer`, keeping the epoch that is
best on validation windows (carved from training subjects by the caller)."""

from __future__ import annotations

import contextlib
import copy
import logging
import math
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

__all__ = ["Augmenter", "train_stage", "augment_batch", "nll_with_smoothing", "relative_rate"]

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


def _axis_rotations(n: tuple[int, int], axis: int, max_rad: float, rng: np.random.Generator) -> np.ndarray:
    """Rotations about one device axis by angles uniform in [-max_rad, max_rad], shape (*n, 3, 3)."""
    a = rng.uniform(-max_rad, max_rad, size=n)
    c, s = np.cos(a), np.sin(a)
    i, j = [k for k in range(3) if k != axis]
    R = np.zeros((*n, 3, 3))
    R[..., axis, axis] = 1.0
    R[..., i, i], R[..., i, j], R[..., j, i], R[..., j, j] = c, -s, s, c
    return R


class Augmenter:
    """Training-time augmentation of standardized inputs (batch, n_nodes * n_channels, time).

    Optionally rotates every node's x/y/z triads (body acc, gyro, total acc together, as turning the device
    does) about one device axis by a random angle per window and node (:func:`imuhar.augment.rotate`, applied
    in physical units), then :func:`augment_batch`.

    Parameters
    ----------
    n_nodes : int
    channels : sequence of str
        Channel names of one node (``"body_acc.x"`` ...); triads are found by name.
    mean, std : ndarray, shape (n_nodes * n_channels,)
        The input standardization, undone around the rotation.
    seed : int
    rotation_axis : {"x", "y", "z"} or None
        Device axis to rotate about (for a waist phone held upright: its long axis, ``"x"`` in UCI-HAR), so the
        angle between that axis and gravity (posture) is kept while the roll around it (how the phone sits
        in its pouch) varies.
    rotation_max_deg : float
        Largest rotation angle, degrees.
    scale_std, jitter_std, max_shift : float
        See :func:`augment_batch`.
    """

    def __init__(
        self,
        *,
        n_nodes: int,
        channels: Sequence[str],
        mean: np.ndarray,
        std: np.ndarray,
        seed: int,
        rotation_axis: str | None = None,
        rotation_max_deg: float = 0.0,
        scale_std: float = 0.1,
        jitter_std: float = 0.05,
        max_shift: float = 0.25,
    ) -> None:
        from ...augment import channel_triads

        self.n_nodes, self.n_channels = int(n_nodes), len(channels)
        self.triads = list(channel_triads(channels).values())
        self.mean = torch.as_tensor(np.asarray(mean), dtype=torch.float32).view(1, -1, 1)
        self.std = torch.as_tensor(np.asarray(std), dtype=torch.float32).view(1, -1, 1)
        self.axis = None if rotation_axis is None else "xyz".index(rotation_axis)
        self.max_rad = float(np.radians(rotation_max_deg))
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(int(seed) + 7919)
        self.kw = dict(scale_std=scale_std, jitter_std=jitter_std, max_shift=max_shift)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis is not None and self.max_rad > 0 and self.triads:
            from ...augment import rotate

            b, _, t = x.shape
            raw = (x * self.std + self.mean).view(b, self.n_nodes, self.n_channels, t)
            R = _axis_rotations((b, self.n_nodes), self.axis, self.max_rad, self.rng).astype(np.float32)
            raw = rotate(raw, R, self.triads).reshape(b, -1, t)
            x = (raw - self.mean) / self.std
        return augment_batch(x, self.gen, **self.kw)


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


class _Offset(nn.Module):
    """Parametrization ``theta = theta0 + mult * delta``: Adam's steps on ``delta`` move ``theta`` ``mult`` times slower."""

    def __init__(self, base: torch.Tensor, mult: float) -> None:
        super().__init__()
        self.register_buffer("base", base.detach().clone())
        self.mult = float(mult)

    def forward(self, delta: torch.Tensor) -> torch.Tensor:
        return self.base + self.mult * delta

    def right_inverse(self, theta: torch.Tensor) -> torch.Tensor:
        return (theta - self.base) / self.mult


@contextlib.contextmanager
def relative_rate(modules: Sequence[nn.Module], mult: float) -> Iterator[None]:
    """Train ``modules`` at ``mult`` times the optimizer's learning rate, inside the shared loop's one rate.

    Every parameter becomes ``theta0 + mult * delta`` with ``delta`` trainable from 0; Adam's update of
    ``delta`` is invariant to gradient scale, so ``theta`` moves ``mult`` times slower, and weight decay pulls it
    back towards ``theta0`` (the stage-1 weights). On exit the parametrization is folded back into plain
    parameters.
    """
    done: list[tuple[nn.Module, str]] = []
    try:
        # List first: registering adds modules (and parameters) to the tree being walked.
        targets = [(sub, name) for m in modules for sub in m.modules() for name, _ in sub.named_parameters(recurse=False)]
        for sub, name in targets:
            parametrize.register_parametrization(sub, name, _Offset(getattr(sub, name), mult))
            done.append((sub, name))
        yield
    finally:
        for sub, name in done:
            parametrize.remove_parametrizations(sub, name, leave_parametrized=True)


def train_stage(
    net: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    fit_idx: np.ndarray,
    val_idx: np.ndarray,
    *,
    lr: float,
    epochs: int,
    seed: int,
    batch_size: int = 64,
    weight_decay: float = 1e-4,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    label_smoothing: float = 0.0,
    frozen: Sequence[nn.Module] = (),
    slow: Sequence[nn.Module] = (),
    slow_mult: float = 1.0,
    first_candidate_epoch: int = 1,
    device: str = "cpu",
    verbose: bool = True,
    desc: str = "training",
) -> dict[str, Any]:
    """Train ``net`` in place with :class:`imuhar.training.Trainer`; load the weights of its best validation epoch.

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
    lr : float
        Peak learning rate (one warm-up epoch, cosine decay).
    epochs : int
    seed : int
        Seeds data order and initialization draws.
    augment : callable, optional
        Maps a training batch (batch, channels, time) to an augmented one (e.g. an :class:`Augmenter`).
    frozen : sequence of nn.Module
        Sub-modules whose parameters do not train (the caller sets ``requires_grad=False``); they are kept
        in eval mode, so their batch-norm statistics stay fixed too.
    slow, slow_mult : sequence of nn.Module, float
        Sub-modules trained at ``slow_mult`` times ``lr`` (:func:`relative_rate`).
    first_candidate_epoch : int
        Earliest epoch (1-based) that model selection may keep; 2 skips the learning-rate warm-up epoch.
        Clipped to ``epochs``.

    Returns
    -------
    dict
        ``best_epoch`` (1-based), ``val_accuracy``, ``val_loss`` of that epoch and per-epoch lists
        ``train_loss``, ``val_loss_curve``, ``val_accuracy_curve``.
    """
    from torch.utils.data import TensorDataset

    from ...training import Trainer

    fit_t = torch.as_tensor(np.asarray(fit_idx), dtype=torch.long)
    dataset = TensorDataset(x[fit_t], y[fit_t])
    batch_size = int(min(batch_size, len(dataset)))
    steps_per_epoch = max(1, len(dataset) // batch_size)
    frozen = list(frozen)

    def loss_fn(module: nn.Module, batch: Any) -> torch.Tensor:
        xb, yb = batch
        for m in frozen:
            m.eval()
        if augment is not None:
            xb = augment(xb)
        out = module(xb)
        lp = out[0] if isinstance(out, tuple) else out
        return nll_with_smoothing(lp, yb, label_smoothing)

    best: dict[str, Any] = {"key": (-1.0, -math.inf), "state": None, "epoch": epochs, "acc": None, "loss": None}
    curves: dict[str, list[float]] = {"val_loss_curve": [], "val_accuracy_curve": []}

    def on_epoch_end(epoch: int, module: nn.Module) -> dict[str, float]:
        if not len(val_idx):
            return {}
        vl, va = _evaluate(module, x, y, val_idx, batch_size, device)
        curves["val_loss_curve"].append(vl)
        curves["val_accuracy_curve"].append(va)
        if epoch + 1 >= min(first_candidate_epoch, epochs) and (va, -vl) > best["key"]:
            best.update(key=(va, -vl), state=copy.deepcopy(module.state_dict()), epoch=epoch + 1, acc=va, loss=vl)
        return {"val_loss": vl, "val_accuracy": va}

    trainer = Trainer(
        epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, schedule="cosine",
        warmup_steps=steps_per_epoch, grad_clip=None, seed=seed, device=device, verbose=verbose,
        config={"stage": desc},
    )  # fmt: skip
    with relative_rate(slow, slow_mult) if slow else contextlib.nullcontext():
        result = trainer.fit(net, dataset, loss_fn, on_epoch_end=on_epoch_end)
        if best["state"] is not None:
            net.load_state_dict(best["state"])
        else:
            logger.info("%s: no validation windows; keeping the last epoch", desc)
    net.eval()
    return {
        "best_epoch": best["epoch"],
        "val_accuracy": best["acc"],
        "val_loss": best["loss"],
        "train_loss": [row["loss"] for row in result.history],
        **curves,
    }
