"""The augmentation protocol: seeds, numpy/torch equality, Windows provenance, Compose, RandomApply, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import imuhar.augment as augment
from imuhar.augment import (
    Compose,
    Jitter,
    MagnitudeWarp,
    NodeDropout,
    RandomApply,
    RandomRotation,
    Scaling,
    TimeWarp,
)
from imuhar.core import ChannelMismatchError, InvalidParameterError, ShapeMismatchError, Windows

torch = pytest.importorskip("torch")


def _x(rng, w=5, n=3, c=6, t=40):
    x = rng.normal(size=(w, n, c, t)).astype(np.float32)
    x[1, -1] = 0.0  # an absent node
    return x


def _windows(x):
    w, n = x.shape[:2]
    nodes = ("pelvis", "left_wrist", "right_ankle")[:n]
    return Windows(
        x=x,
        node_mask=np.abs(x).sum((2, 3)) > 0,
        labels=np.arange(w) % 2,
        subjects=np.array([f"s{i % 3}" for i in range(w)]),
        rate_hz=50.0,
        nodes=nodes,
        metadata={"dataset": "fake"},
    )


TRANSFORMS = [
    RandomRotation(),
    RandomRotation(per_node=False),
    Jitter(sigma={"acc": 0.1, "gyro": 0.01}),
    Scaling(mode="triad"),
    Scaling(mode="channel"),
    MagnitudeWarp(mode="triad"),
    MagnitudeWarp(),
    TimeWarp(sigma=0.3),
    NodeDropout(p=0.5),
    RandomApply(RandomRotation(), p=0.5),
    Compose([RandomRotation(), TimeWarp(), Jitter(), NodeDropout(p=0.3)]),
]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=repr)
def test_numpy_and_torch_agree_for_the_same_params(transform, rng):
    x = _x(rng)
    params = transform.make_params(x, np.random.default_rng(7))
    out_np = transform.apply(x, params)
    out_t = transform.apply(torch.from_numpy(x.copy()), params)
    assert isinstance(out_np, np.ndarray) and out_np.dtype == np.float32
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float32
    np.testing.assert_allclose(out_t.numpy(), out_np, rtol=1e-5, atol=1e-5)
    # drawing from a tensor gives the same parameters as drawing from the array
    out_t2 = transform(torch.from_numpy(x.copy()), rng=np.random.default_rng(7))
    np.testing.assert_allclose(out_t2.numpy(), out_np, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("transform", TRANSFORMS, ids=repr)
def test_same_seed_same_output_and_different_seed_differs(transform, rng):
    x = _x(rng)
    a = transform(x, rng=123)
    b = transform(x, rng=np.random.default_rng(123))
    np.testing.assert_array_equal(a, b)
    c = transform(x, rng=124)
    assert not np.array_equal(a, c)
    assert a.shape == x.shape
    np.testing.assert_array_equal(x, _x(np.random.default_rng(0)))  # input untouched


def test_random_state_makes_a_transform_reproducible(rng):
    x = _x(rng)
    t1, t2 = RandomRotation(random_state=9), RandomRotation(random_state=9)
    first = t1(x)
    np.testing.assert_array_equal(first, t2(x))
    assert not np.array_equal(first, t1(x))  # the generator advances between calls


@pytest.mark.parametrize("transform", TRANSFORMS, ids=repr)
def test_windows_in_windows_out_with_provenance(transform, rng):
    win = _windows(_x(rng))
    out = transform(win, rng=0)
    assert isinstance(out, Windows) and out is not win
    assert out.x.dtype == np.float32 and out.x.shape == win.x.shape
    np.testing.assert_array_equal(out.labels, win.labels)
    np.testing.assert_array_equal(out.subjects, win.subjects)
    assert out.nodes == win.nodes and out.rate_hz == win.rate_hz
    assert out.metadata["dataset"] == "fake"
    steps = [s["step"] for s in out.metadata["provenance"]]
    assert steps and all(s.startswith("augment.") for s in steps)
    assert win.metadata["provenance"] == []  # the input's history is not mutated
    # Windows and raw arrays go through the same kernel
    np.testing.assert_allclose(out.x, transform(win.x, rng=0), atol=1e-6)


def test_compose_make_params_then_apply_equals_call(rng):
    x = _windows(_x(rng))
    aug = Compose([NodeDropout(p=0.7), Jitter(sigma=0.2), RandomRotation(), TimeWarp()])
    direct = aug(x, rng=5)
    replay = aug.apply(x, aug.make_params(x, np.random.default_rng(5)))
    np.testing.assert_array_equal(direct.x, replay.x)
    np.testing.assert_array_equal(direct.node_mask, replay.node_mask)
    # jitter comes after dropout: dropped nodes stay exactly zero
    np.testing.assert_array_equal(direct.x[~direct.node_mask], 0.0)
    steps = [s["step"] for s in direct.metadata["provenance"]]
    assert steps == ["augment.node_dropout", "augment.jitter", "augment.rotation", "augment.time_warp"]


def test_random_apply_probability_and_passthrough(rng):
    x = _x(rng, w=400, n=1, t=8)
    x[1] = 1.0
    np.testing.assert_array_equal(RandomApply(Jitter(sigma=1.0), p=0.0)(x, rng=0), x)
    always = RandomApply(Jitter(sigma=1.0), p=1.0)(x, rng=0)
    assert (np.abs(always - x).sum((1, 2, 3)) > 0).all()
    t = RandomApply(Jitter(sigma=1.0), p=0.3)
    params = t.make_params(x, np.random.default_rng(1))
    out = t.apply(x, params)
    changed = np.abs(out - x).sum((1, 2, 3)) > 0
    np.testing.assert_array_equal(changed, params["applied"])
    assert abs(changed.mean() - 0.3) < 0.07
    batch_coin = RandomApply(Jitter(sigma=1.0), p=0.5, per_window=False).make_params(x, np.random.default_rng(2))
    assert len(set(batch_coin["applied"])) == 1


def test_random_apply_blends_node_masks_of_windows(rng):
    win = _windows(_x(rng, w=60))
    t = RandomApply(NodeDropout(p=1.0), p=0.5)
    params = t.make_params(win, np.random.default_rng(3))
    out = t.apply(win, params)
    applied = params["applied"]
    assert 0 < applied.sum() < len(applied)
    np.testing.assert_array_equal(out.node_mask[~applied], win.node_mask[~applied])
    np.testing.assert_array_equal(out.node_mask[applied].sum(1), 1)
    np.testing.assert_array_equal(out.x[~out.node_mask], 0.0)


def test_typed_errors_name_the_problem(rng):
    with pytest.raises(ShapeMismatchError, match="4-D"):
        RandomRotation()(np.zeros((3, 6, 10), np.float32), rng=0)
    with pytest.raises(ChannelMismatchError, match="channels="):
        RandomRotation()(np.zeros((2, 1, 7, 10), np.float32), rng=0)
    with pytest.raises(ChannelMismatchError, match="triad"):
        RandomRotation(channels=[f"c{i}" for i in range(6)])(np.ones((2, 1, 6, 10), np.float32), rng=0)
    with pytest.raises(ChannelMismatchError, match="5 channel names"):
        RandomRotation(channels=["acc.x", "acc.y", "acc.z", "t", "u"])(np.ones((2, 1, 6, 10), np.float32), rng=0)
    with pytest.raises(InvalidParameterError, match="gyro"):
        Jitter(sigma={"acc": 0.1})(np.ones((2, 1, 6, 10), np.float32), rng=0)
    with pytest.raises(InvalidParameterError, match="p must lie"):
        NodeDropout(p=1.5)
    with pytest.raises(InvalidParameterError, match="sigma"):
        Jitter(sigma=-1)
    with pytest.raises(InvalidParameterError, match="mode"):
        Scaling(mode="vector")
    with pytest.raises(InvalidParameterError, match="rng"):
        Jitter()(np.ones((1, 1, 6, 4), np.float32), rng="seed")
    with pytest.raises(InvalidParameterError, match="Transform"):
        Compose([RandomRotation(), lambda x: x])
    with pytest.raises(InvalidParameterError, match="parameter sets"):
        Compose([Jitter(), Scaling()]).apply(np.ones((1, 1, 6, 4), np.float32), {"params": [{}]})


def test_public_names_exist():
    for name in augment.__all__:
        assert hasattr(augment, name), name


def test_import_augment_does_not_import_torch():
    code = "import sys, numpy as np, imuhar.augment as a; a.RandomRotation()(np.ones((1,1,6,4), np.float32), rng=0); " \
           "assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
