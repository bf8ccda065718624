"""Process-group setup for data-parallel training under ``torchrun`` (gloo on CPU, NCCL on GPU).

``torchrun --nproc_per_node N script.py`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT``; :func:`init_distributed` reads them. Without them everything runs in one process and the
helpers below answer rank 0 of a world of 1.
"""

from __future__ import annotations

import logging
import os

from imuhar.core import InvalidParameterError
from imuhar.models._dist import all_gather_cat, all_reduce_sum, rank, world_size

__all__ = [
    "init_distributed",
    "shutdown_distributed",
    "is_distributed",
    "is_main_process",
    "rank",
    "world_size",
    "barrier",
    "all_gather_cat",
    "all_reduce_sum",
    "env_requests_distributed",
]

log = logging.getLogger(__name__)


def env_requests_distributed() -> bool:
    """True when launcher variables ask for more than one process (``WORLD_SIZE`` > 1)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def is_distributed() -> bool:
    """True when a process group with more than one process is running."""
    return world_size() > 1


def is_main_process() -> bool:
    """True on rank 0 (and in single-process runs): the process that logs and writes files."""
    return rank() == 0


def init_distributed(backend: str | None = None, device: str = "cpu") -> bool:
    """Join the process group described by the launcher's environment variables, if any.

    Parameters
    ----------
    backend : str, optional
        ``"gloo"`` or ``"nccl"``; default NCCL for CUDA devices, gloo otherwise.
    device : str
        Device the model trains on; with CUDA each process uses ``cuda:LOCAL_RANK``.

    Returns
    -------
    bool
        True if this call created the process group (the caller should shut it down), False if no group is
        requested or one already exists.
    """
    import torch
    import torch.distributed as dist

    if not env_requests_distributed() or (dist.is_available() and dist.is_initialized()):
        return False
    if not dist.is_available():
        raise InvalidParameterError("WORLD_SIZE > 1 but this torch build has no torch.distributed support")
    missing = [k for k in ("RANK", "MASTER_ADDR", "MASTER_PORT") if k not in os.environ]
    if missing:
        raise InvalidParameterError(
            f"WORLD_SIZE={os.environ['WORLD_SIZE']} asks for distributed training but {missing} are not set; "
            "launch with `torchrun --nproc_per_node N ...`, which sets them"
        )
    if backend is None:
        backend = "nccl" if str(device).startswith("cuda") else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend=backend, init_method="env://")
    log.info("joined process group: rank %d of %d (%s)", dist.get_rank(), dist.get_world_size(), backend)
    return True


def shutdown_distributed() -> None:
    """Leave the process group if one is running."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    """Wait for every rank (no-op in a single process)."""
    import torch.distributed as dist

    if is_distributed():
        dist.barrier()
