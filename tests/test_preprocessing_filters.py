"""Zero-phase Butterworth filters and gravity/body separation, checked on tones."""

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, LabelVocabulary, Recording, ShapeMismatchError
from imuhar.preprocessing import bandpass, highpass, lowpass, split_gravity

RATE = 100.0
T = np.arange(int(20 * RATE)) / RATE
INNER = (T > 3) & (T < T[-1] - 3)


def tone(freq, amp=1.0, phase=0.3):
    return amp * np.sin(2 * np.pi * freq * T + phase)


def test_lowpass_passes_below_with_zero_phase_and_attenuates_above():
    slow, fast = tone(1.0), tone(20.0)
    y = lowpass(np.stack([slow + fast, slow], axis=1), 5.0, rate_hz=RATE, order=4)
    # Zero phase: the passed tone lines up sample for sample with the input tone, no delay.
    assert np.max(np.abs(y[INNER, 0] - slow[INNER])) < 2e-3
    assert np.max(np.abs(y[INNER, 1] - slow[INNER])) < 2e-3
    lag = np.argmax(np.correlate(y[INNER, 1], slow[INNER], mode="full")) - (INNER.sum() - 1)
    assert lag == 0
    only_fast = lowpass(fast, 5.0, rate_hz=RATE)
    # |H|^2 of order-4 Butterworth at 4x the cut-off is 1 / (1 + 4^8): amplitude below 1e-4.
    assert np.max(np.abs(only_fast[INNER])) < 1e-4
    # -6 dB at the cut-off itself (the forward-backward pass squares the -3 dB response).
    at_cut = lowpass(tone(5.0), 5.0, rate_hz=RATE)
    assert np.max(np.abs(at_cut[INNER])) == pytest.approx(0.5, abs=0.01)


def test_highpass_and_bandpass():
    x = 9.81 + tone(5.0)
    np.testing.assert_allclose(highpass(x, 0.5, rate_hz=RATE)[INNER], tone(5.0)[INNER], atol=5e-3)
    y = bandpass(tone(0.1) + tone(3.0) + tone(30.0), 1.0, 8.0, rate_hz=RATE)
    np.testing.assert_allclose(y[INNER], tone(3.0)[INNER], atol=2e-2)


def test_filters_act_per_channel_along_axis():
    x = np.stack([tone(1.0) + tone(20.0), tone(2.0) + tone(30.0)], axis=0)  # time on axis 1
    y = lowpass(x, 5.0, rate_hz=RATE, axis=1)
    np.testing.assert_allclose(y[:, INNER], np.stack([tone(1.0), tone(2.0)])[:, INNER], atol=2e-3)


def make_recording():
    acc = np.stack([tone(1.0) + tone(20.0), tone(2.0), 9.81 + tone(25.0)], axis=1)
    gyro = np.stack([tone(0.5), tone(30.0), tone(1.0)], axis=1)
    return Recording(acc={"waist": acc}, gyro={"waist": gyro}, sample_rate_hz=RATE,
                     labels=np.zeros(len(T), int), vocabulary=LabelVocabulary.from_names(["walk"]))


def test_lowpass_recording_filters_selected_kinds_and_records_provenance():
    rec = make_recording()
    out = lowpass(rec, 5.0, order=3)
    assert out.provenance[-1] == {"step": "lowpass", "cutoff_hz": 5.0, "order": 3, "kinds": ["acc", "gyro"], "zero_phase": True, "padtype": "even"}
    np.testing.assert_allclose(out.acc["pelvis"][INNER, 2], 9.81, atol=2e-3)
    assert np.max(np.abs(out.gyro["pelvis"][INNER, 1])) < 1e-3
    acc_only = lowpass(rec, 5.0, kinds=("acc",))
    np.testing.assert_array_equal(acc_only.gyro["pelvis"], rec.gyro["pelvis"])
    np.testing.assert_array_equal(out.labels, rec.labels)
    np.testing.assert_allclose(lowpass(rec.acc["pelvis"], 5.0, rate_hz=RATE, order=3), out.acc["pelvis"])


def test_split_gravity_recovers_constant_gravity_and_body_motion():
    gravity = np.array([0.0, 3.0, 9.33])  # a tilted sensor, |g| = 9.8
    body = 0.8 * np.stack([np.sin(2 * np.pi * 2.0 * T), np.cos(2 * np.pi * 2.0 * T), np.zeros_like(T)], axis=1)
    g, b = split_gravity(gravity + body, RATE)
    # Mirror padding keeps even the first and last samples within 1 % of |g| (scipy's default odd padding: 8 %).
    np.testing.assert_allclose(g, np.broadcast_to(gravity, g.shape), atol=0.1)
    np.testing.assert_allclose(g[INNER], np.broadcast_to(gravity, g[INNER].shape), atol=5e-3)
    np.testing.assert_allclose(b[INNER], body[INNER], atol=5e-3)
    np.testing.assert_allclose(g + b, gravity + body, atol=1e-12)


def test_split_gravity_recording_returns_two_recordings():
    rec = make_recording()
    grav, body = split_gravity(rec, cutoff_hz=0.3, order=3)
    np.testing.assert_allclose(grav.acc["pelvis"] + body.acc["pelvis"], rec.acc["pelvis"], atol=1e-12)
    assert grav.provenance[-1]["component"] == "gravity" and body.provenance[-1]["component"] == "body"
    assert np.abs(body.acc["pelvis"][INNER, 2].mean()) < 1e-3
    np.testing.assert_array_equal(body.gyro["pelvis"], rec.gyro["pelvis"])


def test_filter_errors_name_the_fix():
    with pytest.raises(InvalidParameterError, match="Nyquist frequency 50"):
        lowpass(tone(1.0), 60.0, rate_hz=RATE)
    with pytest.raises(InvalidParameterError, match="low_hz < high_hz"):
        bandpass(tone(1.0), 8.0, 2.0, rate_hz=RATE)
    with pytest.raises(ShapeMismatchError, match="needs more than"):
        lowpass(np.zeros(10), 5.0, rate_hz=RATE)
    with pytest.raises(InvalidParameterError, match="order"):
        lowpass(tone(1.0), 5.0, rate_hz=RATE, order=0)
