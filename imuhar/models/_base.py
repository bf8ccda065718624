"""The encoder contract: ``(x, node_mask) -> embedding``, shared input checks and configuration capture."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from imuhar.core import ChannelMismatchError, InvalidParameterError, ShapeMismatchError

__all__ = ["Encoder"]

#: Physical input scale used where no batch statistic normalizes the input (``norm="layer"``):
#: accelerometer channels in units of g, gyroscope channels in rad/s (already of order one).
GRAVITY_MS2 = 9.80665


class Encoder(nn.Module):
    """Base class of every IMU encoder in the registry.

    An encoder maps a batch of windows over body nodes to one embedding per window:

    ``forward(x, node_mask) -> (batch, embed_dim)`` with ``x`` of shape (batch, n_nodes, n_channels, n_samples),
    float, accelerometer channels first (m/s^2, gravity included) then gyroscope (rad/s), and ``node_mask`` of
    shape (batch, n_nodes), bool, True where a node holds a sensor. Absent nodes are zeroed on entry, so their
    values never reach the output.

    Subclasses call ``super().__init__(**params)`` with *all* their constructor arguments: they are kept in
    :attr:`config` so that :func:`imuhar.models.load_weights` can rebuild the model from its JSON file.
    """

    #: Name under which the class is registered (set by :func:`imuhar.models.register_encoder`).
    registry_name: ClassVar[str] = ""

    def __init__(self, *, n_nodes: int, use_gyro: bool, embed_dim: int, **params: Any) -> None:
        super().__init__()
        if int(n_nodes) < 1:
            raise InvalidParameterError(f"n_nodes must be a positive integer; received {n_nodes!r}")
        if int(embed_dim) < 1:
            raise InvalidParameterError(f"embed_dim must be a positive integer; received {embed_dim!r}")
        self.n_nodes = int(n_nodes)
        self.use_gyro = bool(use_gyro)
        self.embed_dim = int(embed_dim)
        self.config: dict[str, Any] = {"n_nodes": self.n_nodes, "use_gyro": self.use_gyro, "embed_dim": self.embed_dim}
        self.config.update(params)

    @property
    def in_channels(self) -> int:
        """Channels read per node: 6 (acc + gyro) or 3 (acc only)."""
        return 6 if self.use_gyro else 3

    @classmethod
    def _test_params(cls) -> dict[str, Any]:
        """Tiny constructor arguments for fast conformance tests."""
        raise NotImplementedError(f"{cls.__name__} does not define _test_params()")

    def n_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def prepare_input(
        self, x: torch.Tensor, node_mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Validate, select the channels this encoder reads and zero absent nodes.

        Parameters
        ----------
        x : Tensor, shape (batch, n_nodes, n_channels, n_samples)
        node_mask : Tensor of bool, shape (batch, n_nodes), or None for all nodes present

        Returns
        -------
        x : Tensor, shape (batch, n_nodes, in_channels, n_samples), float32, zero at absent nodes
        mask : Tensor of bool, shape (batch, n_nodes)
        """
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x)
        if x.ndim != 4 or x.shape[1] != self.n_nodes:
            raise ShapeMismatchError(
                f"{type(self).__name__} expects x of shape (batch, {self.n_nodes} nodes, channels, samples); "
                f"received shape {tuple(x.shape)}. Build inputs with imuhar.core.Windows (x is (W, N, C, T))."
            )
        if x.shape[2] < self.in_channels:
            raise ChannelMismatchError(
                f"{type(self).__name__} reads {self.in_channels} channels per node "
                f"({'acc x/y/z + gyro x/y/z' if self.use_gyro else 'acc x/y/z'}); received {x.shape[2]}. "
                "Pass windows with gyroscope channels (zeros where a dataset has none) or build the encoder "
                "with use_gyro=False."
            )
        if x.shape[0] == 0 or x.shape[3] == 0:
            raise ShapeMismatchError(f"x must hold at least one window and one sample; received {tuple(x.shape)}")
        x = x[:, :, : self.in_channels].float()
        if node_mask is None:
            mask = torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        else:
            mask = torch.as_tensor(node_mask, device=x.device)
            if mask.shape != x.shape[:2]:
                raise ShapeMismatchError(
                    f"node_mask must have shape (batch, n_nodes) = {tuple(x.shape[:2])}; received {tuple(mask.shape)}"
                )
            mask = mask.bool()
        # torch.where (not multiplication) so that NaN/inf in an absent node cannot reach the output either.
        x = torch.where(mask[:, :, None, None], x, torch.zeros((), dtype=x.dtype, device=x.device))
        return x, mask

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config.items())
