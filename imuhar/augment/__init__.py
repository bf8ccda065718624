"""Rotation-invariant augmentation for IMU windows.

Transforms follow the torchvision-v2 split (ARCHITECTURE convention 6): ``make_params(x, rng)`` draws every
random number from a numpy ``Generator``, ``apply(x, params)`` is deterministic, ``t(x, rng=None)`` does both.
Inputs are :class:`~imuhar.core.Windows` batches or arrays of shape (n_windows, n_nodes, n_channels,
n_samples), numpy or torch (imported only when a tensor is passed); the same parameters give the same result
on both.

>>> import numpy as np
>>> from imuhar.augment import Compose, RandomRotation, Jitter, RandomApply, TimeWarp, NodeDropout
>>> aug = Compose([RandomRotation(), RandomApply(TimeWarp(sigma=0.2), p=0.5), Jitter(sigma={"acc": 0.05, "gyro": 0.01}),
...                NodeDropout(p=0.2)], random_state=0)
>>> x = np.random.default_rng(0).normal(size=(8, 22, 6, 100)).astype(np.float32)
>>> aug(x).shape
(8, 22, 6, 100)
"""

from ._base import BatchInfo, Compose, RandomApply, Transform, as_generator, describe_batch
from ._functional import (
    add_noise,
    channel_families,
    channel_groups,
    channel_triads,
    drop_nodes,
    monotone_time_warp,
    quaternion_to_matrix,
    random_rotation_matrices,
    rotate,
    scale_channels,
    smooth_random_curves,
    spline_basis,
    time_warp,
)
from ._transforms import Jitter, MagnitudeWarp, NodeDropout, RandomRotation, Scaling, TimeWarp

__all__ = [
    "BatchInfo",
    "Compose",
    "Jitter",
    "MagnitudeWarp",
    "NodeDropout",
    "RandomApply",
    "RandomRotation",
    "Scaling",
    "TimeWarp",
    "Transform",
    "add_noise",
    "as_generator",
    "channel_families",
    "channel_groups",
    "channel_triads",
    "describe_batch",
    "drop_nodes",
    "monotone_time_warp",
    "quaternion_to_matrix",
    "random_rotation_matrices",
    "rotate",
    "scale_channels",
    "smooth_random_curves",
    "spline_basis",
    "time_warp",
]
