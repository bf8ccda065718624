"""Checks every registered encoder (and the main variants) must pass: shape, masking, gradients, seeding, I/O."""

from __future__ import annotations

import math

import pytest
import torch

from imuhar.core import ChannelMismatchError, InvalidParameterError, ShapeMismatchError
from imuhar.models import build_encoder, get_encoder_class, list_encoders, load_weights, save_weights

VARIANTS = [(name, {}) for name in list_encoders()] + [
    ("graph", {"absent": "relay"}),
    ("graph", {"norm": "layer"}),
    ("graph", {"use_gyro": False}),
    ("graph", {"node_embedding": False, "dropout": 0.1}),
    ("cnn", {"norm": "layer", "use_gyro": False}),
]


IDS = [name + "".join(f"-{k}={v}" for k, v in extra.items()) for name, extra in VARIANTS]


def make(name: str, extra: dict, seed: int = 0):
    torch.manual_seed(seed)
    params = {**get_encoder_class(name)._test_params(), **extra}
    return build_encoder(name, **params)


def batch(seed: int = 0, b: int = 5, t: int = 24):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, 22, 6, t, generator=g) * 3.0
    x[:, :, :3] += torch.tensor([0.0, 0.0, 9.81])[None, None, :, None]
    mask = torch.zeros(b, 22, dtype=torch.bool)
    mask[0, [21]] = True
    mask[1, [0, 3, 21]] = True  # pelvis - spine1 are adjacent, the wrist is far away
    mask[2, [1, 4, 7, 10, 20]] = True
    mask[3:, [2, 5, 9, 19]] = True
    return x, mask


def test_registry_lists_the_encoders():
    assert {"graph", "cnn", "resnet1d", "mobilenet1d"} <= set(list_encoders())
    assert "graph" in list_encoders(tag="graph") and "graph" not in list_encoders(tag="conv1d")
    with pytest.raises(InvalidParameterError, match="registered encoders"):
        build_encoder("transformer9000")
    with pytest.raises(InvalidParameterError, match="does not accept"):
        build_encoder("graph", widthz=(4,))


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_output_shape_and_finite(name, extra):
    model = make(name, extra)
    x, mask = batch()
    for train in (True, False):
        model.train(train)
        out = model(x, mask)
        assert out.shape == (x.shape[0], model.embed_dim)
        assert torch.isfinite(out).all()


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_absent_node_data_changes_nothing(name, extra, train):
    model = make(name, extra).train(train)
    if train:  # dropout would differ between calls; masking is what is under test
        for mod in model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = 0.0
    x, mask = batch()
    ref = model(x, mask)
    x2 = x.clone()
    x2[~mask] = torch.randn_like(x2[~mask]) * 100.0
    x2[0, 5, 2, 3] = float("nan")  # even a NaN in an absent node must not reach the output
    assert not mask[0, 5]
    torch.testing.assert_close(model(x2, mask), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_present_node_data_matters(name, extra):
    model = make(name, extra).eval()
    x, mask = batch()
    x2 = x.clone()
    x2[0, 21] *= -2.0
    out, out2 = model(x, mask), model(x2, mask)
    assert not torch.allclose(out[0], out2[0])
    torch.testing.assert_close(out[1:], out2[1:])  # eval mode: windows do not see each other


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_gradients_reach_every_parameter(name, extra):
    model = make(name, extra).train()
    x, mask = batch()
    model(x, mask).pow(2).sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, f"no gradient reaches {pname}"


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_deterministic_under_seed(name, extra):
    a, b, c = make(name, extra, seed=3), make(name, extra, seed=3), make(name, extra, seed=4)
    x, mask = batch()
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    a.eval(), b.eval(), c.eval()
    torch.testing.assert_close(a(x, mask), b(x, mask), rtol=0, atol=0)
    assert not torch.allclose(a(x, mask), c(x, mask))


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_weights_round_trip(name, extra, tmp_path):
    model = make(name, extra)
    x, mask = batch()
    model.train()
    model(x, mask)  # move running statistics away from their initial values
    model.eval()
    path = save_weights(model, tmp_path / "enc.safetensors", metrics={"accuracy": 50.0}, fingerprint="abc")
    loaded = load_weights(path)
    assert type(loaded) is type(model) and not loaded.training
    assert loaded.config == model.config
    torch.testing.assert_close(loaded(x, mask), model(x, mask), rtol=0, atol=0)


@pytest.mark.parametrize("name", list_encoders())
def test_bad_inputs_raise_typed_errors(name):
    model = make(name, {})
    x, mask = batch()
    with pytest.raises(ShapeMismatchError, match="nodes"):
        model(x[:, :10], mask[:, :10])
    with pytest.raises(ChannelMismatchError, match="use_gyro=False"):
        model(x[:, :, :3], mask)
    with pytest.raises(ShapeMismatchError, match="node_mask"):
        model(x, mask[:2])


def test_acc_only_encoders_read_three_channels():
    model = make("graph", {"use_gyro": False}).eval()
    x, mask = batch()
    out6 = model(x, mask)
    torch.testing.assert_close(model(x[:, :, :3], mask), out6)
    x[:, :, 3:] = 1e3  # gyro is ignored
    torch.testing.assert_close(model(x, mask), out6)


def test_default_sizes_fit_a_cpu():
    for name in list_encoders():
        n = build_encoder(name).n_parameters()
        assert 3e5 < n < 2.5e6, (name, n)
    assert math.isclose(build_encoder("graph").n_parameters() / 1e6, 1.2, abs_tol=0.3)


@pytest.mark.parametrize("name,extra", VARIANTS, ids=IDS)
def test_windows_without_sensors_stay_finite(name, extra):
    model = make(name, extra).train()
    x, mask = batch()
    mask[4] = False  # one window with no sensor at all
    assert torch.isfinite(model(x, mask)).all()
    model(x, torch.zeros_like(mask))  # a whole batch without sensors must not poison running statistics
    assert all(torch.isfinite(v).all() for v in model.state_dict().values() if v.is_floating_point())
    assert torch.isfinite(model.eval()(x, mask)).all()
