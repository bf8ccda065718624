"""Data parallelism: 2 gloo processes compute the gradients (and training run) of 1 process on the full batch."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch

from _training_helpers import PairDataset, PairModel, pair_loss
from imuhar.models import load_tensors, save_tensors
from imuhar.training import Trainer, seed_everything

pytestmark = pytest.mark.slow

SETTINGS = dict(epochs=2, batch_size=8, lr=1e-2, warmup_steps=1, verbose=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _grads_on(batch: dict, wrap_ddp: bool) -> dict[str, torch.Tensor]:
    from imuhar.training._loop import _loss_module

    seed_everything(0)
    model = PairModel()
    module = _loss_module(model, pair_loss)
    if wrap_ddp:
        module = torch.nn.parallel.DistributedDataParallel(module)
    loss, _ = module(batch)
    loss.backward()
    return {name: p.grad.detach().clone() for name, p in model.named_parameters()}


def _full_batch() -> dict:
    data = PairDataset(8, t=20, seed=3)
    return {"x": data.x, "mask": data.mask, "text": data.text}


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))  # fmt: skip
    torch.set_num_threads(1)
    import torch.distributed as dist

    from imuhar.training import init_distributed, shutdown_distributed

    assert init_distributed()
    try:
        full = _full_batch()
        half = {k: v[rank * 4 : (rank + 1) * 4] for k, v in full.items()}  # each rank holds half the windows
        grads = _grads_on(half, wrap_ddp=True)
        seed_everything(0)
        model = PairModel()
        result = Trainer(checkpoint_dir=Path(out) / "ckpt", **SETTINGS).fit(model, PairDataset(24), pair_loss)
        if rank == 0:
            save_tensors({f"grad.{k}": v for k, v in grads.items()} | {f"param.{k}": v for k, v in
                          model.state_dict().items()}, Path(out) / "rank0.safetensors",
                         metadata={"loss": repr(result.history[-1]["loss"])})  # fmt: skip
        dist.barrier()
    finally:
        shutdown_distributed()


def test_two_gloo_processes_match_one_process_on_the_full_batch(tmp_path):
    torch.multiprocessing.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    got, meta = load_tensors(tmp_path / "rank0.safetensors")

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ref_grads = _grads_on(_full_batch(), wrap_ddp=False)
        seed_everything(0)
        model = PairModel()
        ref = Trainer(**SETTINGS).fit(model, PairDataset(24), pair_loss)
    finally:
        torch.set_num_threads(n)

    # gradients of one step: 2 x 4 windows (synchronized masked batch norm, InfoNCE over gathered embeddings)
    # equal 1 x 8 windows
    for name, grad in ref_grads.items():
        torch.testing.assert_close(got[f"grad.{name}"], grad, rtol=1e-4, atol=1e-6, msg=name)
    # a whole training run (shuffling, schedule, AdamW, 6 steps) lands on the same parameters and loss
    for name, value in model.state_dict().items():
        torch.testing.assert_close(got[f"param.{name}"], value, rtol=1e-5, atol=1e-6, msg=name)
    assert float(meta["loss"]) == pytest.approx(ref.history[-1]["loss"], rel=1e-5)
    # only rank 0 wrote checkpoints: one pair per epoch end, kept 2
    names = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert names == ["latest.json", "step-000000003.json", "step-000000003.safetensors", "step-000000006.json",
                     "step-000000006.safetensors"]  # fmt: skip
