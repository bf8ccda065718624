"""The generic gait synthesizer: physically plausible locomotion, stairs that rise, flight when running."""

import numpy as np
import pytest

from imuhar.core import NODE_INDEX, InvalidParameterError
from imuhar.methods.unimts import GAITS, gait_corpus, iter_corpus_takes, synthesize_gait

FEET = [NODE_INDEX[n] for n in ("left_ankle", "right_ankle", "left_foot", "right_foot")]


def _lowest_foot(pos: np.ndarray) -> np.ndarray:
    """Height of the lowest ankle/foot joint per frame (metres)."""
    return pos[:, FEET, 1].min(axis=1)


def _lowest_ankle_sole(pos: np.ndarray) -> np.ndarray:
    """Height above the floor of the sole under the lower ankle per frame (metres; ankle 8 cm above it)."""
    return pos[:, [NODE_INDEX["left_ankle"], NODE_INDEX["right_ankle"]], 1].min(axis=1) - 0.08


@pytest.mark.parametrize("name", sorted(GAITS))
def test_every_gait_is_finite_and_sized(name):
    m = synthesize_gait(name, duration_s=4.0, rate_hz=50.0, seed=3)
    assert m.positions.shape == (200, 22, 3)
    assert np.isfinite(m.positions).all()
    assert m.captions and m.name == name
    # the pelvis stays at a standing height above the lowest foot (no collapsing or flying body)
    height = m.positions[:, 0, 1] - _lowest_foot(m.positions)
    assert 0.6 < height.mean() < 1.05


def test_level_walking_keeps_the_feet_at_the_floor_and_moves_at_walking_speed():
    m = synthesize_gait("walk", duration_s=10.0, seed=0)
    low = _lowest_ankle_sole(m.positions)
    assert abs(np.median(low)) < 0.02 and -0.06 < low.min() and low.max() < 0.07  # no flying, no sinking body
    pel = m.positions[:, 0]
    speed = np.linalg.norm(pel[-1, [0, 2]] - pel[0, [0, 2]]) / 10.0
    assert 0.8 < speed < 1.6
    # the pelvis bobs a few centimetres, once per step
    y = pel[:, 1] - pel[:, 1].mean()
    assert 0.02 < np.ptp(y[60:-60]) < 0.09


def test_stairs_rise_one_riser_per_step_and_descend_when_going_down():
    rate, dur = 60.0, 10.0
    for name, sign in (("stairs_up", 1), ("stairs_down", -1)):
        m = synthesize_gait(name, duration_s=dur, rate_hz=rate, seed=1)
        pel = m.positions[:, 0, 1]
        # steps from the dominant frequency of the vertical pelvis motion (one bob per step)
        y = pel - np.polyval(np.polyfit(np.arange(len(pel)), pel, 1), np.arange(len(pel)))
        spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
        freqs = np.fft.rfftfreq(len(y), 1 / rate)
        band = freqs > 0.5  # above the slow drift of the cadence
        step_hz = freqs[band][spec[band].argmax()]
        lo, hi = (c / 60.0 for c in GAITS[name].cadence)
        assert lo - 0.15 < step_hz < hi + 0.15
        rise_per_step = (pel[-30] - pel[30]) / ((len(pel) - 60) / rate * step_hz)
        assert sign * rise_per_step == pytest.approx(0.17, abs=0.035)


def test_running_has_flight_and_walking_has_none():
    run = _lowest_ankle_sole(synthesize_gait("run", duration_s=6.0, seed=2).positions)
    assert 0.05 < (run > 0.05).mean() < 0.6
    walk = _lowest_ankle_sole(synthesize_gait("walk", duration_s=6.0, seed=2).positions)
    assert (walk > 0.06).mean() == 0


def test_turning_reverses_the_walking_direction():
    m = synthesize_gait("walk_turn", duration_s=12.0, seed=4)
    pel = m.positions[:, 0][:, [0, 2]]
    first = pel[120] - pel[0]
    last = pel[-1] - pel[-121]
    cos = first @ last / np.linalg.norm(first) / np.linalg.norm(last)
    assert cos < -0.8


def test_simulated_waist_acceleration_is_in_the_range_of_real_walking():
    from imuhar.simulate import canonical_motion_from_positions, simulate_signals
    from imuhar.simulate._motion import UP_AXIS_TO_Z

    stds = []
    for seed in range(3):
        m = synthesize_gait("walk", duration_s=8.0, seed=seed)
        motion = canonical_motion_from_positions(m.positions @ UP_AXIS_TO_Z["y"].T, m.rate_hz, source="gait")
        sig = simulate_signals(motion, None, rate_hz=20.0, noise="ideal")
        mag = np.linalg.norm(sig.acc[:, 0], axis=1)
        assert mag.mean() == pytest.approx(9.81, abs=1.5)
        stds.append(mag.std())
    # UCI HAPT's waist phone while walking: |acc| standard deviation about 2.3 m/s² per 2.56 s window
    assert 1.2 < np.mean(stds) < 4.0


def test_seeds_reproduce_and_differ():
    a = synthesize_gait("jog", duration_s=3.0, seed=7).positions
    b = synthesize_gait("jog", duration_s=3.0, seed=7).positions
    c = synthesize_gait("jog", duration_s=3.0, seed=8).positions
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_bad_input_is_refused():
    with pytest.raises(InvalidParameterError, match="unknown gait"):
        synthesize_gait("moonwalk")
    with pytest.raises(InvalidParameterError, match="positive"):
        synthesize_gait("walk", duration_s=0)
    with pytest.raises(InvalidParameterError, match="n_per_gait"):
        next(gait_corpus(n_per_gait=0))
    with pytest.raises(InvalidParameterError, match="gait"):
        list(iter_corpus_takes(postures=False, gait=-1, verbose=False))


def test_corpus_takes_carry_gait_captions():
    takes = list(iter_corpus_takes(postures=False, gait=1, rate_hz=20.0, verbose=False))
    assert len(takes) == len(GAITS)
    assert {t.source for t in takes} == {"gait"}
    stairs = [t for t in takes if t.name.startswith("stairs_up")][0]
    assert any("stairs" in c for c in stairs.captions)
    assert stairs.acc.shape[1:] == (22, 3) and stairs.acc.shape[0] == pytest.approx(240, abs=2)
