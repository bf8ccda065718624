"""Preprocessing on one real UCI HAPT session (waist phone, 50 Hz): gravity, step frequency, windows."""

import io

import numpy as np
import pytest

from conftest import require_shared
from imuhar.core import UNLABELLED, LabelVocabulary
from imuhar.datasets._io import open_source
from imuhar.preprocessing import Standardizer, resample, sliding_windows, split_gravity, to_si_recording

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def session():
    src = open_source(require_shared("uci-hapt.zip"))
    acc = np.loadtxt(io.StringIO(src.read_text(src.find("*RawData/acc_exp01_user01.txt"))))
    gyro = np.loadtxt(io.StringIO(src.read_text(src.find("*RawData/gyro_exp01_user01.txt"))))
    rows = np.loadtxt(io.StringIO(src.read_text(src.find("*RawData/labels.txt"))), dtype=int)
    names = [line.split()[1].lower() for line in src.read_text(src.find("*activity_labels.txt")).splitlines() if line.strip()]
    labels = np.full(len(acc), UNLABELLED)
    for _, _, act, start, end in rows[(rows[:, 0] == 1) & (rows[:, 1] == 1)]:
        labels[start : end + 1] = act - 1
    return to_si_recording({"waist": acc}, {"waist": gyro}, sample_rate_hz=50.0, acc_unit="g", labels=labels,
                           vocabulary=LabelVocabulary.from_names(names), subject="01", recording_id="exp01_user01")


def dominant_hz(x, rate):
    spec = np.abs(np.fft.rfft(x - x.mean()))
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    band = freqs > 0.5
    return freqs[band][np.argmax(spec[band])]


def test_units_and_gravity_split_on_real_data(session):
    static = np.isin(session.labels, [session.vocabulary.index(n) for n in ("sitting", "standing", "laying")])
    norm = np.linalg.norm(session.acc["pelvis"], axis=1)
    assert np.median(norm[static]) == pytest.approx(9.81, abs=0.3)  # g converted to m/s^2
    gravity, body = split_gravity(session)
    g_norm = np.linalg.norm(gravity.acc["pelvis"], axis=1)
    assert np.median(g_norm[static]) == pytest.approx(9.81, abs=0.3)
    assert np.abs(np.median(body.acc["pelvis"][static], axis=0)).max() < 0.05


def test_walking_step_frequency_survives_resampling(session):
    walk = session.labels == session.vocabulary.index("walking")
    start = np.flatnonzero(walk)[0]
    seg = session.slice(start, start + 500)  # 10 s of walking
    assert (seg.labels == seg.vocabulary.index("walking")).all()
    vertical = np.linalg.norm(seg.acc["pelvis"], axis=1)
    f50 = dominant_hz(vertical, 50.0)
    assert 1.4 < f50 < 2.4  # human cadence, steps per second
    low = resample(seg, target_rate_hz=20.0)
    assert dominant_hz(np.linalg.norm(low.acc["pelvis"], axis=1), 20.0) == pytest.approx(f50, abs=0.11)


def test_windows_and_standardizer_on_real_data(session):
    w = sliding_windows(session, length_s=2.56, overlap=0.5, label_rule="strict")
    assert w.n_windows > 50 and w.n_samples == 128
    starts = np.round(w.start_s * 50).astype(int)
    for i in range(0, w.n_windows, 7):
        assert (session.labels[starts[i] : starts[i] + 128] == w.labels[i]).all()
    z = Standardizer().fit_transform(w)
    assert np.allclose(z.x.mean(axis=(0, 1, 3)), 0, atol=1e-3)
