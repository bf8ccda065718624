"""Weights files: safetensors + JSON beside, atomic writes, and refusal of anything pickled."""

from __future__ import annotations

import json

import pytest
import torch

from imuhar.core import ChecksumError, DataFormatError, DataNotFoundError, InvalidParameterError
from imuhar.models import (
    UnsafeWeightsError,
    build_encoder,
    load_tensors,
    load_weights,
    read_weights_config,
    save_tensors,
    save_weights,
)


def tiny():
    torch.manual_seed(0)
    return build_encoder("cnn", widths=(4,), kernel_size=3, embed_dim=5)


def test_json_beside_weights_records_config_metrics_and_fingerprint(tmp_path):
    model = tiny()
    path = save_weights(
        model, tmp_path / "sub" / "enc", config={"trained_on": "mocap"}, metrics={"acc": 1.5}, fingerprint="f0"
    )
    assert path.name == "enc.safetensors" and path.is_file()
    record = json.loads((tmp_path / "sub" / "enc.json").read_text())
    assert record["encoder"] == "cnn" and record["params"]["widths"] == [4]
    assert record["config"] == {"trained_on": "mocap"} and record["metrics"] == {"acc": 1.5}
    assert record["fingerprint"] == "f0" and len(record["sha256"]) == 64
    assert read_weights_config(path) == record
    assert not list((tmp_path / "sub").glob("*.part")), "temporary files must be renamed or removed"


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_pickled_checkpoint_is_refused(tmp_path, suffix):
    model = tiny()
    bad = tmp_path / f"model{suffix}"
    torch.save(model.state_dict(), bad)  # a zip of pickles, even when named .safetensors
    (tmp_path / "model.json").write_text(json.dumps({"format": "imuhar-weights", "encoder": "cnn", "params": {}}))
    with pytest.raises(UnsafeWeightsError, match="safetensors"):
        load_weights(bad)
    with pytest.raises(UnsafeWeightsError):
        load_tensors(bad)
    assert issubclass(UnsafeWeightsError, DataFormatError)


def test_raw_pickle_and_garbage_are_refused(tmp_path):
    import pickle

    raw = tmp_path / "w.safetensors"
    raw.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(UnsafeWeightsError, match="pickle"):
        load_tensors(raw)
    raw.write_bytes(b"abc")
    with pytest.raises(UnsafeWeightsError, match="too short"):
        load_tensors(raw)
    with pytest.raises(DataNotFoundError):
        load_tensors(tmp_path / "missing.safetensors")


def test_checksum_and_missing_config(tmp_path):
    path = save_weights(tiny(), tmp_path / "a.safetensors")
    other = build_encoder("cnn", widths=(4,), kernel_size=3, embed_dim=5)
    save_tensors(other.state_dict(), path)  # replace the tensors behind the JSON's back
    with pytest.raises(ChecksumError):
        load_weights(path)
    load_weights(path, verify=False)
    (tmp_path / "a.json").unlink()
    with pytest.raises(DataNotFoundError, match="JSON"):
        load_weights(path)


def test_unregistered_models_need_a_config(tmp_path):
    with pytest.raises(InvalidParameterError, match="registered"):
        save_weights(torch.nn.Linear(2, 2), tmp_path / "lin.safetensors")


def test_tensors_round_trip_with_metadata_and_shared_storage(tmp_path):
    base = torch.arange(6.0)
    tensors = {"a": base, "b": base.view(2, 3), "c": base[::2], "step": torch.tensor(3.0)}
    path = save_tensors(tensors, tmp_path / "t.safetensors", metadata={"k": "v"})
    loaded, meta = load_tensors(path)
    assert meta == {"k": "v"}
    for key, value in tensors.items():
        torch.testing.assert_close(loaded[key], value)
