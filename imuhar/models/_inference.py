"""Run an encoder over :class:`~imuhar.core.Windows`: layout to the encoder's nodes and channels, batch, no grad."""

from __future__ import annotations

import logging

import numpy as np
import torch

from imuhar.core import DEFAULT_CHANNELS, N_NODES, ChannelMismatchError, Windows

from ._base import Encoder

__all__ = ["windows_to_arrays", "embed_windows"]

log = logging.getLogger(__name__)


def windows_to_arrays(windows: Windows, in_channels: int = 6, n_nodes: int = N_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Arrays an encoder reads: ``x`` (W, n_nodes, in_channels, T) float32 and ``node_mask`` (W, n_nodes) bool.

    Windows over a subset of the body are expanded to the 22 canonical nodes (zeros, masked out) when the
    encoder reads the whole body. Accelerometer-only windows (channels ``acc.x, acc.y, acc.z``) get zero
    gyroscope channels for a 6-channel encoder, as UniMTS does for acc-only benchmarks; prefer an encoder built
    with ``use_gyro=False`` for such data.

    Raises
    ------
    ChannelMismatchError
        If the channels are not acc x/y/z (then gyro x/y/z) in that order.
    """
    if n_nodes == N_NODES:
        windows = windows.to_canonical()
    expected = DEFAULT_CHANNELS[: max(3, min(len(windows.channels), 6))]
    if tuple(windows.channels[: len(expected)]) != expected:
        raise ChannelMismatchError(
            f"encoders read channels {list(DEFAULT_CHANNELS)} (acc then gyro) in this order; the windows hold "
            f"{list(windows.channels)}. Reorder them (or keep acc only) before embedding."
        )
    x = windows.x[:, :, : min(in_channels, windows.n_channels)]
    if x.shape[2] < in_channels:
        log.info("windows carry no gyroscope; feeding zeros to the encoder's %d gyro channels", in_channels - x.shape[2])
        pad = np.zeros(x.shape[:2] + (in_channels - x.shape[2], x.shape[3]), dtype=np.float32)
        x = np.concatenate([x, pad], axis=2)
    return np.ascontiguousarray(x, dtype=np.float32), np.asarray(windows.node_mask, dtype=bool)


def embed_windows(
    encoder: Encoder,
    windows: Windows,
    *,
    batch_size: int = 256,
    device: str | torch.device = "cpu",
    verbose: bool = False,
) -> np.ndarray:
    """Embeddings of every window, shape (n_windows, embed_dim), float32, computed in eval mode without grad.

    The encoder is left in the mode it was in.
    """
    x, mask = windows_to_arrays(windows, encoder.in_channels, encoder.n_nodes)
    out = np.empty((len(x), encoder.embed_dim), dtype=np.float32)
    was_training = encoder.training
    encoder.eval()
    starts = range(0, len(x), int(batch_size))
    if verbose and len(x) > batch_size:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="embedding windows", unit="batch")
    try:
        with torch.inference_mode():
            for s in starts:
                xb = torch.from_numpy(x[s : s + batch_size]).to(device)
                mb = torch.from_numpy(mask[s : s + batch_size]).to(device)
                out[s : s + len(xb)] = encoder(xb, mb).float().cpu().numpy()
    finally:
        encoder.train(was_training)
    return out
