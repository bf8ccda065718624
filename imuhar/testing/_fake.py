"""Synthetic recordings whose physics is known, so tests can check answers rather than shapes."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core import NODES, LabelVocabulary, Recording, Windows, resolve_placement

__all__ = ["make_recording", "make_windows"]

GRAVITY_M_S2 = 9.80665


def make_recording(
    *,
    n_samples: int = 500,
    rate_hz: float = 50.0,
    placements: Sequence[str] = ("right_wrist",),
    gyro: bool = True,
    class_names: Sequence[str] = ("standing", "walking"),
    segment_s: float = 2.0,
    subject: str = "s1",
    recording_id: str = "",
    noise_std: float = 0.05,
    seed: int = 0,
) -> Recording:
    """A recording that alternates between a still posture and a 2 Hz oscillation.

    Class ``i`` holds the sensor still (gravity along +z only, zero rotation) when ``i`` is even, and moves
    it with a 2 Hz sinusoidal acceleration of amplitude 3 m/s² and a 2 Hz rotation of amplitude 1 rad/s
    about z when odd. Segments of ``segment_s`` seconds cycle through the classes.

    Returns
    -------
    Recording
        acc (n_samples, 3) in m/s², gravity included; gyro (n_samples, 3) in rad/s.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / rate_hz
    seg = int(round(segment_s * rate_hz))
    labels = (np.arange(n_samples) // max(seg, 1)) % len(class_names)
    moving = labels % 2 == 1
    acc_signals, gyro_signals = {}, {}
    for p in placements:
        node = resolve_placement(p)
        acc = np.zeros((n_samples, 3))
        acc[:, 2] = GRAVITY_M_S2
        acc[:, 0] += moving * 3.0 * np.sin(2 * np.pi * 2.0 * t)
        acc += rng.normal(0.0, noise_std, acc.shape)
        acc_signals[node] = acc
        if gyro:
            g = np.zeros((n_samples, 3))
            g[:, 2] = moving * 1.0 * np.sin(2 * np.pi * 2.0 * t)
            g += rng.normal(0.0, noise_std / 10, g.shape)
            gyro_signals[node] = g
    return Recording(
        acc=acc_signals,
        gyro=gyro_signals,
        sample_rate_hz=rate_hz,
        labels=labels,
        vocabulary=LabelVocabulary.from_names(
            class_names, kinds=["static" if i % 2 == 0 else "dynamic" for i in range(len(class_names))]
        ),
        subject=subject,
        recording_id=recording_id or f"{subject}-fake",
        metadata={"dataset": "fake"},
    )


def make_windows(
    *,
    n_windows: int = 32,
    n_samples: int = 100,
    rate_hz: float = 20.0,
    nodes: Sequence[str] = NODES,
    present: Sequence[str] = ("right_wrist", "pelvis"),
    n_classes: int = 3,
    n_subjects: int = 4,
    seed: int = 0,
) -> Windows:
    """Random windows with gravity on the present nodes; class ``c`` adds a tone at ``c + 1`` Hz."""
    rng = np.random.default_rng(seed)
    nodes = tuple(resolve_placement(n) for n in nodes)
    x = np.zeros((n_windows, len(nodes), 6, n_samples), dtype=np.float32)
    mask = np.zeros((n_windows, len(nodes)), dtype=bool)
    labels = rng.integers(0, n_classes, n_windows)
    t = np.arange(n_samples) / rate_hz
    for p in present:
        j = nodes.index(resolve_placement(p))
        mask[:, j] = True
        tone = np.sin(2 * np.pi * (labels[:, None] + 1) * t[None, :])
        x[:, j, 2] = GRAVITY_M_S2 + tone
        x[:, j, 0] = tone
        x[:, j, 3:] = 0.5 * tone[:, None, :]
        x[:, j] += rng.normal(0, 0.05, x[:, j].shape)
    return Windows(
        x=x,
        node_mask=mask,
        labels=labels,
        subjects=np.array([f"s{i % n_subjects}" for i in range(n_windows)]),
        rate_hz=rate_hz,
        nodes=nodes,
        vocabulary=LabelVocabulary.from_names([f"class{c}" for c in range(n_classes)]),
    )
