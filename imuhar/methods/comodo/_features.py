"""A parameter-free frozen encoder for multi-node IMU windows: per-channel statistics and segment means.

Used as a teacher backbone where no trained encoder of the privileged modality exists: it keeps *which node*
and *when* (segment means in time order), which random-weight graph or convolution encoders pooled over all
nodes and time lose. Its only state is a standardization fitted once on unlabelled teacher inputs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from imuhar.core import InvalidParameterError, NotFittedError, ShapeMismatchError

__all__ = ["SegmentStatistics"]


class SegmentStatistics(nn.Module):
    """Fixed features of (batch, n_nodes, n_channels, n_samples) windows, standardized.

    For every node and channel: mean, standard deviation, minimum and maximum over the window, then the means
    of ``n_segments`` equal consecutive segments, so ``n_nodes * n_channels * (4 + n_segments)`` features.
    Absent nodes (``node_mask`` False) contribute zeros. :meth:`fit` stores the mean and standard deviation of
    each feature over some (unlabelled) windows; :meth:`forward` returns standardized features.

    Parameters
    ----------
    n_segments : int
        Temporal segments whose means are kept (in time order); ``n_samples`` must be divisible by it.
    """

    def __init__(self, *, n_segments: int = 4) -> None:
        super().__init__()
        if int(n_segments) < 1:
            raise InvalidParameterError(f"n_segments must be a positive integer; received {n_segments!r}")
        self.n_segments = int(n_segments)
        self.register_buffer("mean_", torch.zeros(0))
        self.register_buffer("scale_", torch.zeros(0))

    def raw_features(self, x: torch.Tensor, node_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Unstandardized features, shape (batch, n_nodes * n_channels * (4 + n_segments))."""
        x = torch.as_tensor(x).float()
        if x.ndim != 4:
            raise ShapeMismatchError(
                f"SegmentStatistics expects (batch, n_nodes, n_channels, n_samples); received {tuple(x.shape)}"
            )
        b, n, c, t = x.shape
        if t % self.n_segments:
            raise ShapeMismatchError(
                f"n_samples={t} is not divisible by n_segments={self.n_segments}; resample or crop the windows"
            )
        if node_mask is not None:
            x = torch.where(torch.as_tensor(node_mask).bool()[:, :, None, None], x, torch.zeros((), dtype=x.dtype))
        stats = [x.mean(-1), x.std(-1, unbiased=False), x.amin(-1), x.amax(-1)]
        segs = x.reshape(b, n, c, self.n_segments, t // self.n_segments).mean(-1)
        return torch.cat([torch.stack(stats, dim=-1), segs], dim=-1).reshape(b, -1)

    def fit(self, x, node_mask=None) -> "SegmentStatistics":
        """Store per-feature mean and standard deviation over windows ``x`` (no labels); returns ``self``."""
        with torch.no_grad():
            f = self.raw_features(torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x),
                                  None if node_mask is None else torch.as_tensor(node_mask))  # fmt: skip
        if f.shape[0] < 2:
            raise InvalidParameterError("fit needs at least 2 windows to estimate a standard deviation")
        self.mean_ = f.mean(0)
        self.scale_ = f.std(0, unbiased=False).clamp_min(1e-6)
        return self

    def forward(self, x: torch.Tensor, node_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Standardized features, shape (batch, n_features)."""
        if self.mean_.numel() == 0:
            raise NotFittedError("SegmentStatistics is not fitted; call fit(unlabelled_windows_x) first")
        f = self.raw_features(x, node_mask)
        if f.shape[1] != self.mean_.numel():
            raise ShapeMismatchError(
                f"fitted on {self.mean_.numel()} features, received windows giving {f.shape[1]}; use the same "
                f"nodes, channels and n_segments as in fit"
            )
        return (f - self.mean_) / self.scale_
