"""1-D convolutional encoders that read the nodes x channels of a window as one multichannel signal.

These ignore the body graph: node ``v``'s channel ``c`` becomes input channel ``v * C + c`` of a temporal
network. They are the "without the graph" comparison of the ablations and the per-sensor backbone of
methods such as FusionActNet. Absent nodes are zeroed on entry and the input normalization takes its
statistics over present nodes only (shared per channel kind: acc x/y/z, gyro x/y/z), so an absent node's data
never reaches the output and the count of absent nodes does not shift the scale of the present ones.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from imuhar.core import N_NODES, InvalidParameterError

from ._base import GRAVITY_MS2, Encoder
from ._layers import make_norm

__all__ = ["CNNEncoder", "ResNet1DEncoder", "MobileNet1DEncoder"]


def _positive_ints(name: str, values: Sequence[int], length: int | None = None) -> list[int]:
    out = [int(v) for v in values]
    if not out or min(out) < 1 or (length is not None and len(out) != length):
        need = f"{length} " if length is not None else ""
        raise InvalidParameterError(f"{name} must be a list of {need}positive integers; received {list(values)}")
    return out


def _check_kernel(kernel_size: int) -> int:
    if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
        raise InvalidParameterError(f"kernel_size must be a positive odd integer; received {kernel_size}")
    return int(kernel_size)


class _NormAct(nn.Module):
    """Norm (masked-BN or per-step LayerNorm) then an activation, for (B, C, T) tensors."""

    def __init__(self, norm: str, channels: int, act: bool = True) -> None:
        super().__init__()
        self.norm = make_norm(norm, channels)
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return F.relu(x) if self.act else x


class _FlatEncoder(Encoder):
    """Shared front (masking, input normalization, flattening) and back (time pooling, projection)."""

    def _setup_io(self, norm: str, out_channels: int) -> None:
        self.norm_kind = norm
        make_norm(norm, 1)  # validates the name before anything else is built
        self.input_norm = make_norm("batch", self.in_channels) if norm == "batch" else None
        self.head = nn.Linear(out_channels, self.embed_dim)

    @property
    def flat_channels(self) -> int:
        """Input channels of the temporal network: n_nodes * channels per node."""
        return self.n_nodes * self.in_channels

    def _flatten(self, x: torch.Tensor, node_mask: torch.Tensor | None) -> torch.Tensor:
        x, mask = self.prepare_input(x, node_mask)
        h = x.permute(0, 2, 3, 1)  # (B, C, T, V)
        m = mask[:, None, None, :]
        if self.input_norm is not None:
            h = self.input_norm(h, m)
        else:
            scale = h.new_tensor([1.0 / GRAVITY_MS2] * 3 + [1.0] * (self.in_channels - 3))
            h = h * scale.view(1, -1, 1, 1)
        h = h * m.to(h.dtype)
        b, c, t, v = h.shape
        return h.permute(0, 3, 1, 2).reshape(b, v * c, t)  # node-major: channel v * C + c

    def backbone(self, h: torch.Tensor) -> torch.Tensor:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def forward(self, x: torch.Tensor, node_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Embed windows: x (batch, n_nodes, n_channels, n_samples), node_mask (batch, n_nodes) -> (batch, embed_dim)."""
        h = self.backbone(self._flatten(x, node_mask))
        return self.head(h.mean(dim=2))


class CNNEncoder(_FlatEncoder):
    """A plain stack of 1-D convolutions (conv -> norm -> ReLU), then mean over time and a projection.

    Parameters
    ----------
    widths : sequence of int
        Output channels of each convolution.
    strides : sequence of int, optional
        Temporal stride of each convolution; default 1 for the first and 2 where the width grows.
    kernel_size : int
        Temporal kernel length (odd).
    embed_dim, use_gyro, n_nodes
        See :class:`~imuhar.models.Encoder`.
    norm : {"batch", "layer"}
    dropout : float
        Dropout before the projection.
    """

    def __init__(
        self,
        *,
        widths: Sequence[int] = (128, 128, 256, 256),
        strides: Sequence[int] | None = None,
        kernel_size: int = 5,
        embed_dim: int = 384,
        use_gyro: bool = True,
        norm: str = "batch",
        dropout: float = 0.0,
        n_nodes: int = N_NODES,
    ) -> None:
        widths = _positive_ints("widths", widths)
        if strides is None:
            strides = [1] + [2 if widths[i] > widths[i - 1] else 1 for i in range(1, len(widths))]
        strides = _positive_ints("strides", strides, len(widths))
        kernel_size = _check_kernel(kernel_size)
        super().__init__(
            n_nodes=n_nodes, use_gyro=use_gyro, embed_dim=embed_dim, widths=widths, strides=strides,
            kernel_size=kernel_size, norm=norm, dropout=float(dropout),
        )  # fmt: skip
        self._setup_io(norm, widths[-1])
        chans = [self.flat_channels] + widths
        layers: list[nn.Module] = []
        for i, stride in enumerate(strides):
            layers += [
                nn.Conv1d(
                    chans[i], chans[i + 1], kernel_size, stride=stride, padding=kernel_size // 2, bias=norm != "batch"
                ),
                _NormAct(norm, chans[i + 1]),
            ]
        self.layers = nn.Sequential(*layers)
        self.dropout = nn.Dropout(float(dropout))

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return {"widths": (8, 12), "kernel_size": 3, "embed_dim": 16}

    def backbone(self, h: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.layers(h))


class _BasicBlock(nn.Module):
    """Two convolutions with a shortcut (1x1 conv + norm when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int, kernel_size: int, norm: str) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size, stride=stride, padding=pad, bias=False)
        self.na1 = _NormAct(norm, c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size, padding=pad, bias=False)
        self.na2 = _NormAct(norm, c_out, act=False)
        if stride == 1 and c_in == c_out:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv1d(c_in, c_out, 1, stride=stride, bias=False), _NormAct(norm, c_out, act=False)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.na2(self.conv2(self.na1(self.conv1(x)))) + self.shortcut(x))


class ResNet1DEncoder(_FlatEncoder):
    """A 1-D ResNet: a stem convolution, stages of basic residual blocks, mean over time, projection.

    Parameters
    ----------
    widths : sequence of int
        Channels of each stage; every stage after the first halves the time axis.
    blocks_per_stage : int
        Residual blocks per stage.
    stem_width : int
        Channels of the stem convolution (kernel 7).
    kernel_size : int
        Kernel of the residual blocks (odd).
    embed_dim, use_gyro, n_nodes, norm, dropout
        As for :class:`CNNEncoder`.
    """

    def __init__(
        self,
        *,
        widths: Sequence[int] = (64, 128, 256),
        blocks_per_stage: int = 2,
        stem_width: int = 64,
        kernel_size: int = 5,
        embed_dim: int = 384,
        use_gyro: bool = True,
        norm: str = "batch",
        dropout: float = 0.0,
        n_nodes: int = N_NODES,
    ) -> None:
        widths = _positive_ints("widths", widths)
        (blocks_per_stage,) = _positive_ints("blocks_per_stage", [blocks_per_stage])
        (stem_width,) = _positive_ints("stem_width", [stem_width])
        kernel_size = _check_kernel(kernel_size)
        super().__init__(
            n_nodes=n_nodes, use_gyro=use_gyro, embed_dim=embed_dim, widths=widths,
            blocks_per_stage=blocks_per_stage, stem_width=stem_width, kernel_size=kernel_size, norm=norm,
            dropout=float(dropout),
        )  # fmt: skip
        self._setup_io(norm, widths[-1])
        self.stem = nn.Sequential(
            nn.Conv1d(self.flat_channels, stem_width, 7, padding=3, bias=False), _NormAct(norm, stem_width)
        )
        blocks: list[nn.Module] = []
        c_in = stem_width
        for s, width in enumerate(widths):
            for j in range(blocks_per_stage):
                stride = 2 if (s > 0 and j == 0) else 1
                blocks.append(_BasicBlock(c_in, width, stride, kernel_size, norm))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(float(dropout))

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return {"widths": (8, 12), "blocks_per_stage": 1, "stem_width": 8, "kernel_size": 3, "embed_dim": 16}

    def backbone(self, h: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.blocks(self.stem(h)))


class _InvertedResidual(nn.Module):
    """MobileNetV2 block in 1-D: 1x1 expand -> depthwise conv -> 1x1 project (linear), shortcut if shapes match."""

    def __init__(self, c_in: int, c_out: int, stride: int, kernel_size: int, expand: int, norm: str) -> None:
        super().__init__()
        hidden = c_in * expand
        self.use_shortcut = stride == 1 and c_in == c_out
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [nn.Conv1d(c_in, hidden, 1, bias=False), _NormAct(norm, hidden)]
        layers += [
            nn.Conv1d(hidden, hidden, kernel_size, stride=stride, padding=kernel_size // 2, groups=hidden, bias=False),
            _NormAct(norm, hidden),
            nn.Conv1d(hidden, c_out, 1, bias=False),
            _NormAct(norm, c_out, act=False),
        ]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.use_shortcut else y


class MobileNet1DEncoder(_FlatEncoder):
    """A MobileNetV2-style 1-D encoder built from depthwise-separable inverted residual blocks.

    Parameters
    ----------
    widths : sequence of int
        Output channels of each stage.
    blocks : sequence of int, optional
        Blocks per stage (default 1 for the first stage, 2 for the others).
    strides : sequence of int, optional
        Stride of the first block of each stage (default 1, then 2 for every later stage but the last).
    expand : int
        Expansion ratio of the inverted residual blocks.
    stem_width : int
        Channels of the stem convolution.
    kernel_size : int
        Depthwise kernel length (odd).
    embed_dim, use_gyro, n_nodes, norm, dropout
        As for :class:`CNNEncoder`.
    """

    def __init__(
        self,
        *,
        widths: Sequence[int] = (32, 64, 96, 128),
        blocks: Sequence[int] | None = None,
        strides: Sequence[int] | None = None,
        expand: int = 4,
        stem_width: int = 32,
        kernel_size: int = 5,
        embed_dim: int = 384,
        use_gyro: bool = True,
        norm: str = "batch",
        dropout: float = 0.0,
        n_nodes: int = N_NODES,
    ) -> None:
        widths = _positive_ints("widths", widths)
        n = len(widths)
        blocks = _positive_ints("blocks", blocks if blocks is not None else [1] + [2] * (n - 1), n)
        if strides is None:
            strides = [1] + [2] * max(n - 2, 0) + ([1] if n > 1 else [])
        strides = _positive_ints("strides", strides, n)
        (expand,) = _positive_ints("expand", [expand])
        (stem_width,) = _positive_ints("stem_width", [stem_width])
        kernel_size = _check_kernel(kernel_size)
        super().__init__(
            n_nodes=n_nodes, use_gyro=use_gyro, embed_dim=embed_dim, widths=widths, blocks=blocks,
            strides=strides, expand=expand, stem_width=stem_width, kernel_size=kernel_size, norm=norm,
            dropout=float(dropout),
        )  # fmt: skip
        self._setup_io(norm, widths[-1])
        self.stem = nn.Sequential(
            nn.Conv1d(self.flat_channels, stem_width, kernel_size, padding=kernel_size // 2, bias=False),
            _NormAct(norm, stem_width),
        )
        layers: list[nn.Module] = []
        c_in = stem_width
        for width, count, stride in zip(widths, blocks, strides):
            for j in range(count):
                layers.append(_InvertedResidual(c_in, width, stride if j == 0 else 1, kernel_size, expand, norm))
                c_in = width
        self.blocks = nn.Sequential(*layers)
        self.dropout = nn.Dropout(float(dropout))

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return {"widths": (8, 12), "blocks": (1, 1), "expand": 2, "stem_width": 8, "kernel_size": 3, "embed_dim": 16}

    def backbone(self, h: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.blocks(self.stem(h)))
