"""The IMU student: any imuhar encoder plus a projection head that only lives during distillation."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from imuhar.core import InvalidParameterError

__all__ = ["ProjectionHead", "DistillationStudent", "build_student"]


class ProjectionHead(nn.Sequential):
    """COMODO's student head: ``Linear(in -> hidden) -> BatchNorm1d -> GELU -> Linear(hidden -> out)``.

    Parameters
    ----------
    in_dim : int
        Backbone embedding size.
    hidden_dim : int
        Hidden width (2048 in the paper).
    out_dim : int
        Output size; must equal the teacher's embedding size.
    """

    def __init__(self, in_dim: int, *, hidden_dim: int = 2048, out_dim: int = 128) -> None:
        for name, value in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
            if int(value) < 1:
                raise InvalidParameterError(f"{name} must be a positive integer; received {value!r}")
        super().__init__(
            nn.Linear(int(in_dim), int(hidden_dim)),
            nn.BatchNorm1d(int(hidden_dim)),
            nn.GELU(),
            nn.Linear(int(hidden_dim), int(out_dim)),
        )


class DistillationStudent(nn.Module):
    """Backbone encoder + projection head; after training only :attr:`backbone` is kept.

    Parameters
    ----------
    backbone : imuhar.models.Encoder
        Maps (batch, n_nodes, n_channels, n_samples) and a node mask to (batch, embed_dim).
    head : nn.Module
        Maps the backbone embedding to the teacher's space.
    """

    def __init__(self, backbone: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x: torch.Tensor, node_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Projections, shape (batch, head output size)."""
        return self.head(self.backbone(x, node_mask))


def build_student(
    encoder: str,
    *,
    n_nodes: int,
    out_dim: int,
    encoder_params: dict[str, Any] | None = None,
    head_hidden_dim: int = 2048,
    seed: int = 0,
) -> DistillationStudent:
    """A student from the encoder registry, initialized under ``seed`` (the global torch state is untouched).

    Parameters
    ----------
    encoder : str
        Registry name (:func:`imuhar.models.list_encoders`), e.g. ``"cnn"`` or ``"graph"``.
    n_nodes : int
        Nodes along axis 1 of the windows (the graph encoder needs the canonical 22).
    out_dim : int
        Teacher embedding size.
    encoder_params : dict, optional
        Extra keyword arguments of the encoder.
    head_hidden_dim : int
        Hidden width of the projection head.
    seed : int
        Seeds the initialization.
    """
    from imuhar.models import build_encoder

    params = dict(encoder_params or {})
    params.setdefault("n_nodes", int(n_nodes))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        backbone = build_encoder(encoder, **params)
        head = ProjectionHead(backbone.embed_dim, hidden_dim=head_hidden_dim, out_dim=out_dim)
    return DistillationStudent(backbone, head)
