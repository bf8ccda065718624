"""Fine-tuning an encoder with a linear head on a few labelled windows (pretrained or from scratch)."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ...core import Windows

__all__ = ["finetune_fit_predict"]


def _arrays(w: Windows) -> tuple[torch.Tensor, torch.Tensor]:
    from ...models import windows_to_arrays

    x, mask = windows_to_arrays(w, in_channels=6)
    return torch.from_numpy(x), torch.from_numpy(mask)


def finetune_fit_predict(
    train: Windows,
    test: Windows,
    n_classes: int,
    *,
    encoder_name: str,
    encoder_params: Mapping[str, Any],
    init_state: Mapping[str, torch.Tensor] | None = None,
    steps: int = 60,
    lr: float = 1e-3,
    batch_size: int = 32,
    rotate: bool = True,
) -> Callable[[np.ndarray, int], np.ndarray]:
    """A ``fit_predict(train_indices, seed) -> test scores`` for :func:`imuhar.evaluation.run_few_shot`.

    Every call builds the encoder (from ``init_state`` when given, else randomly initialized, so the two are
    compared under one recipe), adds a linear head and trains both with cross-entropy for a fixed number of
    optimizer steps (no model selection at all), with per-node random rotations of the labelled windows when
    ``rotate``. Returns softmax probabilities of the test windows, shape (n_test, n_classes).
    """
    from ...augment import random_rotation_matrices
    from ...models import build_encoder

    x_train, m_train = _arrays(train)
    y_train = torch.from_numpy(train.labels.astype(np.int64))
    x_test, m_test = _arrays(test)

    def fit_predict(idx: np.ndarray, seed: int) -> np.ndarray:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        enc = build_encoder(encoder_name, **dict(encoder_params))
        if init_state is not None:
            enc.load_state_dict(init_state)
        head = nn.Linear(enc.embed_dim, n_classes)
        params = list(enc.parameters()) + list(head.parameters())
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        xi, mi, yi = x_train[idx], m_train[idx], y_train[idx]
        enc.train()
        for _ in range(steps):
            b = rng.choice(len(idx), size=min(batch_size, len(idx)), replace=False)
            xb = xi[b]
            if rotate:
                R = torch.from_numpy(random_rotation_matrices((len(b), xb.shape[1]), rng)).float()
                xb = torch.cat([torch.einsum("bnij,bnjt->bnit", R, xb[:, :, 0:3]),
                                torch.einsum("bnij,bnjt->bnit", R, xb[:, :, 3:6])], dim=2)
            loss = F.cross_entropy(head(enc(xb, mi[b])), yi[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        enc.eval()
        out = []
        with torch.no_grad():
            for s in range(0, len(x_test), 256):
                out.append(F.softmax(head(enc(x_test[s : s + 256], m_test[s : s + 256])), dim=-1).numpy())
        return np.concatenate(out)

    return fit_predict
