"""Contrastive losses: symmetric InfoNCE between paired embeddings with a learnable temperature.

Differences from the released UniMTS code, on purpose: the loss is symmetric (IMU -> text and text -> IMU,
as CLIP; UniMTS uses IMU -> text only), and the inverse temperature is one learnable scalar clamped to at most
100 (UniMTS multiplies CLIP's learnable scale by a further fixed 1/0.1, an effective inverse temperature near
1000 at initialization, which saturates the softmax).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from imuhar.core import InvalidParameterError, ShapeMismatchError
from imuhar.models._dist import all_gather_cat, rank

__all__ = ["info_nce", "LearnableTemperature", "ContrastiveLoss"]


def info_nce(
    a: torch.Tensor,
    b: torch.Tensor,
    scale: torch.Tensor | float,
    *,
    symmetric: bool = True,
    gather: bool = True,
) -> torch.Tensor:
    """InfoNCE between row-paired embeddings, with in-batch negatives.

    Parameters
    ----------
    a, b : Tensor, shape (n, dim)
        Row ``i`` of ``a`` and row ``i`` of ``b`` are a positive pair (e.g. an IMU window and its caption);
        every other row of the other side is a negative. Rows are L2-normalized here, so logits are cosine
        similarities times ``scale``.
    scale : Tensor or float
        Inverse temperature (> 0), e.g. from :class:`LearnableTemperature`.
    symmetric : bool
        Average the ``a -> b`` and ``b -> a`` cross-entropies (CLIP); False keeps ``a -> b`` only (UniMTS).
    gather : bool
        Under ``torch.distributed``, compare local rows against the rows of *every* rank (differentiably), so
        that N processes with n rows each compute the loss of one process with N * n rows. Requires the same
        n on every rank.

    Returns
    -------
    Tensor, scalar
        Mean cross-entropy over this rank's rows.
    """
    if a.ndim != 2 or a.shape != b.shape:
        raise ShapeMismatchError(f"a and b must both have shape (n, dim); received {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[0] == 0:
        raise ShapeMismatchError("info_nce needs at least one pair")
    a = F.normalize(a, dim=-1)
    b = F.normalize(b, dim=-1)
    n = a.shape[0]
    a_all = all_gather_cat(a) if gather else a
    b_all = all_gather_cat(b) if gather else b
    offset = rank() * n if a_all.shape[0] > n else 0
    targets = torch.arange(offset, offset + n, device=a.device)
    loss = F.cross_entropy(scale * (a @ b_all.T), targets)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(scale * (b @ a_all.T), targets))
    return loss


class LearnableTemperature(nn.Module):
    """A learnable inverse temperature ``exp(log_scale)``, clamped to ``[min_scale, max_scale]``.

    Parameters
    ----------
    init : float
        Initial inverse temperature (CLIP: 1 / 0.07 = 14.3).
    max_scale : float
        Upper clamp (CLIP: 100), which keeps the softmax from saturating.
    min_scale : float
        Lower clamp.
    """

    def __init__(self, init: float = 1 / 0.07, *, max_scale: float = 100.0, min_scale: float = 1.0) -> None:
        super().__init__()
        if not 0 < min_scale <= init <= max_scale:
            raise InvalidParameterError(
                f"need 0 < min_scale <= init <= max_scale; received min_scale={min_scale}, init={init}, "
                f"max_scale={max_scale}"
            )
        self.log_scale = nn.Parameter(torch.tensor(math.log(init), dtype=torch.float32))
        self.log_min, self.log_max = math.log(min_scale), math.log(max_scale)

    def forward(self) -> torch.Tensor:
        """The current inverse temperature, a scalar tensor."""
        return self.log_scale.clamp(self.log_min, self.log_max).exp()


class ContrastiveLoss(nn.Module):
    """Symmetric InfoNCE with its own learnable temperature: ``loss = ContrastiveLoss()(imu_emb, text_emb)``."""

    def __init__(self, init_scale: float = 1 / 0.07, *, max_scale: float = 100.0, symmetric: bool = True) -> None:
        super().__init__()
        self.temperature = LearnableTemperature(init_scale, max_scale=max_scale)
        self.symmetric = symmetric

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return info_nce(a, b, self.temperature(), symmetric=self.symmetric)
