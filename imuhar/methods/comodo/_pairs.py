"""COMODO on your own data in a few lines: IMU arrays + row-aligned teacher embeddings -> a fitted student.

::

    from imuhar.methods.comodo import distill_pairs

    model = distill_pairs(imu, teacher_z, rate_hz=50.0, queue_size=1024, epochs=20)   # imu (n, 6, T)
    features = model.embed(new_imu)                                                     # (m, embed_dim)

The teacher embeddings (video, skeleton, any modality) are computed beforehand, one row per IMU window; no
label is needed. Passing ``labels`` and ``subjects`` also fits the paper's SVM probe, so ``model.evaluate``
and ``model.predict_proba`` work.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from imuhar.core import (
    DEFAULT_CHANNELS,
    UNLABELLED,
    InvalidParameterError,
    LabelVocabulary,
    ShapeMismatchError,
    Windows,
)

__all__ = ["imu_windows", "distill_pairs"]


def imu_windows(
    imu: np.ndarray,
    *,
    rate_hz: float,
    placement: str | Sequence[str] = "right_wrist",
    channels: Sequence[str] = DEFAULT_CHANNELS,
    labels: np.ndarray | None = None,
    subjects: np.ndarray | None = None,
    vocabulary: LabelVocabulary | None = None,
) -> Windows:
    """Wrap raw IMU arrays as :class:`~imuhar.core.Windows`.

    Parameters
    ----------
    imu : ndarray, shape (n, n_channels, n_samples) or (n, n_nodes, n_channels, n_samples)
        Acceleration in m/s^2 and angular rate in rad/s, in the order of ``channels``.
    rate_hz : float
        Sampling rate (Hz).
    placement : str or sequence of str
        Body node of the sensor (one name for 3-D input, one per node for 4-D input); any name
        :func:`imuhar.core.resolve_placement` accepts.
    channels : sequence of str
        Channel names along the channel axis (default acc x/y/z, gyro x/y/z).
    labels : ndarray of int, shape (n,), optional
        Class ids (``-1`` = unlabelled); default all unlabelled.
    subjects : ndarray, shape (n,), optional
        Subject of each window; default ``"unknown"``.
    vocabulary : LabelVocabulary, optional
        Names of the class ids; default ``class_0 ... class_k``.

    Returns
    -------
    Windows
    """
    x = np.asarray(imu, dtype=np.float32)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ShapeMismatchError(
            f"imu must have shape (n, n_channels, n_samples) or (n, n_nodes, n_channels, n_samples); received "
            f"{x.shape}"
        )
    nodes = (placement,) if isinstance(placement, str) else tuple(placement)
    if len(nodes) != x.shape[1]:
        raise ShapeMismatchError(
            f"imu holds {x.shape[1]} node(s) along axis 1 but {len(nodes)} placement name(s) were given: {nodes}"
        )
    n = x.shape[0]
    y = np.full(n, UNLABELLED, dtype=np.int64) if labels is None else np.asarray(labels).astype(np.int64)
    if vocabulary is None and (y >= 0).any():
        vocabulary = LabelVocabulary.from_names([f"class_{i}" for i in range(int(y.max()) + 1)])
    return Windows(
        x=x,
        node_mask=np.ones(x.shape[:2], dtype=bool),
        labels=y,
        subjects=np.full(n, "unknown") if subjects is None else np.asarray(subjects).astype(str),
        rate_hz=rate_hz,
        nodes=nodes,
        channels=tuple(channels),
        vocabulary=vocabulary if vocabulary is not None else LabelVocabulary(),
    )


def distill_pairs(
    imu: np.ndarray,
    teacher_embeddings: np.ndarray,
    *,
    rate_hz: float,
    placement: str | Sequence[str] = "right_wrist",
    channels: Sequence[str] = DEFAULT_CHANNELS,
    labels: np.ndarray | None = None,
    subjects: np.ndarray | None = None,
    vocabulary: LabelVocabulary | None = None,
    verbose: bool = True,
    **params: Any,
):
    """Train a COMODO student on (IMU window, teacher embedding) pairs; returns the fitted :class:`Comodo`.

    Parameters
    ----------
    imu : ndarray, shape (n, n_channels, n_samples) or (n, n_nodes, n_channels, n_samples)
        The student's IMU windows (m/s^2, rad/s).
    teacher_embeddings : ndarray, shape (n, dim)
        A frozen teacher's embedding of the same n samples, row-aligned with ``imu`` (normalized here).
    rate_hz, placement, channels, labels, subjects, vocabulary
        As in :func:`imu_windows`. Labels only serve the optional SVM probe, never the distillation.
    verbose : bool
        Progress bars.
    **params
        Any :class:`Comodo` parameter (``objective``, ``queue_size``, ``epochs``, ``batch_size``, ``encoder``,
        ``encoder_params``, ``seed`` ...). ``queue_size`` defaults to the paper's 16384 capped at ``n // 2``.

    Returns
    -------
    Comodo
        Fitted; ``embed`` takes :class:`~imuhar.core.Windows` or raw arrays shaped like ``imu``.
    """
    from ._method import Comodo
    from ._teachers import PrecomputedTeacher

    if "teacher" in params:
        raise InvalidParameterError(
            "distill_pairs builds its teacher from teacher_embeddings; use Comodo(teacher=...).fit for other teachers"
        )
    train = imu_windows(imu, rate_hz=rate_hz, placement=placement, channels=channels, labels=labels,
                        subjects=subjects, vocabulary=vocabulary)  # fmt: skip
    z = np.asarray(teacher_embeddings, dtype=np.float32)
    if z.ndim != 2 or z.shape[0] != train.n_windows:
        raise ShapeMismatchError(
            f"teacher_embeddings must have one row per IMU window, shape ({train.n_windows}, dim); received {z.shape}"
        )
    params.setdefault("queue_size", max(1, min(16384, train.n_windows // 2)))
    model = Comodo(teacher=PrecomputedTeacher(z), **params)
    return model.fit(train, verbose=verbose)
