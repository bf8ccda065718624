"""How a simulated take looks to a real sensor: sensor errors, amplitude spread and an unknown mounting rotation.

Shared by pretraining (:class:`~._pretrain.PretrainPairs`) and the simulated prototypes
(:func:`~._prototypes.corpus_take_embeddings`), so that prototypes see exactly the training-time views.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sensor_view"]


def sensor_view(
    acc: np.ndarray,
    gyro: np.ndarray,
    rate_hz: float,
    rng: np.random.Generator,
    *,
    noise: str | None = "consumer_phone",
    amplitude_jitter: float = 0.0,
    rotate: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt ideal signals of ``k`` nodes as a worn sensor would see them.

    Parameters
    ----------
    acc, gyro : ndarray, shape (n_samples, k, 3)
        Ideal specific force (m/s²) and angular velocity (rad/s).
    rate_hz : float
    rng : Generator
        Consumed in a fixed order: sensor errors, amplitude scale, rotations.
    noise : str or None
        Sensor-error preset; None or ``"ideal"`` adds none.
    amplitude_jitter : float
        Per-node scale drawn uniformly in ``1 ± amplitude_jitter`` (0: none).
    rotate : bool
        One uniform random rotation per node, shared by its acc and gyro.

    Returns
    -------
    acc, gyro : ndarray, shape (n_samples, k, 3), float64
    """
    from ...augment import random_rotation_matrices
    from ...simulate import apply_sensor_model

    a, g = np.asarray(acc, dtype=np.float64), np.asarray(gyro, dtype=np.float64)
    k = a.shape[1]
    if noise and noise != "ideal":
        a, g = apply_sensor_model(a, g, rate_hz, noise, seed=rng)
    if amplitude_jitter:
        s = 1.0 + amplitude_jitter * rng.uniform(-1, 1, size=(1, k, 1))
        a, g = a * s, g * s
    if rotate:
        R = random_rotation_matrices((k,), rng)  # (k, 3, 3)
        a = np.einsum("kij,tkj->tki", R, a)
        g = np.einsum("kij,tkj->tki", R, g)
    return a, g
