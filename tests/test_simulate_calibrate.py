"""Per-channel percentile calibration of simulated signals to real ones."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import ChannelMismatchError, NotFittedError, Recording
from imuhar.simulate import PercentileCalibrator


def test_percentile_map_matches_the_real_distribution_per_channel(rng):
    sim = rng.normal(0.0, 1.0, (20000, 2))
    real = np.column_stack([rng.normal(5.0, 2.0, 8000), rng.exponential(1.0, 8000)])
    cal = PercentileCalibrator(n_quantiles=101).fit(sim, real)
    out = cal.transform(rng.normal(0.0, 1.0, (20000, 2)))
    assert out[:, 0].mean() == pytest.approx(5.0, abs=0.05) and out[:, 0].std() == pytest.approx(2.0, abs=0.05)
    assert np.median(out[:, 1]) == pytest.approx(np.log(2), abs=0.03) and out[:, 1].min() > -0.2
    x = np.linspace(-3, 3, 200)
    mapped = cal.transform(np.column_stack([x, x]))
    assert np.all(np.diff(mapped, axis=0) >= 0)  # monotone, order preserved
    assert np.isfinite(cal.transform(np.array([[50.0, -50.0]]))).all()  # beyond the fitted range: linear extension


def test_calibrating_recordings_keeps_the_layout_and_records_provenance(rng):
    def rec(scale, n):
        return Recording(
            acc={"right_wrist": rng.normal(0, scale, (n, 3))}, gyro={"right_wrist": rng.normal(0, scale, (n, 3))},
            sample_rate_hz=50.0,
        )  # fmt: skip

    sims, reals = [rec(1.0, 500), rec(1.0, 700)], [rec(3.0, 900)]
    cal = PercentileCalibrator().fit(sims, reals)
    out = cal.transform(sims[0])
    assert isinstance(out, Recording) and out.placements == ("right_wrist",)
    assert np.std(out.acc["right_wrist"]) == pytest.approx(3.0, rel=0.15)
    assert out.provenance[-1]["step"] == "percentile_calibration"
    with pytest.raises(NotFittedError):
        PercentileCalibrator().transform(np.zeros((3, 2)))
    with pytest.raises(ChannelMismatchError):
        PercentileCalibrator().fit(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(ChannelMismatchError):
        cal.transform(np.zeros((4, 2)))
