"""Paired time crops cut the same relative interval out of every modality and keep the whole trial as view 0."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, ShapeMismatchError
from imuhar.methods.comodo import paired_time_crops


def test_crops_of_a_ramp_are_the_same_interval_in_every_array():
    n, m = 5, 4
    a = np.tile(np.linspace(0.0, 1.0, 101, dtype=np.float32), (n, 2, 1))  # (n, 2, 101): relative time itself
    b = np.tile(np.linspace(0.0, 10.0, 41, dtype=np.float32), (n, 1))  # (n, 41): another rate, 10 x time
    (ca, cb), source = paired_time_crops([a, b], n_crops=m, min_fraction=0.5, seed=3)
    assert ca.shape == (n * m, 2, 101) and cb.shape == (n * m, 41) and ca.dtype == np.float32
    assert np.array_equal(source, np.repeat(np.arange(n), m))
    # linear interpolation of a ramp is exact: each crop is a ramp from its start to its end
    start, end = ca[:, 0, 0], ca[:, 0, -1]
    assert np.allclose(ca[:, 0], start[:, None] + (end - start)[:, None] * np.linspace(0, 1, 101), atol=1e-5)
    assert np.allclose(cb[:, 0] / 10.0, start, atol=1e-5) and np.allclose(cb[:, -1] / 10.0, end, atol=1e-5)
    length = end - start
    assert np.allclose(length[::m], 1.0) and np.allclose(start[::m], 0.0)  # view 0 is the whole trial
    assert (length >= 0.5 - 1e-6).all() and (start >= -1e-6).all() and (end <= 1 + 1e-6).all()
    assert length[np.arange(n * m) % m != 0].std() > 0.05  # the other views vary
    (again,), _ = paired_time_crops([a], n_crops=m, min_fraction=0.5, seed=3)
    assert np.array_equal(again, ca)


def test_crops_keep_trials_apart_and_check_inputs():
    x = np.arange(3)[:, None, None] * np.ones((3, 6, 16), np.float32)  # each trial constant = its index
    (c,), source = paired_time_crops([x], n_crops=3, keep_whole=False, seed=0)
    assert np.allclose(c[:, 0, 0], source)
    with pytest.raises(ShapeMismatchError, match="first"):
        paired_time_crops([x, x[:2]], n_crops=2)
    with pytest.raises(InvalidParameterError, match="min_fraction"):
        paired_time_crops([x], n_crops=2, min_fraction=0.0)
    with pytest.raises(InvalidParameterError, match="n_crops"):
        paired_time_crops([x], n_crops=0)
