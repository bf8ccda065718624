"""Normalization layers that see only the positions a mask marks as present.

A batch of IMU windows places 1-5 real sensors among 22 body nodes; the rest are zeros. Ordinary batch
normalization would average those zeros into its statistics, so the scale of a real sensor's features would
depend on how many sensors are *absent* (a leak of the mask, and a shift between pretraining with 1-5 nodes
and a benchmark with 1). :class:`MaskedBatchNorm` computes its statistics over present positions only and,
when several processes train together, over the positions of every process (a synchronized batch norm),
so data-parallel training computes exactly what one process would on the whole batch.
"""

from __future__ import annotations

import torch
from torch import nn

from ._dist import all_reduce_sum, world_size

__all__ = ["MaskedBatchNorm", "ChannelLayerNorm", "make_norm", "masked_mean"]


class MaskedBatchNorm(nn.Module):
    """Batch normalization over dim 1 of ``(batch, channels, *positions)`` using present positions only.

    Parameters
    ----------
    num_features : int
        Number of channels (size of dim 1).
    eps : float
        Added to the variance for numerical stability.
    momentum : float
        Weight of the current batch in the running statistics.
    affine : bool
        Learn a per-channel scale and shift.
    sync : bool
        Reduce the statistics over all ranks when ``torch.distributed`` is initialized (training only).

    Notes
    -----
    Statistics are computed in two passes (mean, then centred second moment) because accelerometer channels
    carry gravity (|mean| ~ 9.8 m/s^2) and the one-pass ``E[x^2] - E[x]^2`` loses precision in float32.
    Positions where the mask is False are normalized with the same statistics but do not enter them; callers
    zero them afterwards where they must stay silent.
    """

    def __init__(
        self, num_features: int, *, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True, sync: bool = True
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum, self.sync = int(num_features), float(eps), float(momentum), sync
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def _shape(self, x: torch.Tensor) -> tuple[int, ...]:
        return (1, self.num_features) + (1,) * (x.ndim - 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Normalize ``x`` of shape (B, C, ...); ``mask`` is bool/float broadcastable to (B, 1, ...)."""
        shape = self._shape(x)
        if self.training:
            dims = [0] + list(range(2, x.ndim))
            distributed = self.sync and world_size() > 1
            if mask is None and not distributed:
                mean = x.mean(dim=dims)
                var = (x - mean.view(shape)).pow(2).mean(dim=dims)
                count = torch.tensor(float(x.numel() // x.shape[1]), device=x.device, dtype=x.dtype)
            else:
                m = torch.ones_like(x[:, :1]) if mask is None else mask.to(x.dtype).expand_as(x[:, :1])
                first = torch.cat([(x * m).sum(dim=dims), m.sum().reshape(1)])
                if distributed:
                    first = all_reduce_sum(first)
                count = first[-1]
                mean = first[:-1] / count.clamp(min=1.0)
                second = ((x - mean.view(shape)).pow(2) * m).sum(dim=dims)
                if distributed:
                    second = all_reduce_sum(second)
                var = second / count.clamp(min=1.0)
            with torch.no_grad():
                if float(count) > 0:
                    unbiased = var * (count / (count - 1.0).clamp(min=1.0))
                    self.running_mean.lerp_(mean.detach(), self.momentum)
                    self.running_var.lerp_(unbiased.detach(), self.momentum)
                    self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.weight is not None:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y


class ChannelLayerNorm(nn.Module):
    """Layer normalization over dim 1 of ``(batch, channels, *positions)``, independently at every position.

    Each position is normalized on its own, so no statistic crosses samples or nodes and the mask is not
    needed; it is accepted (and ignored) so that both norms share one call signature.
    """

    def __init__(self, num_features: int, *, eps: float = 1e-5) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(num_features, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


def make_norm(kind: str, num_features: int) -> nn.Module:
    """A ``"batch"`` (masked, synchronized) or ``"layer"`` (per-position) normalization layer."""
    if kind == "batch":
        return MaskedBatchNorm(num_features)
    if kind == "layer":
        return ChannelLayerNorm(num_features)
    from imuhar.core import InvalidParameterError

    raise InvalidParameterError(f"norm must be 'batch' or 'layer'; received {kind!r}")


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    """Mean of ``x`` over ``dims`` counting only positions where ``mask`` (broadcastable to x) is True."""
    m = mask.to(x.dtype)
    total = (x * m).sum(dim=dims)
    count = m.expand_as(x).sum(dim=dims).clamp(min=1.0)
    return total / count

