"""The one training loop every method uses: seeded, resumable, data-parallel under ``torchrun``.

A method supplies a module (everything with trainable parameters: encoder, heads, temperature), a map-style
dataset and ``loss_fn(module, batch) -> loss`` (or ``(loss, {"name": value})``). :class:`Trainer` does the rest:
AdamW with warm-up and cosine/linear decay, gradient clipping, a progress bar, checkpoints that resume to the
same numbers, and DistributedDataParallel when launched with ``torchrun --nproc_per_node N``.

Data parallelism
----------------
``batch_size`` is the *global* batch: each of N ranks takes ``batch_size / N`` windows of the same shuffled
order (a ``DistributedSampler`` seeded by ``seed + epoch``), so the windows of one step are the same for any N.
``loss_fn`` is wrapped in a module that DDP drives, which lets it reach any sub-module freely. With
:func:`~imuhar.training.info_nce` (which gathers embeddings over ranks) and the masked batch norm of
:mod:`imuhar.models` (which reduces its statistics over ranks) N processes compute the gradients of one
process on the whole batch. Only rank 0 logs, shows progress and writes checkpoints.

Resuming
--------
A checkpoint holds the module, the AdamW state, the loop position and the Python/NumPy/torch generator states
of every rank. A resumed run reproduces the uninterrupted one (same losses, same parameters) when data are
loaded in the main process (``num_workers=0``), or at epoch boundaries with workers (worker seeds depend only
on ``seed``, the epoch and the rank); mid-epoch with workers, the workers' own generator states are not saved.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from imuhar.core import InvalidParameterError

from ._checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from ._distributed import barrier, init_distributed, is_main_process, rank, shutdown_distributed, world_size
from ._seed import capture_rng_state, restore_rng_state, seed_everything, seed_worker

__all__ = ["Trainer", "TrainResult", "lr_factor"]

log = logging.getLogger(__name__)

_SCHEDULES = ("constant", "cosine", "linear")


def lr_factor(step: int, total_steps: int, *, warmup_steps: int = 0, schedule: str = "cosine", min_ratio: float = 0.0) -> float:
    """Learning-rate multiplier at optimizer step ``step`` (0-based).

    Linear warm-up from ``1 / warmup_steps`` to 1 over ``warmup_steps`` steps, then constant, cosine or linear
    decay from 1 to ``min_ratio`` at ``total_steps``.
    """
    if schedule not in _SCHEDULES:
        raise InvalidParameterError(f"schedule must be one of {_SCHEDULES}; received {schedule!r}")
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    progress = min(max((step - warmup_steps) / max(total_steps - warmup_steps, 1), 0.0), 1.0)
    if schedule == "cosine":
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return min_ratio + (1.0 - min_ratio) * (1.0 - progress)


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` returns.

    Attributes
    ----------
    history : list of dict
        One row per completed epoch: ``epoch``, ``loss`` (mean over the epoch and ranks), ``lr``, ``grad_norm``,
        ``samples_per_s`` and the mean of every extra metric ``loss_fn`` returned.
    global_step : int
        Optimizer steps taken in total (including those before a resume).
    resumed_from : Path or None
        The checkpoint the run continued from.
    checkpoint : Path or None
        The last checkpoint written.
    step_losses : list of float
        Loss of every step this call ran, on rank 0 (for tests and plots).
    """

    history: list[dict[str, float]] = field(default_factory=list)
    global_step: int = 0
    resumed_from: Path | None = None
    checkpoint: Path | None = None
    step_losses: list[float] = field(default_factory=list)


def _to_device(batch: Any, device: Any) -> Any:
    import torch

    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def _loss_module(module: Any, loss_fn: Callable) -> Any:
    """Wrap ``loss_fn(module, batch)`` as a module so that DistributedDataParallel can drive it."""
    from torch import nn

    class _LossModule(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.module = module

        def forward(self, batch: Any) -> Any:
            return loss_fn(self.module, batch)

    return _LossModule()


class _Skip:
    """A sampler that drops the first ``skip`` indices of another (to resume inside an epoch)."""

    def __init__(self, sampler: Any, skip: int) -> None:
        self.sampler, self.skip = sampler, skip

    def __iter__(self):
        for i, index in enumerate(self.sampler):
            if i >= self.skip:
                yield index

    def __len__(self) -> int:
        return max(len(self.sampler) - self.skip, 0)


class Trainer:
    """Train a module with AdamW on a map-style dataset; see the module docstring for the contract.

    Parameters
    ----------
    epochs : int
        Epochs to train in total (a resumed run continues up to this number).
    batch_size : int
        Global batch size (split evenly over ranks; must be divisible by the number of processes).
    lr : float
        Peak learning rate.
    weight_decay : float
        AdamW decoupled weight decay, applied to matrices and convolution kernels only (not to biases,
        normalization parameters, embeddings of size 1-D or scalars such as a temperature).
    betas : tuple of float
        AdamW betas.
    schedule : {"cosine", "linear", "constant"}
        Decay after warm-up.
    warmup_steps : int
        Linear warm-up length in optimizer steps.
    min_lr_ratio : float
        Final learning rate as a fraction of ``lr``.
    grad_clip : float or None
        Clip the global gradient norm to this value.
    seed : int
        Seeds data order (``seed + epoch``) and the per-rank generators (``seed + rank``) at the start.
    checkpoint_dir : path, optional
        Where checkpoints go; None disables them.
    checkpoint_every_steps : int, optional
        Also checkpoint every this many steps inside an epoch (always at the end of each epoch).
    keep_checkpoints : int
        Most recent checkpoints kept.
    resume : bool
        Continue from the latest checkpoint in ``checkpoint_dir`` if there is one.
    num_workers : int
        DataLoader worker processes.
    collate_fn : callable, optional
        DataLoader collate function.
    device : str
        ``"cpu"`` or a CUDA device.
    verbose : bool
        Progress bar and per-epoch log lines (rank 0 only).
    config : mapping, optional
        Extra JSON-serializable facts stored in every checkpoint (model and data description).
    find_unused_parameters : bool
        Passed to DistributedDataParallel, for modules with parameters some steps do not use.
    """

    def __init__(
        self,
        *,
        epochs: int,
        batch_size: int,
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        schedule: str = "cosine",
        warmup_steps: int = 0,
        min_lr_ratio: float = 0.0,
        grad_clip: float | None = 1.0,
        seed: int = 0,
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every_steps: int | None = None,
        keep_checkpoints: int = 2,
        resume: bool = True,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        device: str = "cpu",
        verbose: bool = True,
        config: Mapping[str, Any] | None = None,
        find_unused_parameters: bool = False,
    ) -> None:
        if int(epochs) < 1:
            raise InvalidParameterError(f"epochs must be a positive integer; received {epochs!r}")
        if int(batch_size) < 1:
            raise InvalidParameterError(f"batch_size must be a positive integer; received {batch_size!r}")
        if not (float(lr) > 0 and math.isfinite(float(lr))):
            raise InvalidParameterError(f"lr must be a positive finite number; received {lr!r}")
        if schedule not in _SCHEDULES:
            raise InvalidParameterError(f"schedule must be one of {_SCHEDULES}; received {schedule!r}")
        if grad_clip is not None and not float(grad_clip) > 0:
            raise InvalidParameterError(f"grad_clip must be positive or None; received {grad_clip!r}")
        if not 0.0 <= float(min_lr_ratio) <= 1.0:
            raise InvalidParameterError(f"min_lr_ratio must be in [0, 1]; received {min_lr_ratio!r}")
        if checkpoint_every_steps is not None and int(checkpoint_every_steps) < 1:
            raise InvalidParameterError(f"checkpoint_every_steps must be positive; received {checkpoint_every_steps!r}")
        self.epochs, self.batch_size, self.lr = int(epochs), int(batch_size), float(lr)
        self.weight_decay, self.betas = float(weight_decay), (float(betas[0]), float(betas[1]))
        self.schedule, self.warmup_steps, self.min_lr_ratio = schedule, int(warmup_steps), float(min_lr_ratio)
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.seed = int(seed)
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every_steps = None if checkpoint_every_steps is None else int(checkpoint_every_steps)
        self.keep_checkpoints, self.resume = int(keep_checkpoints), bool(resume)
        self.num_workers, self.collate_fn, self.device = int(num_workers), collate_fn, device
        self.verbose, self.config = bool(verbose), dict(config or {})
        self.find_unused_parameters = bool(find_unused_parameters)

    def settings(self) -> dict[str, Any]:
        """The loop's settings as a JSON-serializable dict (stored in checkpoints)."""
        return {
            "epochs": self.epochs, "batch_size": self.batch_size, "lr": self.lr, "weight_decay": self.weight_decay,
            "betas": list(self.betas), "schedule": self.schedule, "warmup_steps": self.warmup_steps,
            "min_lr_ratio": self.min_lr_ratio, "grad_clip": self.grad_clip, "seed": self.seed,
        }  # fmt: skip

    def _optimizer(self, module: Any) -> Any:
        import torch

        decay, no_decay = [], []
        for _, p in module.named_parameters():
            if p.requires_grad:
                (decay if p.ndim >= 2 else no_decay).append(p)
        groups = [{"params": decay, "weight_decay": self.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        return torch.optim.AdamW([g for g in groups if g["params"]], lr=self.lr, betas=self.betas)

    def fit(
        self,
        module: Any,
        dataset: Any,
        loss_fn: Callable[[Any, Any], Any],
        *,
        on_epoch_end: Callable[[int, Any], Mapping[str, float] | None] | None = None,
    ) -> TrainResult:
        """Train ``module`` in place.

        Parameters
        ----------
        module : torch.nn.Module
            Holds every trainable parameter; its parameters are moved to ``device``.
        dataset : torch.utils.data.Dataset
            Map-style dataset; items are collated into batches. If it has a ``set_epoch(epoch)`` method it is
            called with the 0-based epoch before each epoch (also after a resume).
        loss_fn : callable
            ``loss_fn(module, batch)`` returns a scalar loss tensor, or ``(loss, metrics)`` where ``metrics``
            maps names to floats or scalar tensors (averaged over each epoch).
        on_epoch_end : callable, optional
            ``on_epoch_end(epoch, module) -> metrics`` called on every rank after each epoch (e.g. a
            validation score, computed on training subjects only); returned metrics join the history.

        Returns
        -------
        TrainResult
        """
        import torch
        from torch.utils.data import DataLoader, DistributedSampler

        if init_distributed(device=self.device):
            # Keep the group after fit so that callers can still ask is_main_process() before writing files
            # (a destroyed group would make every process look like rank 0); leave it when the process exits.
            import atexit

            atexit.register(shutdown_distributed)
        return self._fit(module, dataset, loss_fn, on_epoch_end, torch, DataLoader, DistributedSampler)

    def _fit(self, module, dataset, loss_fn, on_epoch_end, torch, DataLoader, DistributedSampler) -> TrainResult:
        n_ranks, my_rank = world_size(), rank()
        if self.batch_size % n_ranks:
            raise InvalidParameterError(
                f"batch_size {self.batch_size} must be divisible by the number of processes ({n_ranks})"
            )
        local_batch = self.batch_size // n_ranks
        n_items = len(dataset)
        steps_per_epoch = (n_items // n_ranks) // local_batch
        if steps_per_epoch < 1:
            raise InvalidParameterError(
                f"the dataset has {n_items} items, fewer than one batch of {self.batch_size}; lower batch_size"
            )
        total_steps = steps_per_epoch * self.epochs
        device = torch.device(self.device)
        module.to(device)
        optimizer = self._optimizer(module)
        base_lrs = [g["lr"] for g in optimizer.param_groups]
        main = is_main_process()
        result = TrainResult()
        history: list[dict[str, float]] = []
        start_epoch, start_step_in_epoch, global_step = 0, 0, 0

        ckpt_path = latest_checkpoint(self.checkpoint_dir) if (self.resume and self.checkpoint_dir) else None
        if ckpt_path is not None:
            ckpt = load_checkpoint(ckpt_path)
            module.load_state_dict(ckpt.model_state)
            if ckpt.optimizer_state is not None:
                optimizer.load_state_dict(ckpt.optimizer_state)
            start_epoch = int(ckpt.info["epoch"])
            start_step_in_epoch = int(ckpt.info["step_in_epoch"])
            global_step = int(ckpt.info["global_step"])
            history = list(ckpt.info.get("history", []))
            if len(ckpt.rng_states) == n_ranks:
                restore_rng_state(ckpt.rng_states[my_rank])
            else:
                log.warning(
                    "checkpoint was written by %d processes, this run has %d: generator states are re-seeded, so "
                    "augmentations will not repeat exactly", len(ckpt.rng_states), n_ranks,
                )  # fmt: skip
                seed_everything(self.seed + my_rank + global_step)
            result.resumed_from = ckpt_path
            if main:
                log.info("resumed from %s (epoch %d, step %d)", ckpt_path, start_epoch, global_step)
        else:
            seed_everything(self.seed + my_rank)

        train_module = _loss_module(module, loss_fn)
        if n_ranks > 1:
            from torch.nn.parallel import DistributedDataParallel

            device_ids = [device.index] if device.type == "cuda" and device.index is not None else None
            train_module = DistributedDataParallel(
                train_module, device_ids=device_ids, find_unused_parameters=self.find_unused_parameters
            )
        sampler = DistributedSampler(
            dataset, num_replicas=n_ranks, rank=my_rank, shuffle=True, seed=self.seed, drop_last=True
        )
        params = [p for p in module.parameters() if p.requires_grad]

        def save(epoch: int, step_in_epoch: int) -> None:
            states = self._gather_rng_states()
            if main and self.checkpoint_dir is not None:
                info = {
                    "epoch": epoch, "step_in_epoch": step_in_epoch, "global_step": global_step,
                    "world_size": n_ranks, "settings": self.settings(), "config": self.config, "history": history,
                }  # fmt: skip
                result.checkpoint = save_checkpoint(
                    self.checkpoint_dir, model_state=module.state_dict(), optimizer_state=optimizer.state_dict(),
                    rng_states=states, info=info, keep=self.keep_checkpoints,
                )  # fmt: skip
            barrier()

        import time

        for epoch in range(start_epoch, self.epochs):
            sampler.set_epoch(epoch)
            if callable(getattr(dataset, "set_epoch", None)):
                dataset.set_epoch(epoch)  # epoch-dependent datasets (curricula, re-drawn crops) resume exactly too
            skip = start_step_in_epoch * local_batch if epoch == start_epoch else 0
            # A dedicated generator for the loader's worker base seed: the global torch generator is left to the
            # data and model (so a resumed run draws the same numbers), and worker seeds depend only on the epoch.
            loader_gen = torch.Generator().manual_seed(self.seed * 100_003 + epoch * 1_009 + my_rank)
            loader = DataLoader(
                dataset, batch_size=local_batch, sampler=_Skip(sampler, skip) if skip else sampler, drop_last=True,
                num_workers=self.num_workers, collate_fn=self.collate_fn, worker_init_fn=seed_worker,
                generator=loader_gen,
            )  # fmt: skip
            first_step = skip // local_batch
            bar = None
            if main and self.verbose:
                from tqdm.auto import tqdm

                bar = tqdm(total=steps_per_epoch, initial=first_step, desc=f"epoch {epoch + 1}/{self.epochs}", unit="step")
            train_module.train()
            sums: dict[str, float] = {}
            count, started = 0, time.perf_counter()
            grad_norm, factor = float("nan"), float("nan")
            for step_in_epoch, batch in enumerate(loader, start=first_step):
                factor = lr_factor(
                    global_step, total_steps, warmup_steps=self.warmup_steps, schedule=self.schedule,
                    min_ratio=self.min_lr_ratio,
                )  # fmt: skip
                for group, base in zip(optimizer.param_groups, base_lrs):
                    group["lr"] = base * factor
                out = train_module(_to_device(batch, device))
                loss, metrics = (out if isinstance(out, tuple) else (out, {}))
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"loss is {loss.item()} at epoch {epoch + 1}, step {step_in_epoch + 1}; lower lr, check the "
                        "inputs for NaN, or raise warmup_steps"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.grad_clip is not None:
                    grad_norm = float(torch.nn.utils.clip_grad_norm_(params, self.grad_clip))
                optimizer.step()
                global_step += 1
                count += 1
                value = float(loss.detach())
                result.step_losses.append(value)
                sums["loss"] = sums.get("loss", 0.0) + value
                for key, val in metrics.items():
                    sums[key] = sums.get(key, 0.0) + float(val)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.4f}", lr=f"{base_lrs[0] * factor:.2e}")
                if (
                    self.checkpoint_every_steps
                    and step_in_epoch + 1 < steps_per_epoch
                    and global_step % self.checkpoint_every_steps == 0
                ):
                    save(epoch, step_in_epoch + 1)
            if bar is not None:
                bar.close()
            elapsed = time.perf_counter() - started
            row = {"epoch": epoch + 1, **self._mean_over_ranks(sums, count, torch)}
            row.update({"lr": base_lrs[0] * factor, "grad_norm": grad_norm})
            row["samples_per_s"] = count * self.batch_size / max(elapsed, 1e-9)
            if on_epoch_end is not None:
                train_module.eval()
                row.update({k: float(v) for k, v in (on_epoch_end(epoch, module) or {}).items()})
            history.append(row)
            if main and self.verbose:
                log.info("epoch %d/%d: %s", epoch + 1, self.epochs, ", ".join(f"{k}={v:.4g}" for k, v in row.items()))
            save(epoch + 1, 0)
        module.eval()
        result.history, result.global_step = history, global_step
        return result

    @staticmethod
    def _mean_over_ranks(sums: dict[str, float], count: int, torch: Any) -> dict[str, float]:
        keys = sorted(sums)
        values = torch.tensor([sums[k] for k in keys] + [float(count)], dtype=torch.float64)
        if world_size() > 1:
            import torch.distributed as dist

            dist.all_reduce(values)
        total = float(values[-1]) or 1.0
        return {k: float(v) / total for k, v in zip(keys, values[:-1])}

    @staticmethod
    def _gather_rng_states() -> list[dict[str, Any]]:
        state = capture_rng_state()
        if world_size() == 1:
            return [state]
        import torch.distributed as dist

        states: list[Any] = [None] * world_size()
        dist.all_gather_object(states, state)
        return states
