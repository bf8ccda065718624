"""Seeding and capturing/restoring the state of every random number generator a training run uses."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

__all__ = ["seed_everything", "capture_rng_state", "restore_rng_state", "seed_worker"]


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every CUDA device).

    Call it before building a model so that its initialization is reproducible.
    """
    import torch

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def seed_worker(worker_id: int) -> None:
    """``DataLoader`` ``worker_init_fn``: derive NumPy/Python seeds from the worker's torch seed.

    torch seeds each worker from the loader's (checkpointed) torch generator, so augmentations drawn with
    NumPy or ``random`` inside workers are reproducible too.
    """
    import torch

    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def capture_rng_state() -> dict[str, Any]:
    """The current states of Python, NumPy and torch generators (JSON-friendly except the torch tensors).

    Returns
    -------
    dict
        ``python`` (list), ``numpy`` (list), ``torch`` (uint8 tensor) and ``cuda`` (list of uint8 tensors).
    """
    import torch

    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Restore states returned by :func:`capture_rng_state` (possibly after a JSON/safetensors round trip)."""
    import torch

    version, internal, gauss = state["python"]
    random.setstate((int(version), tuple(int(v) for v in internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((str(name), np.asarray(keys, dtype=np.uint32), int(pos), int(has_gauss), float(cached)))
    torch.set_rng_state(torch.as_tensor(state["torch"], dtype=torch.uint8).cpu())
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([torch.as_tensor(s, dtype=torch.uint8).cpu() for s in cuda])
