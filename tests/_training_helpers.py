"""Tiny contrastive training problem shared by the training-loop and DDP tests (importable by spawned workers)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from imuhar.models import build_encoder
from imuhar.training import ContrastiveLoss


class PairDataset(torch.utils.data.Dataset):
    """Fixed (window, mask, text vector) triples; ``augment`` adds NumPy and torch noise per item."""

    def __init__(self, n: int = 24, t: int = 16, augment: bool = False, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 22, 6, t, generator=g)
        self.mask = torch.rand(n, 22, generator=g) < 0.2
        self.mask[:, 21] = True
        self.text = torch.randn(n, 12, generator=g)
        self.augment = augment

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        x = self.x[i]
        if self.augment:
            x = x + torch.from_numpy(np.random.normal(0, 0.1, size=x.shape).astype(np.float32)) + 0.1 * torch.randn(x.shape)
        return {"x": x, "mask": self.mask[i], "text": self.text[i]}


class PairModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = build_encoder("graph", widths=(6, 8), strides=(1, 2), kernel_size=3, embed_dim=8)
        self.text_proj = nn.Linear(12, 8)
        self.loss = ContrastiveLoss(5.0)


def pair_loss(model: PairModel, batch) -> tuple[torch.Tensor, dict]:
    emb = model.encoder(batch["x"], batch["mask"])
    loss = model.loss(emb, model.text_proj(batch["text"]))
    return loss, {"scale": model.loss.temperature().detach()}
