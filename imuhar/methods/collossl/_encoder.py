"""The encoder ColloSSL uses: the small TPN-style 1-D CNN of Saeed et al. (2019), one shared by all devices.

``Conv1D(32, 24) -> Dropout(.1) -> Conv1D(64, 16) -> Dropout(.1) -> Conv1D(96, 8) -> Dropout(.1) -> global max
pool``, ReLU after each convolution, valid padding: a 96-d embedding (the released code trains the contrastive
loss directly on it, without a projection head). Any other encoder can be used through :func:`build_encoder`.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import torch
from torch import nn

from ...core import InvalidParameterError, ShapeMismatchError

__all__ = ["TPNEncoder", "build_encoder"]

logger = logging.getLogger(__name__)


class TPNEncoder(nn.Module):
    """Three valid-padded 1-D convolutions and a global max pool.

    Parameters
    ----------
    in_channels : int
        Channels of one device (6: acc xyz + gyro xyz).
    widths : tuple of int
        Filters of the three convolutions (32, 64, 96 in the paper).
    kernels : tuple of int
        Kernel lengths in samples (24, 16, 8 in the paper, at 50 Hz).
    dropout : float
    acc_scale_m_s2 : float
        The first ``n_acc_channels`` channels are divided by it on entry (accelerometer in m/s^2 -> g), so
        raw SI windows can be fed; gyroscope channels (rad/s) are of order one already.
    n_acc_channels : int

    Notes
    -----
    Input shape (batch, in_channels, n_samples) with ``n_samples >= sum(kernels) - 2``; output (batch, widths[-1]).
    :attr:`blocks` holds the three conv blocks so fine-tuning can freeze the first ones, as the paper does.
    """

    def __init__(
        self,
        in_channels: int = 6,
        *,
        widths: tuple[int, int, int] = (32, 64, 96),
        kernels: tuple[int, int, int] = (24, 16, 8),
        dropout: float = 0.1,
        acc_scale_m_s2: float = 9.80665,
        n_acc_channels: int = 3,
    ):
        super().__init__()
        if len(widths) != len(kernels) or not widths:
            raise InvalidParameterError(f"widths and kernels must have the same non-zero length; received {widths}, {kernels}")
        chans = (in_channels, *widths)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(chans[i], chans[i + 1], kernels[i]), nn.ReLU(), nn.Dropout(dropout))
            for i in range(len(widths))
        )
        self.in_channels = int(in_channels)
        self.min_samples = int(sum(kernels) - len(kernels) + 1)
        self.out_dim = int(widths[-1])
        if not acc_scale_m_s2 > 0:
            raise InvalidParameterError(f"acc_scale_m_s2 must be > 0; received {acc_scale_m_s2}")
        scale = torch.ones(in_channels)
        scale[: int(n_acc_channels)] = 1.0 / float(acc_scale_m_s2)
        self.register_buffer("input_scale", scale.view(1, -1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ShapeMismatchError(
                f"TPNEncoder expects (batch, {self.in_channels} channels, n_samples); received {tuple(x.shape)}"
            )
        if x.shape[2] < self.min_samples:
            raise ShapeMismatchError(
                f"windows of {x.shape[2]} samples are shorter than the {self.min_samples} the valid convolutions "
                f"need; use longer windows or smaller kernels"
            )
        x = x * self.input_scale
        for block in self.blocks:
            x = block(x)
        return x.amax(dim=2)


class _OneNode(nn.Module):
    """Adapts an :class:`imuhar.models.Encoder` (batch, nodes, channels, samples) to one device's (batch, channels, samples)."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.inner = encoder
        self.out_dim = int(encoder.embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x[:, None])


def build_encoder(encoder: str | Callable[..., nn.Module] | nn.Module, *, in_channels: int, n_samples: int, **kwargs: Any) -> nn.Module:
    """An encoder mapping (batch, in_channels, n_samples) to (batch, out_dim), with ``out_dim`` as an attribute.

    Parameters
    ----------
    encoder : str, callable or nn.Module
        ``"tpn"`` (the paper's CNN); any other name is built by :func:`imuhar.models.build_encoder` as a
        one-node encoder (``"cnn"``, ``"resnet1d"``, ``"mobilenet1d"`` ...); a callable is called as ``encoder(in_channels=..., n_samples=...,
        **kwargs)``; a module is used as is.
    in_channels : int
    n_samples : int
    **kwargs
        Passed to the encoder's constructor.
    """
    if isinstance(encoder, nn.Module):
        module = encoder
    elif isinstance(encoder, str) and encoder.lower() in ("tpn", "collossl", "tpn_cnn"):
        module = TPNEncoder(in_channels, **kwargs)
    elif isinstance(encoder, str):
        from ... import models  # the shared registry (imports torch, as this module does)

        # Registry encoders read (batch, n_nodes, channels, samples); one device is one node here.
        module = _OneNode(models.build_encoder(encoder, n_nodes=1, use_gyro=in_channels >= 6, **kwargs))
    elif callable(encoder):
        module = encoder(in_channels=in_channels, n_samples=n_samples, **kwargs)
    else:
        raise InvalidParameterError(
            f"encoder must be 'tpn', an imuhar.models name, a callable or an nn.Module; received {type(encoder).__name__}"
        )
    if not hasattr(module, "out_dim"):
        with torch.no_grad():
            was = module.training
            module.eval()
            module.out_dim = int(module(torch.zeros(2, in_channels, n_samples)).shape[-1])
            module.train(was)
    return module
