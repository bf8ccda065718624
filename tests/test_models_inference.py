"""Embedding Windows: node subsets and acc-only windows are laid out for the encoder, batches change nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from imuhar.core import NODE_INDEX, ChannelMismatchError, Windows
from imuhar.models import build_encoder, embed_windows, windows_to_arrays


def _windows(rng, nodes=("right_wrist", "pelvis"), channels=("acc.x", "acc.y", "acc.z", "gyro.x", "gyro.y", "gyro.z")):
    x = rng.normal(size=(7, len(nodes), len(channels), 30)).astype(np.float32)
    order = sorted(nodes, key=NODE_INDEX.get)  # Windows keep canonical order
    return Windows(x=x, node_mask=np.ones((7, len(nodes)), bool), labels=np.zeros(7, int), subjects=np.arange(7),
                   rate_hz=20.0, nodes=tuple(order), channels=channels)  # fmt: skip


def test_subset_windows_expand_to_the_body(rng):
    win = _windows(rng)
    x, mask = windows_to_arrays(win)
    assert x.shape == (7, 22, 6, 30) and mask.sum() == 14
    np.testing.assert_array_equal(x[:, NODE_INDEX["right_wrist"]], win.x[:, list(win.nodes).index("right_wrist")])
    assert mask[:, [NODE_INDEX["pelvis"], NODE_INDEX["right_wrist"]]].all()


def test_embed_windows_matches_forward_and_batching(rng):
    torch.manual_seed(0)
    enc = build_encoder("graph", widths=(6, 8), kernel_size=3, embed_dim=5).train()
    win = _windows(rng)
    got = embed_windows(enc, win, batch_size=3)
    assert enc.training  # mode restored
    x, mask = windows_to_arrays(win)
    with torch.no_grad():
        ref = enc.eval()(torch.from_numpy(x), torch.from_numpy(mask)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_acc_only_windows_get_zero_gyro(rng):
    win = _windows(rng, channels=("acc.x", "acc.y", "acc.z"))
    x, _ = windows_to_arrays(win, in_channels=6)
    assert x.shape[2] == 6 and not x[:, :, 3:].any()
    assert windows_to_arrays(win, in_channels=3)[0].shape[2] == 3
    with pytest.raises(ChannelMismatchError, match="acc then gyro"):
        windows_to_arrays(_windows(rng, channels=("gyro.x", "gyro.y", "gyro.z")))
