"""From `Windows` to the network's (batch, channels, time) input, and the static/dynamic class grouping."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core import ChannelMismatchError, InvalidParameterError, LabelVocabulary, UNLABELLED, Windows

__all__ = ["InputSpec", "class_groups"]


@dataclass(frozen=True)
class InputSpec:
    """Which nodes and channels feed the network, and their standardization learnt on training windows.

    Attributes
    ----------
    nodes : tuple of str
        Nodes used (those holding a sensor in any training window), in the windows' order.
    channels : tuple of str
        Channel names per node, e.g. ``("body_acc.x", ..., "gyro.z", "acc.x", ...)``.
    mean, std : ndarray, shape (n_nodes * n_channels,)
        Per flattened channel, over training windows and time, in the channels' own units.
    n_samples : int
        Window length the network was built for, samples.
    rate_hz : float
    """

    nodes: tuple[str, ...]
    channels: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    n_samples: int
    rate_hz: float

    @property
    def n_inputs(self) -> int:
        """Flattened input channels, ``len(nodes) * len(channels)``."""
        return len(self.nodes) * len(self.channels)

    @classmethod
    def fit(cls, windows: Windows, *, standardize: bool = True) -> "InputSpec":
        """Learn the input layout and per-channel mean/std from training windows."""
        used = windows.node_mask.any(axis=0)
        if not used.any():
            raise InvalidParameterError("no node holds a sensor in the training windows (node_mask is all False)")
        nodes = tuple(n for n, u in zip(windows.nodes, used) if u)
        spec = cls(nodes, tuple(windows.channels), np.zeros(0), np.ones(0), windows.n_samples, windows.rate_hz)
        x = spec._raw(windows)  # (W, C, T)
        if standardize:
            mean = x.mean(axis=(0, 2), dtype=np.float64)
            std = x.std(axis=(0, 2), dtype=np.float64)
            std = np.where(std > 1e-8, std, 1.0)  # constant channels (absent gyro) stay at zero
        else:
            mean, std = np.zeros(x.shape[1]), np.ones(x.shape[1])
        return cls(nodes, spec.channels, mean.astype(np.float32), std.astype(np.float32), spec.n_samples, spec.rate_hz)

    def _raw(self, windows: Windows) -> np.ndarray:
        if tuple(windows.channels) != self.channels:
            raise ChannelMismatchError(
                f"the model was fitted on channels {list(self.channels)}; received windows with "
                f"{list(windows.channels)}. Preprocess the evaluation windows like the training windows."
            )
        missing = [n for n in self.nodes if n not in windows.nodes]
        if missing:
            raise ChannelMismatchError(
                f"the model reads nodes {list(self.nodes)}; the windows lack {missing} (they hold {list(windows.nodes)})"
            )
        if windows.n_samples != self.n_samples:
            raise ChannelMismatchError(
                f"the model was fitted on windows of {self.n_samples} samples; received {windows.n_samples}. "
                f"Cut windows of the same length ({self.n_samples / self.rate_hz:g} s at {self.rate_hz:g} Hz)."
            )
        idx = [windows.nodes.index(n) for n in self.nodes]
        x = windows.x[:, idx] * windows.channel_mask[:, None, :, None] * windows.node_mask[:, idx, None, None]
        return x.reshape(windows.n_windows, -1, windows.n_samples).astype(np.float32)

    def transform(self, windows: Windows) -> np.ndarray:
        """Standardized network input, shape (n_windows, n_nodes * n_channels, n_samples), float32."""
        x = self._raw(windows)
        return ((x - self.mean[None, :, None]) / self.std[None, :, None]).astype(np.float32)

    @classmethod
    def from_dict(cls, d: dict) -> "InputSpec":
        """Inverse of :meth:`to_dict`."""
        return cls(
            tuple(d["nodes"]), tuple(d["channels"]), np.asarray(d["mean"], dtype=np.float32),
            np.asarray(d["std"], dtype=np.float32), int(d["n_samples"]), float(d["rate_hz"]),
        )  # fmt: skip

    def to_dict(self) -> dict:
        """JSON-ready form (for a weights config)."""
        return {
            "nodes": list(self.nodes),
            "channels": list(self.channels),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "n_samples": self.n_samples,
            "rate_hz": self.rate_hz,
        }


def class_groups(
    vocabulary: LabelVocabulary, labels: np.ndarray, *, transition_group: str = "dynamic"
) -> tuple[list[int], list[int]]:
    """Split the classes present in ``labels`` into the static and the dynamic expert's classes.

    Parameters
    ----------
    vocabulary : LabelVocabulary
        Each class's ``kind`` (``static``, ``dynamic``, ``transition``) decides its group.
    labels : ndarray of int, shape (n_windows,)
        Training labels; classes absent here get no expert (probability 0).
    transition_group : {"dynamic", "static", "drop"}
        Where postural transitions go: with the movements (default: the body is moving), with the
        postures, or nowhere (their windows are then excluded from training).

    Returns
    -------
    static_ids, dynamic_ids : list of int
        Sorted class ids.
    """
    if transition_group not in ("dynamic", "static", "drop"):
        raise InvalidParameterError(
            f"transition_group must be 'dynamic', 'static' or 'drop'; received {transition_group!r}"
        )
    present = sorted(set(np.unique(labels).tolist()) - {UNLABELLED})
    static, dynamic = [], []
    for c in present:
        kind = vocabulary[c].kind
        if kind == "transition":
            kind = transition_group
        if kind == "static":
            static.append(c)
        elif kind == "dynamic":
            dynamic.append(c)
    return static, dynamic
