"""InfoNCE on a hand-computed example, the temperature clamp, the learning-rate schedule and seeding."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from imuhar.core import InvalidParameterError, ShapeMismatchError
from imuhar.training import (
    ContrastiveLoss,
    LearnableTemperature,
    capture_rng_state,
    info_nce,
    lr_factor,
    restore_rng_state,
    seed_everything,
)


def test_info_nce_matches_a_hand_computed_2x2_example():
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    b = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    # cosine similarities: a0.b0 = 1, a0.b1 = 0.6, a1.b0 = 0, a1.b1 = 0.8; inverse temperature 2
    row0 = -2.0 + math.log(math.exp(2.0) + math.exp(1.2))  # a0 must pick b0 among {b0, b1}
    row1 = -1.6 + math.log(math.exp(0.0) + math.exp(1.6))  # a1 must pick b1
    col0 = -2.0 + math.log(math.exp(2.0) + math.exp(0.0))  # b0 must pick a0 among {a0, a1}
    col1 = -1.6 + math.log(math.exp(1.2) + math.exp(1.6))  # b1 must pick a1
    a_to_b = (row0 + row1) / 2
    expected = 0.5 * (a_to_b + (col0 + col1) / 2)
    assert info_nce(a, b, 2.0).item() == pytest.approx(expected, rel=1e-6)
    assert info_nce(a, b, 2.0, symmetric=False).item() == pytest.approx(a_to_b, rel=1e-6)
    # rows are normalized inside: scaling an embedding changes nothing
    assert info_nce(a * 3.0, b * 0.5, 2.0).item() == pytest.approx(expected, rel=1e-6)


def test_info_nce_prefers_aligned_pairs_and_has_gradients():
    torch.manual_seed(0)
    a = torch.randn(8, 5, requires_grad=True)
    aligned = info_nce(a, a.detach() + 0.01 * torch.randn(8, 5), 10.0)
    shuffled = info_nce(a, a.detach()[torch.randperm(8)], 10.0)
    assert aligned < shuffled
    assert aligned.item() >= 0
    aligned.backward()
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
    with pytest.raises(ShapeMismatchError):
        info_nce(a, a[:3], 1.0)


def test_learnable_temperature_is_clamped():
    temp = LearnableTemperature(10.0, max_scale=100.0)
    assert temp().item() == pytest.approx(10.0, rel=1e-6)
    with torch.no_grad():
        temp.log_scale.fill_(10.0)
    assert temp().item() == pytest.approx(100.0, rel=1e-6)
    with pytest.raises(InvalidParameterError):
        LearnableTemperature(1000.0)
    loss = ContrastiveLoss(5.0)
    x = torch.randn(4, 3)
    out = loss(x, x)
    out.backward()
    assert loss.temperature.log_scale.grad is not None and loss.temperature.log_scale.grad < 0  # sharper is better


def test_lr_schedule():
    assert lr_factor(0, 100, warmup_steps=10) == pytest.approx(0.1)
    assert lr_factor(9, 100, warmup_steps=10) == pytest.approx(1.0)
    assert lr_factor(10, 100, warmup_steps=10) == pytest.approx(1.0)
    assert lr_factor(55, 100, warmup_steps=10) == pytest.approx(0.5)  # half-way through the cosine
    assert lr_factor(100, 100, warmup_steps=10, min_ratio=0.1) == pytest.approx(0.1)
    assert lr_factor(55, 100, warmup_steps=10, schedule="linear") == pytest.approx(0.5)
    assert lr_factor(99, 100, schedule="constant") == 1.0
    with pytest.raises(InvalidParameterError):
        lr_factor(0, 10, schedule="step")


def test_seed_and_rng_state_round_trip():
    seed_everything(5)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(5)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    state = capture_rng_state()
    ahead = (random.random(), np.random.rand(), torch.rand(1).item())
    import json

    state = json.loads(json.dumps({**state, "torch": None, "cuda": []})) | {"torch": state["torch"]}
    restore_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == ahead
