"""FusionActNet's networks: residual 1-D CNN experts, a residual MobileNet gate and their gated fusion.

Architecture after Saha et al. (IEEE Sensors Letters 2024; code github.com/utsabbuet17/FusionActNet), with
two deliberate changes (see ``/work/shared/notes/methods.md`` section C): the fused vector is built in the
dataset's label order rather than as ``[static, dynamic]``, and fusion is done in log space so training uses
NLL on log-probabilities (the released code applies cross-entropy to a softmax output).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ResidualBlock", "ResNetExpert", "DepthwiseSeparableUnit", "ResidualMobileNet", "FusionNetwork"]


class ResidualBlock(nn.Module):
    """``conv-BN-ReLU-conv-BN`` plus a 1x1 projection skip, then ReLU and max-pooling by 2.

    Input (batch, c_in, time) -> output (batch, c_out, time // 2).
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int = 5, pool: bool = True) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.skip = nn.Conv1d(c_in, c_out, 1)
        self.pool = nn.MaxPool1d(2) if pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return self.pool(F.relu(h + self.skip(x)))


class ResNetExpert(nn.Module):
    """A stack of :class:`ResidualBlock` s, global average pooling and a linear head.

    Parameters
    ----------
    in_channels : int
        Input channels (9 for UCI-HAR: body acc, gyro, total acc).
    n_classes : int
        Outputs of the head (logits).
    widths : sequence of int
        Output channels of each block; each block halves the time axis (while it is longer than 1).
    kernel_size : int
        Temporal kernel of the convolutions, samples.
    dropout : float
        Dropout before the head.
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        widths: Sequence[int] = (32, 64, 128),
        kernel_size: int = 5,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        chans = [in_channels, *widths]
        self.blocks = nn.Sequential(*(ResidualBlock(a, b, kernel_size) for a, b in zip(chans[:-1], chans[1:])))
        self.out_dim = chans[-1]
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.out_dim, n_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_channels, time) -> pooled features (batch, out_dim)."""
        return self.blocks(x).mean(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_channels, time) -> logits (batch, n_classes)."""
        return self.head(self.dropout(self.features(x)))


class DepthwiseSeparableUnit(nn.Module):
    """Residual depthwise-separable unit: ``dw conv-BN-ReLU-pw conv-BN`` plus a projection skip.

    As in the released code there is no activation after the addition. Shape (batch, c_in, time) ->
    (batch, c_out, time).
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.dw = nn.Conv1d(c_in, c_in, kernel_size, padding=kernel_size // 2, groups=c_in, bias=False)
        self.bn1 = nn.BatchNorm1d(c_in)
        self.pw = nn.Conv1d(c_in, c_out, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn2(self.pw(F.relu(self.bn1(self.dw(x))))) + self.skip(x)


class ResidualMobileNet(nn.Module):
    """Lightweight residual MobileNet: a conv stem, stages of :class:`DepthwiseSeparableUnit` s, a linear head.

    Parameters
    ----------
    in_channels : int
    n_outputs : int
        1 for the FusionActNet gate (a logit); the number of classes when used as a classifier.
    stem_width : int
        Channels of the ``conv(k3)-BN-ReLU`` stem.
    widths : sequence of int
        Output channels of each stage.
    units : sequence of int
        Units per stage (the paper uses 2, 3, 3 with widths 64, 128, 256).
    pool : bool
        Max-pool the time axis by 2 after each stage. The paper keeps full resolution; pooling makes the
        gate several times cheaper on a CPU.
    dropout : float
        Dropout before the head.
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int = 1,
        stem_width: int = 16,
        widths: Sequence[int] = (32, 64, 128),
        units: Sequence[int] = (2, 2, 2),
        kernel_size: int = 5,
        pool: bool = True,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if len(widths) != len(units):
            raise ValueError(f"widths {tuple(widths)} and units {tuple(units)} must have equal lengths")
        layers: list[nn.Module] = [
            nn.Conv1d(in_channels, stem_width, 3, padding=1, bias=False),
            nn.BatchNorm1d(stem_width),
            nn.ReLU(),
        ]
        c = stem_width
        for width, n in zip(widths, units):
            for _ in range(n):
                layers.append(DepthwiseSeparableUnit(c, width, kernel_size))
                c = width
            if pool:
                layers.append(nn.MaxPool1d(2))
        self.body = nn.Sequential(*layers)
        self.out_dim = c
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c, n_outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_channels, time) -> pooled features (batch, out_dim)."""
        return self.body(x).mean(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_channels, time) -> (batch, n_outputs)."""
        return self.head(self.dropout(self.features(x)))


class FusionNetwork(nn.Module):
    """Gate-weighted mixture of a static and a dynamic expert, in the dataset's label order.

    ``p[static_ids] = g * softmax(static_expert(x))`` and ``p[dynamic_ids] = (1 - g) * softmax(dynamic_expert(x))``
    with ``g = sigmoid(gate(x))``; classes in neither group get probability 0, so each row sums to 1.

    Parameters
    ----------
    n_classes : int
        Length of the output vector (size of the vocabulary).
    static_ids, dynamic_ids : sequence of int
        Class ids (columns of the output) handled by each expert; disjoint. A group with one class needs no
        expert (its conditional probability is 1); an empty group pins the gate to the other side.
    static_expert, dynamic_expert : nn.Module or None
        Map (batch, channels, time) to logits over their group, in the order of the ids.
    gate : nn.Module or None
        Maps (batch, channels, time) to one logit per window; required when both groups are non-empty.
    """

    def __init__(
        self,
        n_classes: int,
        static_ids: Sequence[int],
        dynamic_ids: Sequence[int],
        static_expert: nn.Module | None,
        dynamic_expert: nn.Module | None,
        gate: nn.Module | None,
    ) -> None:
        super().__init__()
        if set(static_ids) & set(dynamic_ids):
            raise ValueError(f"static ids {list(static_ids)} and dynamic ids {list(dynamic_ids)} overlap")
        self.n_classes = int(n_classes)
        self.register_buffer("static_ids", torch.as_tensor(list(static_ids), dtype=torch.long), persistent=False)
        self.register_buffer("dynamic_ids", torch.as_tensor(list(dynamic_ids), dtype=torch.long), persistent=False)
        self.static_expert = static_expert
        self.dynamic_expert = dynamic_expert
        self.gate = gate
        if len(static_ids) and len(dynamic_ids) and gate is None:
            raise ValueError("a gate is required when both the static and the dynamic group hold classes")

    @staticmethod
    def _group_log_probs(expert: nn.Module | None, x: torch.Tensor, n: int) -> torch.Tensor:
        if n == 1 or expert is None:
            return x.new_zeros(x.shape[0], n)
        return F.log_softmax(expert(x), dim=-1)

    def gate_logit(self, x: torch.Tensor) -> torch.Tensor:
        """Gate logit per window, shape (batch,); +inf/-inf when one group is empty."""
        if len(self.dynamic_ids) == 0:
            return x.new_full((x.shape[0],), float("inf"))
        if len(self.static_ids) == 0:
            return x.new_full((x.shape[0],), float("-inf"))
        return self.gate(x).reshape(-1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fused log-probabilities and the gate.

        Parameters
        ----------
        x : Tensor, shape (batch, channels, time)

        Returns
        -------
        log_probs : Tensor, shape (batch, n_classes)
            ``log p`` in label order; ``-inf`` for classes in neither group.
        g : Tensor, shape (batch,)
            Weight of the static expert, in (0, 1) (exactly 0 or 1 only when a group is empty).
        """
        logit = self.gate_logit(x)
        out = x.new_full((x.shape[0], self.n_classes), float("-inf"))
        if len(self.static_ids):
            out[:, self.static_ids] = F.logsigmoid(logit)[:, None] + self._group_log_probs(
                self.static_expert, x, len(self.static_ids)
            )
        if len(self.dynamic_ids):
            out[:, self.dynamic_ids] = F.logsigmoid(-logit)[:, None] + self._group_log_probs(
                self.dynamic_expert, x, len(self.dynamic_ids)
            )
        return out, torch.sigmoid(logit)
