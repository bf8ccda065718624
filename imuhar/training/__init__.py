"""The shared training loop (seeded, resumable, DDP under torchrun), contrastive losses and distributed helpers.

Importing this subpackage imports torch; ``import imuhar`` does not.
"""

from ._checkpoint import Checkpoint, latest_checkpoint, load_checkpoint, save_checkpoint
from ._distributed import (
    all_gather_cat,
    all_reduce_sum,
    barrier,
    env_requests_distributed,
    init_distributed,
    is_distributed,
    is_main_process,
    rank,
    shutdown_distributed,
    world_size,
)
from ._loop import Trainer, TrainResult, lr_factor
from ._losses import ContrastiveLoss, LearnableTemperature, info_nce
from ._seed import capture_rng_state, restore_rng_state, seed_everything, seed_worker

__all__ = [
    "Checkpoint",
    "ContrastiveLoss",
    "LearnableTemperature",
    "TrainResult",
    "Trainer",
    "all_gather_cat",
    "all_reduce_sum",
    "barrier",
    "capture_rng_state",
    "env_requests_distributed",
    "info_nce",
    "init_distributed",
    "is_distributed",
    "is_main_process",
    "latest_checkpoint",
    "load_checkpoint",
    "lr_factor",
    "rank",
    "restore_rng_state",
    "save_checkpoint",
    "seed_everything",
    "seed_worker",
    "shutdown_distributed",
    "world_size",
]
