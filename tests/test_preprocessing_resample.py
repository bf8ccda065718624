"""Resampling physics: tones keep frequency, amplitude and phase; content above the new Nyquist is removed."""

import numpy as np
import pytest

from imuhar.core import InvalidRateError, InvalidSignalError, LabelVocabulary, Recording
from imuhar.preprocessing import fill_gaps, rational_ratio, resample, resample_irregular, resample_labels


def tone_amplitude(x, t, freq):
    """Least-squares amplitude and phase of a sinusoid of ``freq`` Hz in ``x`` sampled at ``t``."""
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t), np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, x, rcond=None)
    return np.hypot(coef[0], coef[1]), np.arctan2(coef[1], coef[0])


@pytest.mark.parametrize("rate, target", [(50.0, 20.0), (100.0, 30.0), (20.0, 50.0), (51.2, 20.0)])
def test_resample_keeps_tone_frequency_amplitude_and_phase(rate, target):
    t = np.arange(int(30 * rate)) / rate
    amp, freq, phase = 1.7, 3.0, 0.4
    x = amp * np.sin(2 * np.pi * freq * t + phase) + 9.81  # a large offset, like gravity
    y = resample(x, rate, target)
    n_out = len(y)
    assert n_out == int(np.ceil(len(x) * rational_ratio(rate, target)[0] / rational_ratio(rate, target)[1]))
    t_out = np.arange(n_out) / target
    inner = (t_out > 2) & (t_out < t_out[-1] - 2)  # away from the edges
    truth = amp * np.sin(2 * np.pi * freq * t_out + phase) + 9.81
    assert np.max(np.abs(y[inner] - truth[inner])) < 0.01 * amp
    a, p = tone_amplitude(y[inner], t_out[inner], freq)
    assert a == pytest.approx(amp, rel=2e-3)
    assert p == pytest.approx(phase, abs=2e-3)
    # With padtype='line' the offset (gravity) does not ring at the ends, as zero padding makes it do.
    span = t_out <= t[-1]
    edge_err = np.max(np.abs(y - truth)[span])
    assert edge_err < 0.5 * amp
    zero_padded = resample(x, rate, target, padtype="constant")
    assert np.max(np.abs(zero_padded - truth)[span]) > 3 * edge_err


def test_resample_removes_tone_above_new_nyquist():
    rate, target = 100.0, 20.0
    t = np.arange(3000) / rate
    x = np.sin(2 * np.pi * 2.0 * t) + np.sin(2 * np.pi * 18.0 * t)  # 18 Hz would alias to 2 Hz at 20 Hz
    y = resample(x, rate, target)
    t_out = np.arange(len(y)) / target
    inner = (t_out > 2) & (t_out < t_out[-1] - 2)
    residual = y[inner] - np.sin(2 * np.pi * 2.0 * t_out[inner])
    assert np.sqrt(np.mean(residual**2)) < 0.01
    naive = x[::5]  # plain decimation aliases the 18 Hz tone onto 2 Hz
    assert np.sqrt(np.mean((naive[inner] - np.sin(2 * np.pi * 2.0 * t_out[inner])) ** 2)) > 0.3


def test_resample_recording_resamples_every_channel_and_labels_by_nearest():
    rate = 50.0
    t = np.arange(500) / rate
    sig = np.stack([np.sin(2 * np.pi * 1.0 * t)] * 3, axis=1)
    labels = np.repeat([0, 1, 2, 1, 0], 100)
    rec = Recording(
        acc={"waist": sig + [0, 0, 9.81], "right_wrist": sig},
        gyro={"waist": 0.5 * sig},
        sample_rate_hz=rate,
        labels=labels,
        vocabulary=LabelVocabulary.from_names(["a", "b", "c"]),
    )
    out = resample(rec, target_rate_hz=20.0)
    assert out.sample_rate_hz == 20.0 and out.n_samples == 200
    assert out.provenance[-1]["step"] == "resample" and out.provenance[-1]["up"] == 2
    np.testing.assert_allclose(out.gyro["pelvis"], 0.5 * out.acc["right_wrist"], atol=1e-12)
    # Boundaries at 2 s, 4 s ... stay at the same times: 40 output samples per 100 input samples.
    np.testing.assert_array_equal(out.labels, np.repeat([0, 1, 2, 1, 0], 40))
    assert resample(rec, target_rate_hz=50.0) is rec


def test_resample_labels_nearest_index():
    lab = np.arange(10)
    np.testing.assert_array_equal(resample_labels(lab, 1, 2), [0, 2, 4, 6, 8])
    np.testing.assert_array_equal(resample_labels(lab, 2, 1)[:6], [0, 1, 1, 2, 2, 3])  # rounds half up


def test_rational_ratio_limits():
    assert rational_ratio(50, 20) == (2, 5)
    assert rational_ratio(44100, 48000) == (160, 147)
    with pytest.raises(InvalidRateError, match="cannot approximate"):
        rational_ratio(1.0, np.pi, max_denominator=10, rtol=1e-6)
    with pytest.raises(InvalidRateError):
        resample(np.zeros(10), 0.0, 20.0)
    with pytest.raises(InvalidRateError, match="plain array"):
        resample(np.zeros(10), None, 20.0)


def jittered(rng, duration_s=10.0, mean_dt=0.01, jitter=0.3):
    dt = mean_dt * (1 + rng.uniform(-jitter, jitter, size=int(duration_s / mean_dt)))
    return np.cumsum(dt) + 1.7e9  # a UNIX-like clock origin


def signal(t):
    return np.stack([np.sin(2 * np.pi * 1.5 * (t - t[0])), 0.5 * np.cos(2 * np.pi * 4.0 * (t - t[0]))], axis=1)


def test_resample_irregular_recovers_known_signal(rng):
    t = jittered(rng)
    out = resample_irregular(t, signal(t), 50.0)
    assert out.rate_hz == 50.0 and out.valid.all() and out.gaps_s.shape == (0, 2)
    np.testing.assert_allclose(np.diff(out.time_s), 0.02, atol=1e-6)
    truth = np.stack([np.sin(2 * np.pi * 1.5 * (out.time_s - t[0])), 0.5 * np.cos(2 * np.pi * 4.0 * (out.time_s - t[0]))], axis=1)
    inner = (out.time_s > t[0] + 0.5) & (out.time_s < t[-1] - 0.5)
    err = out.values[inner] - truth[inner]
    assert np.sqrt(np.mean(err**2)) < 5e-3
    assert np.max(np.abs(err)) < 2e-2


def test_resample_irregular_antialias_suppresses_fast_content(rng):
    t = jittered(rng, mean_dt=0.005, jitter=0.1)
    fast = np.sin(2 * np.pi * 37.0 * (t - t[0]))  # far above the 10 Hz Nyquist of a 20 Hz grid; aliases to 3 Hz
    with_aa = resample_irregular(t, fast, 20.0).values
    without = resample_irregular(t, fast, 20.0, antialias=False).values
    rms = lambda v: np.sqrt(np.mean(v[20:-20] ** 2))  # noqa: E731
    assert rms(with_aa) < 0.25 * rms(without)


def test_resample_irregular_gaps_unsorted_duplicates_and_labels(rng):
    t = jittered(rng)
    v = signal(t)
    labels = (t - t[0] > 5).astype(int)
    keep = ~((t - t[0] > 3) & (t - t[0] < 4))  # a one-second hole
    out = resample_irregular(t[keep], v[keep], 50.0, labels=labels[keep])
    rel = out.time_s - t[0]
    assert out.gaps_s.shape == (1, 2)
    assert not out.valid[(rel > 3.05) & (rel < 3.95)].any()
    assert out.valid[(rel < 2.9) | (rel > 4.1)].all()
    assert np.isnan(out.values[~out.valid]).all() and np.isfinite(out.values[out.valid]).all()
    segments = out.valid_segments(min_samples=50)
    assert len(segments) == 2 and segments[0][0] == 0 and segments[1][1] == len(out.time_s)
    assert out.valid[segments[0][0] : segments[0][1]].all() and not out.valid[segments[0][1]]
    np.testing.assert_array_equal(out.labels, (rel > 5).astype(int))

    perm = rng.permutation(len(t))
    shuffled = resample_irregular(t[perm], v[perm], 50.0)
    np.testing.assert_allclose(shuffled.values, resample_irregular(t, v, 50.0).values)
    with pytest.raises(InvalidSignalError, match="go backwards"):
        resample_irregular(t[perm], v[perm], 50.0, unsorted="raise")

    td = np.array([0.0, 0.01, 0.01, 0.02, 0.03])
    vd = np.array([0.0, 1.0, 3.0, 2.0, 3.0])
    out = resample_irregular(td, vd, 100.0, antialias=False)
    np.testing.assert_allclose(out.values, [0.0, 2.0, 2.0, 3.0])  # duplicates averaged
    with pytest.raises(InvalidSignalError, match="duplicate"):
        resample_irregular(td, vd, 100.0, duplicates="raise")


def test_fill_gaps_interpolates_short_runs_only():
    x = np.linspace(0.0, 1.0, 40)
    y = np.stack([x, 2 * x], axis=1)
    holed = y.copy()
    holed[5:7, 0] = np.nan  # 2 samples
    holed[20:30, 0] = np.nan  # 10 samples
    holed[0:3, 1] = np.nan  # leading run
    filled = fill_gaps(holed, max_gap=5)
    np.testing.assert_allclose(filled[5:7, 0], y[5:7, 0])
    assert np.isnan(filled[20:30, 0]).all()
    np.testing.assert_allclose(filled[0:3, 1], y[3, 1])  # held at the nearest valid value
    left = fill_gaps(holed, edges="leave")
    assert np.isnan(left[0:3, 1]).all()
    np.testing.assert_allclose(left[20:30, 0], y[20:30, 0])
    # time along axis 1
    np.testing.assert_allclose(fill_gaps(holed.T, max_gap=5, axis=1), filled.T, equal_nan=True)
