"""The physical motion prior of zero-shot scores: still windows favour postures, moving ones activities."""

import numpy as np
import pytest

from imuhar.core import InvalidParameterError
from imuhar.methods.unimts import kind_log_prior, motion_intensity
from imuhar.testing import make_windows


def _windows_with(acc_by_window):
    w = make_windows(n_windows=len(acc_by_window), n_samples=200, present=("pelvis",), seed=0)
    j = list(w.nodes).index("pelvis")
    x = np.zeros_like(w.x)
    for i, a in enumerate(acc_by_window):
        x[i, j, 0:3] = a.T
    x[:, list(w.nodes).index("right_wrist"), 0:3] = 50.0  # an absent node's content must not count
    return w.with_step("test signals", x=x)


def test_intensity_reads_motion_not_orientation():
    rng = np.random.default_rng(0)
    t = np.arange(200) / 20.0
    still_tilted = np.tile(9.81 * np.array([0.6, 0.0, 0.8]), (200, 1)) + rng.normal(0, 0.02, (200, 3))
    still_flat = np.tile([0.0, 0.0, 9.81], (200, 1)) + rng.normal(0, 0.02, (200, 3))
    walking = np.tile([0.0, 0.0, 9.81], (200, 1)) + np.outer(np.sin(2 * np.pi * 1.8 * t), [0.0, 0.0, 3.0])
    intensity = motion_intensity(_windows_with([still_tilted, still_flat, walking]))
    assert intensity[0] < 0.1 and intensity[1] < 0.1  # gravity alone, in any orientation, reads as still
    assert intensity[2] == pytest.approx(3.0 / np.sqrt(2), rel=0.05)  # std of a 3 m/s² vertical sine


def test_prior_favours_the_kind_that_matches_the_motion():
    kinds = ["static", "dynamic", "transition"]
    lp = kind_log_prior(np.array([0.05, 0.5, 3.0]), kinds, threshold=0.5)
    assert lp.shape == (3, 3)
    assert np.allclose(lp[:, 2], 0.0)  # transitions: no prior
    assert np.allclose(lp[1, :2], np.log(0.5))  # at the threshold, both kinds equally likely
    assert lp[0, 0] > -0.1 and lp[0, 1] < -2.5  # still: static kept, dynamic vetoed
    assert lp[2, 1] > -0.01 and lp[2, 0] < -10  # walking: static vetoed
    assert np.isfinite(kind_log_prior(np.array([1e6]), kinds)).all()  # stable far from the threshold


def test_prior_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match="threshold"):
        kind_log_prior(np.ones(2), ["static"], threshold=0)
    with pytest.raises(InvalidParameterError, match="kinds"):
        kind_log_prior(np.ones(2), ["static", "sporty"])
