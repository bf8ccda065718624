"""The shared training loop: it learns, checkpoints atomically, and a resumed run continues identically."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from _training_helpers import PairDataset, PairModel, pair_loss
from imuhar.core import InvalidParameterError
from imuhar.models import UnsafeWeightsError
from imuhar.training import Trainer, latest_checkpoint, load_checkpoint, seed_everything


def make_model(seed: int = 0) -> PairModel:
    seed_everything(seed)
    return PairModel()


def test_training_reduces_the_contrastive_loss():
    model = make_model()
    trainer = Trainer(epochs=8, batch_size=8, lr=3e-2, warmup_steps=2, verbose=False)
    result = trainer.fit(model, PairDataset(24), pair_loss)
    assert len(result.history) == 8 and result.global_step == 8 * 3
    assert result.history[-1]["loss"] < 0.6 * result.history[0]["loss"]
    assert {"loss", "lr", "grad_norm", "samples_per_s", "scale"} <= set(result.history[0])
    assert not model.training


def test_resume_continues_identically(tmp_path):
    data = PairDataset(24, augment=True)  # NumPy and torch draws inside __getitem__ must resume too
    settings = dict(epochs=3, batch_size=8, lr=1e-2, warmup_steps=2, checkpoint_every_steps=2, verbose=False)
    full = Trainer(checkpoint_dir=tmp_path / "full", **settings).fit(make_model(), data, pair_loss)
    assert len(full.step_losses) == 9

    calls = {"n": 0}

    def crashing_loss(model, batch):
        calls["n"] += 1
        if calls["n"] == 6:  # steps 1-5 run; the last checkpoint is after step 4 (mid-epoch 2)
            raise KeyboardInterrupt
        return pair_loss(model, batch)

    with pytest.raises(KeyboardInterrupt):
        Trainer(checkpoint_dir=tmp_path / "cut", **settings).fit(make_model(), data, crashing_loss)
    ckpt = latest_checkpoint(tmp_path / "cut")
    assert ckpt is not None and ckpt.name == "step-000000004.safetensors"
    info = json.loads(ckpt.with_suffix(".json").read_text())
    assert (info["epoch"], info["step_in_epoch"], info["global_step"]) == (1, 1, 4)

    # a fresh process would build the model with another init; the checkpoint must override it
    resumed = Trainer(checkpoint_dir=tmp_path / "cut", **settings).fit(make_model(seed=99), data, pair_loss)
    assert resumed.resumed_from == ckpt
    assert resumed.global_step == 9
    np.testing.assert_allclose(resumed.step_losses, full.step_losses[4:], rtol=1e-6, atol=1e-7)
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]
    final_full, final_resumed = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "cut")
    for key, value in final_full.model_state.items():
        torch.testing.assert_close(final_resumed.model_state[key], value, rtol=1e-6, atol=1e-7)


def test_checkpoint_files_are_safetensors_plus_json(tmp_path):
    trainer = Trainer(epochs=2, batch_size=8, checkpoint_dir=tmp_path, keep_checkpoints=1, verbose=False,
                      config={"encoder": "graph"})  # fmt: skip
    trainer.fit(make_model(), PairDataset(16), pair_loss)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["latest.json", "step-000000004.json", "step-000000004.safetensors"]
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.info["config"] == {"encoder": "graph"} and ckpt.info["settings"]["batch_size"] == 8
    assert ckpt.optimizer_state["state"] and len(ckpt.rng_states) == 1
    assert any(k.startswith("encoder.") for k in ckpt.model_state)
    # a pickled checkpoint under the expected name is refused, not unpickled
    torch.save({"a": torch.zeros(1)}, tmp_path / "step-000000004.safetensors")
    with pytest.raises(UnsafeWeightsError):
        load_checkpoint(tmp_path)


def test_trainer_validates_its_settings():
    with pytest.raises(InvalidParameterError, match="schedule"):
        Trainer(epochs=1, batch_size=2, schedule="step")
    with pytest.raises(InvalidParameterError, match="fewer than one batch"):
        Trainer(epochs=1, batch_size=64, verbose=False).fit(make_model(), PairDataset(8), pair_loss)

    def nan_loss(model, batch):
        return pair_loss(model, batch)[0] * float("nan")

    with pytest.raises(FloatingPointError, match="lower lr"):
        Trainer(epochs=1, batch_size=8, verbose=False).fit(make_model(), PairDataset(8), nan_loss)


def test_datasets_with_set_epoch_are_told_the_epoch(tmp_path):
    class EpochData(PairDataset):
        def __init__(self):
            super().__init__(16)
            self.calls = []

        def set_epoch(self, epoch):
            self.calls.append(epoch)

    data = EpochData()
    Trainer(epochs=2, batch_size=8, checkpoint_dir=tmp_path, verbose=False).fit(make_model(), data, pair_loss)
    assert data.calls == [0, 1]
    resumed = EpochData()
    Trainer(epochs=3, batch_size=8, checkpoint_dir=tmp_path, verbose=False).fit(make_model(), resumed, pair_loss)
    assert resumed.calls == [2]
