"""The text-aligned IMU model: an encoder over the 22-node body projected into a frozen text space."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ...core import NODES, Windows

__all__ = ["TextAlignedIMU", "PROTOCOL_RATE_HZ", "PROTOCOL_N_SAMPLES"]

#: The UniMTS input protocol: 20 Hz, 10 s windows.
PROTOCOL_RATE_HZ = 20.0
PROTOCOL_N_SAMPLES = 200


class TextAlignedIMU(nn.Module):
    """An IMU encoder whose embeddings live in a text encoder's space, plus a learnable temperature.

    Parameters
    ----------
    encoder : imuhar.models.Encoder
        Maps (batch, 22, channels, samples) + node mask to (batch, text_dim).
    text_model : str
        Identifier of the text encoder the embeddings align with (stored with the weights).
    init_scale : float
        Initial inverse temperature of the contrastive loss.
    """

    def __init__(self, encoder: nn.Module, *, text_model: str = "", init_scale: float = 1 / 0.07) -> None:
        super().__init__()
        from ...training import LearnableTemperature

        self.encoder = encoder
        self.temperature = LearnableTemperature(init_scale)
        self.text_model = text_model

    @property
    def embed_dim(self) -> int:
        return int(self.encoder.embed_dim)

    def forward(self, x: torch.Tensor, node_mask: torch.Tensor) -> torch.Tensor:
        """Unit-norm embeddings, shape (batch, embed_dim)."""
        return F.normalize(self.encoder(x, node_mask), dim=-1)

    @torch.no_grad()
    def embed_windows(self, windows: Windows, *, batch_size: int = 256) -> np.ndarray:
        """Embed windows at the protocol rate; nodes are expanded to the canonical 22.

        Returns
        -------
        ndarray, shape (n_windows, embed_dim), float32, unit-norm rows
        """
        from ...models import windows_to_arrays

        # one shared conversion: canonical 22 nodes, acc then gyro, zero gyro for acc-only data
        x, node_mask = windows_to_arrays(windows, in_channels=6)
        cmask = windows.channel_mask
        if cmask is not None and cmask.shape[1] >= 6 and not cmask[:, 3:6].all():
            x = x.copy()
            x[:, :, 3:6] *= cmask[:, None, 3:6, None]
        was_training = self.training
        self.eval()
        out = []
        for s in range(0, len(x), batch_size):
            xb = torch.from_numpy(x[s : s + batch_size])
            mb = torch.from_numpy(node_mask[s : s + batch_size])
            out.append(self(xb, mb).numpy())
        self.train(was_training)
        return np.concatenate(out) if out else np.zeros((0, self.embed_dim), dtype=np.float32)

    # ------------------------------------------------------------------ weights
    def save(self, path: str | Path, *, config: Mapping[str, Any] | None = None, metrics: Mapping[str, Any] | None = None) -> Path:
        """Safetensors weights + JSON config (encoder spec, text model, temperature, protocol)."""
        from ...models import save_weights

        cfg = dict(config or {})
        cfg.update(
            text_model=self.text_model,
            logit_scale=float(self.temperature().detach()),
            protocol={"rate_hz": PROTOCOL_RATE_HZ, "n_samples": PROTOCOL_N_SAMPLES, "nodes": list(NODES)},
        )
        return save_weights(self.encoder, path, config=cfg, metrics=dict(metrics or {}))

    @classmethod
    def load(cls, path: str | Path) -> "TextAlignedIMU":
        """Rebuild from :meth:`save` output (safetensors only; anything else is refused)."""
        from ...models import load_weights, read_weights_config

        encoder = load_weights(path)
        cfg = read_weights_config(path)
        extra = cfg.get("config", cfg)
        model = cls(encoder, text_model=str(extra.get("text_model", "")), init_scale=float(extra.get("logit_scale", 1 / 0.07)))
        model.eval()
        return model
