"""Contrastive pretraining pieces: the caption loss, the sample recipe, a tiny end-to-end run, zero-shot scoring."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from imuhar.core import N_NODES, UnknownPlacementError  # noqa: F401
from imuhar.methods.unimts import (
    CaptionBank,
    PretrainConfig,
    PretrainCorpus,
    PretrainPairs,
    TextAlignedIMU,
    caption_infonce,
    pretrain,
    zero_shot_scores,
)
from imuhar.methods.unimts._corpus import CorpusTake


class HashTextEncoder:
    """A deterministic stand-in for a sentence model: texts -> fixed random unit vectors (dim 16)."""

    model_id = "hash-16"
    dim = 16

    def encode(self, texts):
        out = []
        for t in [texts] if isinstance(texts, str) else texts:
            v = np.random.default_rng(abs(hash(t)) % (2**32)).normal(size=self.dim)
            out.append(v / np.linalg.norm(v))
        return np.asarray(out, dtype=np.float32)

    def class_embeddings(self, vocabulary, templates=None):
        return self.encode(list(getattr(vocabulary, "names", vocabulary)))


def _corpus(rng: np.random.Generator) -> PretrainCorpus:
    takes = []
    for i, cap in enumerate(["a person walks forward", "a person sits still", "someone waves the right hand"]):
        n = 150 + 60 * i  # one take shorter than the 200-sample protocol: it must be tiled
        t = np.arange(n) / 20.0
        acc = np.zeros((n, N_NODES, 3), dtype=np.float32)
        acc[..., 2] = 9.81
        acc[..., 0] += np.sin(2 * np.pi * (i + 1) * t)[:, None]
        gyro = np.zeros((n, N_NODES, 3), dtype=np.float32)
        gyro[..., 1] = 0.5 * np.cos(2 * np.pi * (i + 1) * t)[:, None]
        takes.append(CorpusTake(acc, gyro, (cap,), "test", f"take{i}"))
    return PretrainCorpus.from_takes(takes, 20.0)


def test_caption_infonce_matches_a_hand_computed_example():
    imu = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    bank = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    scale = torch.tensor(2.0)
    loss = caption_infonce(imu, torch.tensor([0, 1]), torch.tensor([0, 1]), bank, scale)
    # row 0: logits (2*1, 2*0.6); row 1: logits (2*0, 2*0.8); targets 0 and 1
    expected = 0.5 * (
        -2.0 + math.log(math.exp(2.0) + math.exp(1.2)) + -1.6 + math.log(math.exp(0.0) + math.exp(1.6))
    )
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_identical_captions_are_one_target_and_same_take_captions_no_negative():
    imu = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    bank = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    scale = torch.tensor(3.0)
    # rows 0 and 1 drew the same caption (two takes of one activity): a single column, not each other's negative
    dup = caption_infonce(imu, torch.tensor([0, 0, 1]), torch.tensor([0, 1, 2]), bank, scale)
    single = caption_infonce(imu[[0, 2]], torch.tensor([0, 1]), torch.tensor([0, 2]), bank, scale)
    assert float(dup) == pytest.approx(float(single), rel=1e-6)
    # rows 0 and 1 are one take with two captions (0 and 2): caption 2 is not a negative of row 0
    masked = caption_infonce(imu[:2], torch.tensor([0, 2]), torch.tensor([5, 5]), bank, scale)
    assert float(masked) == pytest.approx(0.0, abs=1e-6)


def test_samples_follow_the_recipe(rng):
    corpus = _corpus(rng)
    bank = CaptionBank(corpus, HashTextEncoder())
    assert len(bank) > 3  # paraphrases were added
    cfg = PretrainConfig(noise="ideal", amplitude_jitter=0.0, samples_per_epoch=64, min_nodes=1, max_nodes=5)
    ds = PretrainPairs(corpus, bank, cfg)
    plain = PretrainPairs(corpus, bank, PretrainConfig(noise="ideal", amplitude_jitter=0.0, rotate=False, samples_per_epoch=64))
    for i in range(20):
        item, ref = ds.draw(i), plain.draw(i)
        k = item["node_mask"].sum()
        assert 1 <= k <= 5 and item["x"].shape == (N_NODES, 6, 200)
        assert not item["x"][~item["node_mask"]].any()  # absent nodes hold nothing
        assert int(item["text"]) in bank.variants[item["take"]]
        x, y = item["x"][item["node_mask"]], ref["x"][ref["node_mask"]]
        # a rotation keeps each sensor's |acc|, |gyro| and the angle between them
        np.testing.assert_allclose(np.linalg.norm(x[:, :3], axis=1), np.linalg.norm(y[:, :3], axis=1), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(x[:, 3:], axis=1), np.linalg.norm(y[:, 3:], axis=1), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose((x[:, :3] * x[:, 3:]).sum(1), (y[:, :3] * y[:, 3:]).sum(1), rtol=1e-4, atol=1e-4)
    a, b = ds.draw(3), ds.draw(3)
    np.testing.assert_array_equal(a["x"], b["x"])  # seeded by (seed, epoch, index)
    ds.set_epoch(1)
    assert not np.array_equal(ds.draw(3)["x"], a["x"])


def test_tiny_pretraining_round_trip_and_zero_shot(tmp_path, rng):
    corpus = _corpus(rng)
    cfg = PretrainConfig(
        samples_per_epoch=32, epochs=2, batch_size=16, warmup_steps=0, noise="consumer_phone",
        encoder_params={"widths": [8, 16], "strides": [4, 2], "norm": "layer"},
    )
    model = pretrain(corpus, HashTextEncoder(), cfg, out=tmp_path / "m.safetensors", verbose=False)
    again = TextAlignedIMU.load(tmp_path / "m.safetensors")
    assert again.text_model == "hash-16"
    from imuhar.testing import make_windows

    w = make_windows(n_windows=6, n_samples=200, rate_hz=20.0, present=("right_wrist",))
    e1, e2 = model.embed_windows(w), again.embed_windows(w)
    np.testing.assert_allclose(e1, e2, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(e1, axis=1), 1.0, atol=1e-5)
    scores = zero_shot_scores(again, w, HashTextEncoder().encode(["a", "b", "c"]))
    assert scores.shape == (6, 3) and np.all(np.abs(scores) <= 1 + 1e-5)
    (tmp_path / "bad.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(Exception, match="safetensors"):
        TextAlignedIMU.load(tmp_path / "bad.safetensors")
