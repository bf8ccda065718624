"""Spatio-temporal graph convolution over the canonical 22-node body (ST-GCN, as used by UniMTS).

Graph and normalization
-----------------------
The body tree of :data:`imuhar.core.NODE_PARENTS` gives each node three neighbour sets (ST-GCN's "spatial
configuration" partitioning): itself, its children (farther from the pelvis) and its parent (towards the
pelvis). Each set has its own 22 x 22 matrix ``A[k]``, and features flow as ``out[w] = sum_v x[v] A[k, v, w]``.

Each partition is normalized to a *mean over that partition's neighbours* of the receiving node:
``A[k, v, w] / max(1, sum_v A[k, v, w])``. So the self partition is the identity, the parent partition has
weight 1, and the children partition averages the (up to three) children. Why not the alternatives:

* UniMTS's code divides the whole neighbourhood by the receiving node's degree (``A D^-1`` over self + parent
  + children), and its paper writes the symmetric ``D^-1/2 A D^-1/2``. Both scale a node's *own* signal by its
  degree: a sensor at ``spine3`` (4 neighbours) passes 1/5 of its signal to the next layer, one at a wrist 1/2.
  With 1-5 of 22 nodes present most neighbours are zero, so this only attenuates a lone sensor by an amount
  that depends on where it is worn. Per-partition means give every present sensor unit gain on its own path.
* Each partition keeps its own 1x1 convolution weights, so self, child and parent messages stay distinguishable
  exactly as in ST-GCN; only the scale convention differs.

Every block multiplies ``A`` by a learnable edge-importance mask (init 1, shape (3, 22, 22)).

Absent nodes
------------
Inputs at absent nodes are zeroed, batch statistics are taken over present nodes only
(:class:`~imuhar.models._layers.MaskedBatchNorm`) and the pooled embedding averages present nodes and time.
With ``absent="zero"`` (default) absent nodes are also zeroed after every block, so they carry nothing and a
sensor's features depend only on present sensors within reach. With ``absent="relay"`` absent nodes keep the
features that flow into them from present neighbours, so distant sensors (wrist and thigh) can exchange
information through the body; their values are still functions of present sensors only.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from imuhar.core import N_NODES, NODE_PARENTS, InvalidParameterError

from ._base import GRAVITY_MS2, Encoder
from ._layers import make_norm, masked_mean

__all__ = ["GraphEncoder", "spatial_adjacency"]

_ABSENT_MODES = ("zero", "relay")


def spatial_adjacency(parents: Sequence[int] = NODE_PARENTS) -> np.ndarray:
    """Partitioned, normalized adjacency of a kinematic tree.

    Parameters
    ----------
    parents : sequence of int, length V
        Parent index of each node, -1 for the root.

    Returns
    -------
    ndarray, shape (3, V, V), float32
        ``A[0]`` self loops, ``A[1]`` child -> parent messages (neighbours farther from the root),
        ``A[2]`` parent -> child messages (the neighbour towards the root). ``A[k, v, w]`` is the weight of
        node ``v``'s features in node ``w``'s output; every non-empty column of a partition sums to 1.
    """
    parents = [int(p) for p in parents]
    v = len(parents)
    adj = np.zeros((3, v, v), dtype=np.float64)
    adj[0] = np.eye(v)
    for child, parent in enumerate(parents):
        if parent < 0:
            continue
        if not 0 <= parent < v:
            raise InvalidParameterError(f"parent index {parent} of node {child} is outside 0..{v - 1}")
        adj[1, child, parent] = 1.0  # the parent receives from its child (away from the root)
        adj[2, parent, child] = 1.0  # the child receives from its parent (towards the root)
    adj /= np.maximum(adj.sum(axis=1, keepdims=True), 1.0)
    return adj.astype(np.float32)


class _STBlock(nn.Module):
    """Graph conv -> norm -> ReLU -> temporal conv -> norm -> (+ residual) -> ReLU."""

    def __init__(
        self, c_in: int, c_out: int, *, stride: int, kernel_size: int, norm: str, dropout: float, n_nodes: int
    ) -> None:
        super().__init__()
        self.c_out = c_out
        # Biases directly before a batch norm are removed by it: their gradient is only rounding noise, which
        # Adam would blow up to full-size steps. Layer norm (over channels) does not remove them.
        bias = norm != "batch"
        self.gcn = nn.Conv2d(c_in, 3 * c_out, kernel_size=1, bias=bias)
        self.norm1 = make_norm(norm, c_out)
        self.tcn = nn.Conv2d(
            c_out, c_out, kernel_size=(kernel_size, 1), stride=(stride, 1), padding=((kernel_size - 1) // 2, 0),
            bias=bias,
        )
        self.norm2 = make_norm(norm, c_out)
        self.importance = nn.Parameter(torch.ones(3, n_nodes, n_nodes))
        self.dropout = nn.Dropout(dropout)
        if c_in == c_out and stride == 1:
            self.residual: nn.Module | None = None
            self.res_norm: nn.Module | None = None
        else:
            self.residual = nn.Conv2d(c_in, c_out, kernel_size=1, stride=(stride, 1), bias=bias)
            self.res_norm = make_norm(norm, c_out)

    def forward(
        self,
        x: torch.Tensor,
        adjacency: torch.Tensor,
        mask: torch.Tensor,
        node_bias: torch.Tensor | None,
        silence_absent: bool,
    ) -> torch.Tensor:
        """Dense path: x (B, C, T, V), mask (B, 1, 1, V) bool."""
        b, _, t, v = x.shape
        h = self.gcn(x)
        if silence_absent:  # absent nodes send nothing (their conv output is only the bias)
            h = h * mask.to(h.dtype)
        h = torch.einsum("bkctv,kvw->bctw", h.view(b, 3, self.c_out, t, v), adjacency * self.importance)
        if node_bias is not None:
            h = h + node_bias
        h = F.relu(self.norm1(h, mask))
        h = self.norm2(self.tcn(h), mask)
        res = x if self.residual is None else self.res_norm(self.residual(x), mask)
        return self.dropout(F.relu(h + res))

    def forward_packed(
        self,
        x: torch.Tensor,
        edges: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
        adjacency: torch.Tensor,
        node_bias: torch.Tensor | None,
    ) -> torch.Tensor:
        """Packed path over present nodes only: x (P, C, T) with one row per (window, present node).

        ``edges`` = (source row, target row, partition, source node, target node), one entry per non-zero
        ``A[k, v, w]`` between two present nodes of the same window (self loops included).
        """
        src, dst, part, v_src, v_dst = edges
        p, _, t = x.shape
        h = F.conv1d(x, self.gcn.weight.squeeze(-1), self.gcn.bias).view(p, 3, self.c_out, t)
        weight = (adjacency * self.importance)[part, v_src, v_dst]  # (E,)
        messages = h[src, part] * weight[:, None, None]
        h = torch.zeros((p, self.c_out, t), dtype=x.dtype, device=x.device).index_add(0, dst, messages)
        if node_bias is not None:
            h = h + node_bias
        h = F.relu(self.norm1(h))
        h = self.norm2(F.conv1d(h, self.tcn.weight.squeeze(-1), self.tcn.bias, self.tcn.stride[0], self.tcn.padding[0]))
        if self.residual is None:
            res = x
        else:
            res = self.res_norm(F.conv1d(x, self.residual.weight.squeeze(-1), self.residual.bias, self.residual.stride[0]))
        return self.dropout(F.relu(h + res))


class GraphEncoder(Encoder):
    """ST-GCN encoder over the 22-node body with node masking.

    Parameters
    ----------
    widths : sequence of int
        Output channels of each spatio-temporal block (depth = number of blocks).
    strides : sequence of int, optional
        Temporal stride of each block; default 2 at the blocks where the width grows (after the first).
    kernel_size : int
        Temporal kernel length in samples (odd).
    embed_dim : int
        Size of the output embedding (a linear projection of the pooled features).
    use_gyro : bool
        Read acc + gyro (6 channels per node); False reads the accelerometer only, as released UniMTS does.
    norm : {"batch", "layer"}
        ``"batch"``: masked, synchronized batch norm on the input and in every block. ``"layer"``: per-position
        layer norm in the blocks and a fixed physical input scale (acc / g, gyro in rad/s) - no statistic
        crosses samples.
    absent : {"zero", "relay"}
        What absent nodes hold between blocks (see the module docstring).
    node_embedding : bool
        Add a learnable per-node vector after the first graph convolution, so that the shared convolution
        weights know *where* on the body a sensor is (a wrist and a thigh see very different signals).
    dropout : float
        Dropout after every block.
    n_nodes : int
        Must be 22 (the canonical body); kept as a parameter for the common encoder contract.

    Notes
    -----
    The default (~1.2 M parameters, widths 48-48-96-96-192-192) trains on a laptop CPU; the released UniMTS
    network is widths 64x4, 128x3, 256x2, 512 (5.2 M parameters) with 3 input channels.
    """

    def __init__(
        self,
        *,
        widths: Sequence[int] = (48, 48, 96, 96, 192, 192),
        strides: Sequence[int] | None = None,
        kernel_size: int = 9,
        embed_dim: int = 384,
        use_gyro: bool = True,
        norm: str = "batch",
        absent: str = "zero",
        node_embedding: bool = True,
        dropout: float = 0.0,
        n_nodes: int = N_NODES,
    ) -> None:
        widths = [int(w) for w in widths]
        if not widths or min(widths) < 1:
            raise InvalidParameterError(f"widths must be a non-empty list of positive integers; received {widths}")
        if strides is None:
            strides = [1] + [2 if widths[i] > widths[i - 1] else 1 for i in range(1, len(widths))]
        strides = [int(s) for s in strides]
        if len(strides) != len(widths) or min(strides) < 1:
            raise InvalidParameterError(
                f"strides must give one positive stride per block ({len(widths)}); received {strides}"
            )
        if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
            raise InvalidParameterError(f"kernel_size must be a positive odd integer; received {kernel_size}")
        if absent not in _ABSENT_MODES:
            raise InvalidParameterError(f"absent must be one of {_ABSENT_MODES}; received {absent!r}")
        if int(n_nodes) != N_NODES:
            raise InvalidParameterError(
                f"GraphEncoder works on the canonical {N_NODES}-node body; received n_nodes={n_nodes}"
            )
        if not 0.0 <= float(dropout) < 1.0:
            raise InvalidParameterError(f"dropout must be in [0, 1); received {dropout}")
        super().__init__(
            n_nodes=n_nodes,
            use_gyro=use_gyro,
            embed_dim=embed_dim,
            widths=widths,
            strides=strides,
            kernel_size=int(kernel_size),
            norm=norm,
            absent=absent,
            node_embedding=bool(node_embedding),
            dropout=float(dropout),
        )
        self.norm_kind, self.absent = norm, absent
        self.register_buffer("adjacency", torch.from_numpy(spatial_adjacency()), persistent=False)
        self.input_norm = make_norm(norm, self.in_channels) if norm == "batch" else None
        self.node_bias = nn.Parameter(torch.zeros(widths[0], 1, N_NODES)) if node_embedding else None
        chans = [self.in_channels] + widths
        self.blocks = nn.ModuleList(
            _STBlock(
                chans[i],
                chans[i + 1],
                stride=strides[i],
                kernel_size=int(kernel_size),
                norm=norm,
                dropout=float(dropout),
                n_nodes=N_NODES,
            )
            for i in range(len(widths))
        )
        self.head = nn.Linear(widths[-1], self.embed_dim)
        #: Use the packed (present nodes only) computation when ``absent="zero"``; not part of the config
        #: because both paths compute the same function (tests compare them).
        self.packed = True

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        return {"widths": (8, 12), "strides": (1, 2), "kernel_size": 3, "embed_dim": 16}

    def forward(self, x: torch.Tensor, node_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Embed windows.

        Parameters
        ----------
        x : Tensor, shape (batch, 22, n_channels, n_samples)
            Acc (m/s^2) then gyro (rad/s) channels per node.
        node_mask : Tensor of bool, shape (batch, 22), optional
            True where a node holds a sensor; None means all present.

        Returns
        -------
        Tensor, shape (batch, embed_dim)
        """
        x, mask = self.prepare_input(x, node_mask)
        if self.absent == "zero" and self.packed:
            return self._forward_packed(x, mask)
        h = x.permute(0, 2, 3, 1)  # (B, C, T, V): nodes last, as ST-GCN lays them out
        m = mask[:, None, None, :]  # (B, 1, 1, V)
        h = self._scale_input(h, m) * m.to(h.dtype)
        silence = self.absent == "zero"
        for i, block in enumerate(self.blocks):
            bias = None if (i > 0 or self.node_bias is None) else self.node_bias[None]
            h = block(h, self.adjacency, m, bias, silence)
            if silence:
                h = h * m.to(h.dtype)
        pooled = masked_mean(h, m, dims=(2, 3))  # (B, C): mean over present nodes and all time steps
        return self.head(pooled)

    def _scale_input(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Input normalization of h (B, C, ...) with channels on dim 1."""
        if self.input_norm is not None:
            return self.input_norm(h, mask)
        scale = h.new_tensor([1.0 / GRAVITY_MS2] * 3 + [1.0] * (self.in_channels - 3))
        return h * scale.view((1, -1) + (1,) * (h.ndim - 2))

    def _forward_packed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Run the network on present nodes only; identical to the dense path with ``absent="zero"``.

        With 1-5 of 22 nodes present this does 4-20x less work than the dense layout. Absent nodes hold
        zeros in the dense path, so they add nothing to any sum and can be left out.
        """
        b_idx, v_idx = mask.nonzero(as_tuple=True)  # rows in window-major order
        h = self._scale_input(x[b_idx, v_idx], None)  # (P, C, T)
        edges = self._present_edges(mask, b_idx, v_idx)
        for i, block in enumerate(self.blocks):
            bias = self.node_bias[:, 0, v_idx].T[:, :, None] if (i == 0 and self.node_bias is not None) else None
            h = block.forward_packed(h, edges, self.adjacency, bias)
        per_row = h.mean(dim=2)  # (P, C): mean over time
        n = mask.shape[0]
        total = torch.zeros((n, per_row.shape[1]), dtype=per_row.dtype, device=per_row.device)
        total = total.index_add(0, b_idx, per_row)
        count = mask.sum(dim=1, keepdim=True).clamp(min=1).to(per_row.dtype)
        return self.head(total / count)

    def _present_edges(
        self, mask: torch.Tensor, b_idx: torch.Tensor, v_idx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Non-zero adjacency entries between present nodes of the same window, as packed row indices."""
        row_of = torch.full(mask.shape, -1, dtype=torch.long, device=mask.device)
        row_of[b_idx, v_idx] = torch.arange(b_idx.numel(), device=mask.device)
        part, v_src, v_dst = (self.adjacency != 0).nonzero(as_tuple=True)  # static graph entries, (G,)
        src = row_of[:, v_src]  # (B, G)
        dst = row_of[:, v_dst]
        keep = (src >= 0) & (dst >= 0)
        g = keep.nonzero(as_tuple=True)[1]
        return src[keep], dst[keep], part[g], v_src[g], v_dst[g]
